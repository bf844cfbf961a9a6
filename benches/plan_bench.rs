//! Benchmark: `plan` against emulators that answer every request after 50 ms (rate limit off):
//! one tenant whose live state has 50 actions, then 20 tenants of 20 actions each, all planned
//! concurrently through the same code as `loginflow plan --all`. Prints wall times, request
//! counts and the expected figure: (sequential dependent requests) × latency, where the chain is
//! token → (actions page 0 ∥ bindings of post-login) → further pages, if any. Each scenario runs
//! with a generous client-side `rate_limit` and without one (then the client lets two requests go
//! before the server's first answer, which is all a plan of up to 100 actions needs).
//!
//! Run: `cargo bench --bench plan_bench`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use loginflow_emulator::model::{Action, Build, State, TriggerRef};
use loginflow_emulator::{Emulator, EmulatorOptions, state_file};

const LATENCY_MS: u64 = 50;
const RUNS: usize = 5;

/// A live tenant of `n` actions nobody manages yet (post-login, built, not deployed).
fn live_state(n: usize) -> State {
    let actions = (0..n)
        .map(|i| Action {
            id: format!("{i:08x}-0000-4000-8000-000000000000"),
            name: format!("live-{i:03}"),
            supported_triggers: vec![TriggerRef {
                id: "post-login".into(),
                version: "v3".into(),
            }],
            created_at: 1_767_225_600_000_000_000,
            updated_at: 1_767_225_600_000_000_000,
            code: "exports.onExecutePostLogin = async (event, api) => {};\n".into(),
            dependencies: Vec::new(),
            runtime: "node22".into(),
            secrets: Vec::new(),
            build: Build {
                started: 0,
                duration_ms: 0,
                fails: false,
            },
            all_changes_deployed: false,
            versions: Vec::new(),
            deployed: None,
        })
        .collect();
    State {
        actions,
        ..State::default()
    }
}

/// A tenant file of `n` claims actions (at most 20: Auth0's bindings limit), all bound.
fn tenant_yaml(domain: &str, n: usize, limit: bool) -> String {
    let limit = if limit {
        "  rate_limit: { per_second: 100, burst: 100 }\n"
    } else {
        ""
    };
    let mut s = format!(
        "version: 1\ntenant:\n  domain: \"{domain}\"\n{limit}  credentials:\n    client_id: {{ file: id }}\n    client_secret: {{ file: secret }}\ndefaults:\n  runtime: node22\nactions:\n"
    );
    let names: Vec<String> = (0..n.min(20)).map(|i| format!("claims-{i:02}")).collect();
    for name in &names {
        let _ = write!(
            s,
            "  {name}:\n    kind: claims\n    namespace: https://acme.example.com/\n    claims:\n      - {{ name: org_id, path: user.app_metadata.org_id }}\n"
        );
    }
    let _ = writeln!(s, "flow:\n  post-login: [{}]", names.join(", "));
    s
}

struct Setup {
    emulators: Vec<Emulator>,
    files: Vec<PathBuf>,
}

async fn setup(dir: &Path, tenants: usize, live_actions: usize, limit: bool) -> Setup {
    let mut emulators = Vec::new();
    let mut files = Vec::new();
    for t in 0..tenants {
        let state_path = dir.join(format!("state-{tenants}-{t}.json"));
        state_file::write(&state_path, &state_file::encode(&live_state(live_actions)))
            .expect("write the emulator state");
        let emu = Emulator::start(EmulatorOptions {
            latency_ms: LATENCY_MS,
            state_file: Some(state_path),
            ..EmulatorOptions::fast()
        })
        .await
        .expect("start an emulator");
        let file = dir.join(format!("tenant-{tenants}-{t}.yaml"));
        std::fs::write(&file, tenant_yaml(&emu.base_url(), live_actions, limit)).expect("write");
        files.push(file);
        emulators.push(emu);
    }
    Setup { emulators, files }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs one scenario; returns its median wall time.
async fn scenario(
    dir: &Path,
    label: &str,
    tenants: usize,
    live_actions: usize,
    limit: bool,
) -> Duration {
    let s = setup(dir, tenants, live_actions, limit).await;
    // Preparing (validate, render) is CPU work without requests; time it apart.
    let started = Instant::now();
    for f in &s.files {
        loginflow::pipeline::prepare(f).expect("a valid tenant");
    }
    let prepare_one = started.elapsed() / tenants as u32;

    let mut walls = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let prepared = s
            .files
            .iter()
            .map(|f| loginflow::pipeline::prepare(f))
            .collect();
        let results = loginflow::commands::plan::plan_files(prepared).await;
        walls.push(started.elapsed());
        for r in results {
            r.expect("plan");
        }
    }
    // Where one tenant's time goes: connecting (building the HTTP client) and reading + planning.
    let prepared = loginflow::pipeline::prepare(&s.files[0]).expect("a valid tenant");
    let (mut connects, mut reads) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let started = Instant::now();
        let conn = loginflow::connect::connect(&prepared.tenant)
            .await
            .expect("connect");
        connects.push(started.elapsed());
        let started = Instant::now();
        loginflow::pipeline::read_and_plan(&prepared, &conn.client)
            .await
            .expect("plan");
        reads.push(started.elapsed());
        conn.close().await;
    }
    let requests: u64 =
        s.emulators.iter().map(|e| e.stats().total).sum::<u64>() - (3 * RUNS) as u64;
    let per_run = requests / RUNS as u64;
    let pages = live_actions.div_ceil(100).max(1) as u64;
    // Token, then page 0 alongside the bindings read, then more pages.
    let chain = 1 + pages;
    let expected = Duration::from_millis(chain * LATENCY_MS);
    let wall = median(walls);
    println!("{label}");
    println!(
        "  requests per run: {per_run} ({} per tenant: 1 token + {pages} actions page(s) + 1 bindings read)",
        per_run / tenants as u64
    );
    println!(
        "  expected network time: {chain} dependent requests × {LATENCY_MS} ms = {:.0} ms",
        ms(expected)
    );
    println!(
        "  wall time (median of {RUNS}): {:.0} ms = {:.2}× expected; prepare (validate + render) {:.1} ms per tenant, included",
        ms(wall),
        wall.as_secs_f64() / expected.as_secs_f64(),
        ms(prepare_one)
    );
    println!(
        "  one tenant alone: connect {:.1} ms, read + plan {:.0} ms (medians)",
        ms(median(connects)),
        ms(median(reads))
    );
    for e in s.emulators {
        e.shutdown().await;
    }
    wall
}

fn main() {
    let dir = std::env::temp_dir().join(format!("loginflow-plan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("id"), "local").expect("write");
    std::fs::write(dir.join("secret"), "local").expect("write");
    let rt = loginflow::runtime::build().expect("runtime");
    rt.block_on(async {
        let generous = "tenant `rate_limit: { per_second: 100, burst: 100 }`";
        let hints = "no `rate_limit`: paced by the server's `x-ratelimit-*` hints";
        for (mode, limit) in [(generous, true), (hints, false)] {
            let label = format!("1 tenant, 50 live actions; {mode}");
            scenario(&dir, &label, 1, 50, limit).await;
            let label = format!("1 tenant, 20 live actions; {mode}");
            let one = scenario(&dir, &label, 1, 20, limit).await;
            let label = format!("20 tenants, 20 live actions each; {mode}");
            let twenty = scenario(&dir, &label, 20, 20, limit).await;
            println!(
                "  => 20 tenants take {:.2}× the time of one\n",
                twenty.as_secs_f64() / one.as_secs_f64()
            );
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}
