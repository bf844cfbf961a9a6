//! Benchmark (issue 21): rollback of 20 changed actions on a development-limit tenant (burst 10,
//! 2/s) against a fresh apply of the old config from the same state. Prints requests (writes
//! apart), draft builds, versions created, 429s and wall time of both.
//! Target: the rollback waits for no build and sends at most one write per action plus one per
//! trigger (plus the apply lock's create and delete).
//!
//! 1. Seed (no rate limit): apply v1 (20 claims actions, bound in order), then v2 (every action
//!    changed, the binding order reversed); read v1's apply id from `history`; save the state.
//! 2. (a) `loginflow rollback tenant.yaml --to <v1> --yes` against a limited emulator on that state.
//! 3. (b) the v2 state again, `loginflow apply tenant.yaml --yes` with the v1 config.
//!
//! Each measured run is the real binary, as a user runs it, against a fresh emulator (a full
//! token bucket, counters at zero); the tenant file's `rate_limit` matches the emulator's.
//! Run with `cargo bench --bench rollback_bench [-- ACTIONS]` (default 20).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use loginflow_emulator::{Emulator, EmulatorOptions, RateLimitSpec, Stats};

#[path = "support/claims_tenant.rs"]
mod claims_tenant;

use claims_tenant::BoxResult;

const DEV: RateLimitSpec = RateLimitSpec {
    burst: 10,
    per_second: 2.0,
};

/// Runs the binary in `dir`; its stdout, or an error with both streams.
fn loginflow(dir: &Path, args: &[&str]) -> BoxResult<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_loginflow"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("LOGINFLOW_LOG")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("loginflow {args:?} failed:\n{stdout}\n{stderr}").into());
    }
    Ok(stdout)
}

async fn emulator(state: &Path, limit: Option<RateLimitSpec>) -> BoxResult<Emulator> {
    Ok(Emulator::start(EmulatorOptions {
        rate_limit: limit,
        state_file: Some(state.to_path_buf()),
        ..EmulatorOptions::default()
    })
    .await?)
}

/// Seeds v1 then v2 into `state`; returns v1's apply id.
async fn seed(dir: &Path, state: &Path, n: usize) -> BoxResult<String> {
    let emu = emulator(state, None).await?;
    let fast = RateLimitSpec {
        burst: 1000,
        per_second: 1000.0,
    };
    claims_tenant::write_tenant(dir, &emu.base_url(), n, 1, fast, false)?;
    loginflow(dir, &["apply", "tenant.yaml", "--yes"])?;
    claims_tenant::write_tenant(dir, &emu.base_url(), n, 2, fast, true)?;
    loginflow(dir, &["apply", "tenant.yaml", "--yes"])?;
    let history: serde_json::Value = serde_json::from_str(&loginflow(
        dir,
        &["history", "tenant.yaml", "--format", "json"],
    )?)?;
    emu.shutdown().await;
    let id = history["applies"][1]["id"]
        .as_str()
        .ok_or("history lists fewer than two applies")?;
    Ok(id.to_string())
}

/// Runs `args` against a dev-limited emulator started on a copy of the v2 state, with the
/// tenant file at `version`; prints the figures.
async fn measure(
    label: &str,
    dir: &Path,
    v2: &Path,
    n: usize,
    version: u32,
    args: &[&str],
) -> BoxResult<()> {
    let state = dir.join(format!("{label}.json"));
    std::fs::copy(v2, &state)?;
    let emu = emulator(&state, Some(DEV)).await?;
    claims_tenant::write_tenant(dir, &emu.base_url(), n, version, DEV, version > 1)?;
    let started = Instant::now();
    loginflow(dir, args)?;
    let wall = started.elapsed().as_secs_f64();
    let stats = emu.stats();
    emu.shutdown().await;
    print(label, &stats, wall);
    Ok(())
}

fn print(label: &str, stats: &Stats, wall: f64) {
    let count = |endpoint: &str| stats.by_endpoint.get(endpoint).copied().unwrap_or(0);
    let tokens = count("POST /oauth/token");
    let writes: u64 = stats
        .by_endpoint
        .iter()
        .filter(|(k, _)| !k.starts_with("GET ") && !k.contains("/oauth/token"))
        .map(|(_, v)| v)
        .sum();
    // Every create and draft update starts a build that apply must wait for; a version deploy
    // copies a built version and starts none. The apply lock's create is one of the creates.
    let builds = count("PATCH /api/v2/actions/actions/{id}")
        + count("POST /api/v2/actions/actions").saturating_sub(1);
    println!(
        "{label:<22} {:>4} requests ({writes} writes, {tokens} token), {builds} draft builds, {} versions, {} × 429, wall {wall:.2} s",
        stats.total, stats.versions_created, stats.rate_limited
    );
    for (endpoint, n) in &stats.by_endpoint {
        println!("    {n:>4}  {endpoint}");
    }
}

#[tokio::main]
async fn main() -> BoxResult<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir()?;
    // A folder of its own with `.git`: the repository root the tenant file's paths stay in.
    std::fs::create_dir(dir.path().join(".git"))?;
    let v2 = dir.path().join("v2.json");
    let v1_apply = seed(dir.path(), &v2, n).await?;
    println!(
        "{n} actions changed, binding order changed; development limit (burst {}, {}/s)",
        DEV.burst, DEV.per_second
    );
    measure(
        "rollback --to v1",
        dir.path(),
        &v2,
        n,
        2,
        &["rollback", "tenant.yaml", "--to", &v1_apply, "--yes"],
    )
    .await?;
    measure(
        "apply of the v1 config",
        dir.path(),
        &v2,
        n,
        1,
        &["apply", "tenant.yaml", "--yes"],
    )
    .await?;
    Ok(())
}
