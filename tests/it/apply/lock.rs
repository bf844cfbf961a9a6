//! One apply at a time per tenant: the apply lock (an action named `loginflow-apply-lock`) held
//! from before the first write to the end, waited for, expiring, taken over, released on failure
//! and on SIGTERM, removed by `unlock --force`; and the local tenant's state file lock.

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use loginflow_emulator::EmulatorOptions;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{loginflow, texts};

use super::harness::*;

const LOCK: &str = "loginflow-apply-lock";

/// Builds that take long enough for two applies started together to overlap.
fn slow() -> Env {
    Env::with(EmulatorOptions {
        build_ms: 300,
        latency_ms: 2,
        ..EmulatorOptions::fast()
    })
}

fn three() -> Tenant {
    Tenant::new(vec![
        Act::claims("a", "1"),
        Act::claims("b", "1"),
        Act::claims("c", "1"),
    ])
}

pub fn finish(child: Child) -> (i32, String, String) {
    let out: Output = child.wait_with_output().unwrap();
    let (o, e) = texts(&out);
    (out.status.code().unwrap_or(-1), o, e)
}

/// Sends SIGTERM to `child` once it holds the tenant lock (the first lock create answered 201
/// since the stats were reset), then checks it exits 143 saying the lock is released, and that
/// the lock action is gone.
pub fn terminate_once_locked(env: &Env, child: Child) {
    env.wait(|| {
        env.log()
            .iter()
            .any(|r| is_lock_create(r) && r["status"] == 201)
    });
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, _, e) = finish(child);
    assert_eq!(code, 143, "{e}");
    assert!(e.contains("interrupted: the apply lock is released"), "{e}");
    assert!(
        !env.action_names().contains(&LOCK.to_string()),
        "kept after SIGTERM"
    );
}

/// Runs `apply FILE --yes` for both files at once; both must exit 0. Returns both stderrs.
fn together(env: &Env, a: &str, b: &str) -> String {
    let first = env.spawn(&["apply", a, "--yes"]);
    let second = env.spawn(&["apply", b, "--yes"]);
    let (c1, _, e1) = finish(first);
    let (c2, _, e2) = finish(second);
    assert_eq!((c1, c2), (0, 0), "{e1}\n---\n{e2}");
    format!("{e1}\n{e2}")
}

pub fn is_lock_create(r: &Value) -> bool {
    r["method"] == "POST"
        && r["template"] == "/api/v2/actions/actions"
        && r["body"].as_str().is_some_and(|b| b.contains(LOCK))
}

/// Checks the request log of concurrent applies that prune nothing (so every DELETE releases a
/// lock): every write happens while exactly one lock is held, and each holder reads the actions
/// list again (its fresh plan) before its first write. Returns how many times the lock was held.
fn assert_serialised(log: &[Value]) -> usize {
    let mut held = false;
    let mut windows = 0;
    let mut replanned = false;
    for r in log {
        let ok = (200..300).contains(&r["status"].as_u64().unwrap_or(0));
        let (method, path) = (r["method"].as_str().unwrap(), r["path"].as_str().unwrap());
        if !path.starts_with("/api/v2/") {
            continue;
        }
        if is_lock_create(r) {
            if ok {
                assert!(
                    !held,
                    "a second lock was taken while one was held: {log:#?}"
                );
                held = true;
                replanned = false;
                windows += 1;
            }
        } else if method == "DELETE" {
            if ok {
                assert!(held, "a release without a lock: {log:#?}");
                held = false;
            }
        } else if method == "GET" {
            if held && path.starts_with("/api/v2/actions/actions?") && !path.contains(LOCK) {
                replanned = true;
            }
        } else {
            assert!(held, "{method} {path} written without the lock: {log:#?}");
            assert!(
                replanned,
                "{method} {path} written before the plan under the lock"
            );
        }
    }
    assert!(!held, "the lock was never released");
    windows
}

#[test]
fn two_applies_of_one_file_serialise_and_the_second_finds_nothing_to_do() {
    let env = slow();
    env.write(&three());
    env.reset_stats();
    let both = together(&env, "tenant.yaml", "tenant.yaml");
    assert!(
        both.contains("waiting up to 5m for the apply lock held by host"),
        "{both}"
    );
    assert!(both.contains("nothing left to change"), "{both}");
    let windows = assert_serialised(&env.log());
    assert_eq!(windows, 2);
    // Each action was created once, no create was refused: the second apply planned after the
    // first had finished. (A lock create may meet the other's lock: 409.)
    let log = env.log();
    let creates: Vec<&Value> = log
        .iter()
        .filter(|r| r["method"] == "POST" && r["template"] == "/api/v2/actions/actions")
        .filter(|r| !is_lock_create(r))
        .collect();
    assert_eq!(creates.len(), 3, "{creates:#?}");
    assert!(creates.iter().all(|r| r["status"] == 201), "{creates:#?}");
    assert_eq!(
        env.writes()["PATCH /api/v2/actions/triggers/{triggerId}/bindings"],
        1
    );
    env.assert_safe();
    env.assert_converged();
    assert_eq!(env.action_names(), ["a", "b", "c"]);
}

#[test]
fn two_files_on_one_tenant_serialise_and_both_converge() {
    let env = slow();
    // Unbound: ownership is by tenant, not by file, so two files binding one trigger would take
    // turns replacing its list.
    let mut a = Tenant::new(vec![Act::claims("a1", "1"), Act::claims("a2", "1")]);
    a.flow.clear();
    env.write(&a);
    std::fs::rename(env.file(), env.dir.path().join("a.yaml")).unwrap();
    let mut b = Tenant::new(vec![Act::claims("b1", "1"), Act::claims("b2", "1")]);
    b.flow.clear();
    env.write(&b);
    std::fs::rename(env.file(), env.dir.path().join("b.yaml")).unwrap();
    env.reset_stats();
    let both = together(&env, "a.yaml", "b.yaml");
    assert!(
        both.contains("waiting up to 5m for the apply lock"),
        "{both}"
    );
    assert_eq!(assert_serialised(&env.log()), 2);
    env.assert_safe();
    assert_eq!(env.action_names(), ["a1", "a2", "b1", "b2"]);
    for f in ["a.yaml", "b.yaml"] {
        let out = env.run(&["plan", f, "--detailed-exitcode"]);
        let (o, e) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "{f} not converged\n{o}\n{e}");
    }
}

/// Creates a lock as another run would have left it.
pub fn foreign_lock(env: &Env, pid: u32, ttl_secs: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let holder = json!({
        "host": "ci-runner-7", "pid": pid, "commit": "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
        "file": "tenants/prod.yaml", "acquired_at": "x", "expires_at": "y",
        "acquired_unix": now, "expires_unix": now + ttl_secs, "token": "theirs",
    });
    let (s, v) = env.api(
        Method::POST,
        "/actions/actions",
        Some(json!({
            "name": LOCK,
            "supported_triggers": [{"id": "post-login", "version": "v3"}],
            "code": format!("// holder: {holder}\nexports.onExecutePostLogin = async () => {{}};\n"),
        })),
    );
    assert_eq!(s, 201, "{v}");
}

#[test]
fn a_held_lock_fails_at_once_with_timeout_zero_and_plan_notes_it() {
    let env = Env::new();
    env.write(&three());
    foreign_lock(&env, 4242, 600);
    // A second create of the same name is refused, as on Auth0.
    let (s, _) = env.api(
        Method::POST,
        "/actions/actions",
        Some(json!({"name": LOCK, "supported_triggers": [{"id": "post-login", "version": "v3"}], "code": ""})),
    );
    assert_eq!(s, 409);

    let out = env.run(&["plan", "tenant.yaml"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert!(
        o.contains(
            "the tenant is locked by an apply: host ci-runner-7, pid 4242, commit 0a1b2c3d4e5f"
        ),
        "{o}"
    );
    assert!(!o.contains(LOCK), "the lock is shown as an action:\n{o}");

    env.reset_stats();
    let started = Instant::now();
    let out = env.run(&["apply", "tenant.yaml", "--yes", "--lock-timeout", "0"]);
    let (_, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        e.contains("the tenant is locked by another apply: host ci-runner-7, pid 4242"),
        "{e}"
    );
    assert!(
        e.contains("expires in ") && e.contains("unlock tenant.yaml --force"),
        "{e}"
    );
    // The one write attempted is the lock's create, which the held lock refuses (409).
    assert_eq!(
        env.writes(),
        map(&[("POST /api/v2/actions/actions", 1)]),
        "wrote without the lock"
    );

    // `unlock` without --force shows the holder and changes nothing; with it, the lock goes.
    let out = env.run(&["unlock", "tenant.yaml"]);
    let (_, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(e.contains("pid 4242") && e.contains("--force"), "{e}");
    assert_eq!(env.action_names(), [LOCK]);
    env.unlock();
    assert!(env.action_names().is_empty());
    let out = env.run(&["unlock", "tenant.yaml", "--force"]);
    assert!(texts(&out).1.contains("not locked"));
    env.apply_ok(&["--lock-timeout", "0"]);
    assert_eq!(env.action_names(), ["a", "b", "c"]);
    env.assert_converged();
}

#[test]
fn a_killed_holder_blocks_until_its_lock_expires_then_is_taken_over() {
    let env = slow();
    let mut t = three();
    t.lock_ttl = Some("3s");
    env.write(&t);
    env.reset_stats();
    let mut child = env.spawn(&["apply", "tenant.yaml", "--yes"]);
    env.wait(|| {
        env.log()
            .iter()
            .any(|r| is_lock_create(r) && r["status"] == 201)
    });
    child.kill().unwrap();
    let _ = child.wait();
    let pid = child.id();

    let out = env.run(&["apply", "tenant.yaml", "--yes", "--lock-timeout", "0"]);
    let (_, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(
        e.contains(&format!("pid {pid}")),
        "the holder is not named: {e}"
    );

    let started = Instant::now();
    let e = env.apply_ok(&[]);
    assert!(e.contains("taking over the expired apply lock"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
    env.assert_safe();
    env.assert_converged();
    assert_eq!(env.action_names(), ["a", "b", "c"]);
}

#[test]
fn the_lock_is_released_on_failure_and_on_sigterm_and_no_op_takes_none() {
    let env = Env::new();
    env.write(&three());
    env.set_faults("fail-builds=1");
    let out = env.run(&["apply", "tenant.yaml", "--yes"]);
    env.set_faults("");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !env.action_names().contains(&LOCK.to_string()),
        "kept after a failure"
    );
    env.apply_ok(&[]);

    // A no-op apply: no lock, no write.
    env.reset_stats();
    env.apply_ok(&[]);
    assert_eq!(env.writes(), map(&[]));

    let env = slow();
    env.write(&three());
    let child = env.spawn(&["apply", "tenant.yaml", "--yes"]);
    terminate_once_locked(&env, child);
    env.apply_ok(&["--lock-timeout", "0"]);
    env.assert_converged();
}

#[test]
fn validate_refuses_the_reserved_name() {
    let env = Env::new();
    env.write(&Tenant::new(vec![Act::claims(LOCK, "1")]));
    let out = env.run(&["validate", "tenant.yaml"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}{e}");
    assert!(format!("{o}{e}").contains("is reserved"), "{o}{e}");
}

/// Two processes on one `domain: local` tenant (two files named alike, one working folder):
/// the second waits for the first's state file, so neither loses the other's creates.
#[test]
fn two_applies_on_one_local_tenant_both_keep_their_creates() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, name) in [("one", "xa"), ("two", "yb")] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(
            dir.path().join(sub).join("tenant.yaml"),
            format!(
                "version: 1\ntenant:\n  domain: local\ndefaults:\n  runtime: node22\nactions:\n  {name}:\n    kind: claims\n    namespace: https://acme.example.com/\n    claims:\n      - {{ name: v, value: \"1\" }}\nflow:\n  post-login: []\n"
            ),
        )
        .unwrap();
    }
    let spawn = |f: &str| {
        loginflow()
            .current_dir(dir.path())
            .args(["apply", f, "--yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("one/tenant.yaml"), spawn("two/tenant.yaml"));
    let (ca, _, ea) = finish(a);
    let (cb, _, eb) = finish(b);
    assert_eq!((ca, cb), (0, 0), "{ea}\n---\n{eb}");
    let state = std::fs::read_to_string(dir.path().join(".loginflow/local/tenant.json")).unwrap();
    assert!(
        state.contains("\"name\": \"xa\"") && state.contains("\"name\": \"yb\""),
        "{state}"
    );
    assert!(!state.contains(LOCK), "{state}");
    for f in ["one/tenant.yaml", "two/tenant.yaml"] {
        let out = loginflow()
            .current_dir(dir.path())
            .args(["plan", f, "--detailed-exitcode"])
            .output()
            .unwrap();
        let (o, e) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "{f}\n{o}\n{e}");
    }
}
