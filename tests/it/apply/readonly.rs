//! Pull-request plans with read-only credentials and no secret values: `plan
//! --no-secret-values` with a client granted only `read:actions`, and `apply` of that saved plan
//! with the values and write credentials (see the README's CI section).

use loginflow_emulator::{ClientGrant, EmulatorOptions};

use crate::common::texts;

use super::harness::*;

const VALUE: &str = "pr-canary-8c1f";

/// An emulator that also accepts the client `reader`, granted only `read:actions`.
fn env() -> Env {
    Env::with(EmulatorOptions {
        clients: vec![ClientGrant {
            client_id: "reader".into(),
            client_secret: "reader-secret-5e2a".into(),
            scope: "read:actions".into(),
        }],
        ..options()
    })
}

fn tenant(a: &str, c: bool) -> Tenant {
    let mut actions = vec![Act::claims("a", a), Act::custom("b", "one", &["S1"])];
    if c {
        actions.push(Act::custom("c", "new", &["S1"]));
    }
    Tenant::new(actions).secret("S1", VALUE)
}

/// The pull-request job: read-only credentials and no secret value anywhere.
fn as_pull_request(env: &Env) {
    std::fs::write(env.dir.path().join("id"), "reader").unwrap();
    std::fs::write(env.dir.path().join("secret"), "reader-secret-5e2a").unwrap();
    std::fs::remove_dir_all(env.dir.path().join("secrets")).unwrap();
}

/// The apply job on the default branch: write credentials and the values.
fn as_default_branch(env: &Env, t: &Tenant) {
    std::fs::write(env.dir.path().join("id"), "local").unwrap();
    std::fs::write(env.dir.path().join("secret"), "local").unwrap();
    env.write(t);
}

/// Applies `tenant("1", false)`, changes it, and saves a plan as a pull-request job would.
fn planned_without_values(env: &Env, next: &Tenant) -> String {
    env.write(&tenant("1", false));
    env.apply_ok(&[]);
    env.write(next);
    as_pull_request(env);
    let out = env.run(&[
        "plan",
        "tenant.yaml",
        "--no-secret-values",
        "--out",
        "plan.json",
    ]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    o
}

#[test]
fn a_read_only_plan_without_values_is_applied_with_them() {
    let env = env();
    let next = tenant("2", true);
    let o = planned_without_values(&env, &next);
    assert!(o.contains("~ update a") && o.contains("+ create c"), "{o}");
    assert!(
        !o.contains("update b"),
        "b changed only by its unknown value: {o}"
    );
    assert!(
        o.contains("secrets not compared: b: S1") && o.contains("secrets not compared: c: S1"),
        "{o}"
    );
    let saved = std::fs::read_to_string(env.dir.path().join("plan.json")).unwrap();
    assert!(!saved.contains(VALUE) && !o.contains(VALUE));
    // The read-only client cannot apply: the first write (the lock) names the scope.
    env.reset_stats();
    let out = env.run(&["apply", "plan.json"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(
        e.contains("values") || e.contains("missing"),
        "apply without the values refuses: {e}"
    );
    std::fs::create_dir_all(env.dir.path().join("secrets")).unwrap();
    std::fs::write(env.dir.path().join("secrets/S1"), VALUE).unwrap();
    let out = env.run(&["apply", "plan.json"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(e.contains("lacks the scope `create:actions`"), "{e}");
    // Its one write request, the lock's create, was refused.
    assert_eq!(env.writes(), map(&[("POST /api/v2/actions/actions", 1)]));
    assert_eq!(
        env.action_names(),
        ["a", "b"],
        "a read-only apply changed the tenant"
    );
    // The default branch's job: write credentials and the values.
    as_default_branch(&env, &next);
    let out = env.run(&["apply", "plan.json"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    assert!(!o.contains(VALUE) && !e.contains(VALUE));
    assert_eq!(env.action_names(), ["a", "b", "c"]);
    env.assert_converged();
}

#[test]
fn a_changed_secret_makes_the_plan_stale_for_its_action() {
    let env = env();
    let next = tenant("2", false);
    planned_without_values(&env, &next);
    as_default_branch(&env, &next.clone().secret("S1", "rotated"));
    env.reset_stats();
    let out = env.run(&["apply", "plan.json"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(
        e.contains("secret `S1` is not the live one") && e.contains("stale for `b`"),
        "{e}"
    );
    assert!(!e.contains("rotated") && !e.contains(VALUE), "{e}");
    assert_eq!(env.writes(), map(&[]), "a stale plan wrote");
}

/// `loginflow emulator --read-only-client`: a standalone emulator on which a pull-request job's
/// client plans but cannot write (the refusal names the scope it lacks).
#[test]
fn the_standalone_emulator_takes_a_read_only_client() {
    use std::io::BufRead;
    /// Stops the emulator however the test ends.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = crate::common::loginflow()
        .args([
            "emulator",
            "--no-rate-limit",
            "--read-only-client",
            "pr-reader",
        ])
        .env("LOGINFLOW_EMULATOR_READ_ONLY_SECRET", "pr-secret-31d7")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _stop = Stop(child);
    let mut base = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut base)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("t.yaml"),
        format!(
            "version: 1\ntenant:\n  domain: {}\nactions:\n  a:\n    kind: claims\n    namespace: https://acme.example.com/\n    claims: [{{ name: x, value: 1 }}]\nflow:\n  post-login: [a]\n",
            base.trim()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        crate::common::loginflow()
            .current_dir(dir.path())
            .args(args)
            .env("AUTH0_CLIENT_ID", "pr-reader")
            .env("AUTH0_CLIENT_SECRET", "pr-secret-31d7")
            .env_remove("AUTH0_ACCESS_TOKEN")
            .output()
            .unwrap()
    };
    let plan = run(&["plan", "t.yaml", "--detailed-exitcode"]);
    let apply = run(&["apply", "t.yaml", "--yes"]);
    let (o, e) = texts(&plan);
    assert_eq!(plan.status.code(), Some(2), "{o}\n{e}");
    let (o, e) = texts(&apply);
    assert_eq!(apply.status.code(), Some(1), "{o}\n{e}");
    assert!(e.contains("create:actions"), "{e}");
}
