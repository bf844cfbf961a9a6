//! The audit trail and rollbacks against the emulator: every apply is recorded in the versions
//! it deploys, `history` reads them back newest first, `rollback` returns to an earlier apply
//! with version deploys only, and `apply --rollback-on-failure` undoes a half-done apply.

use serde_json::Value;

use crate::apply::harness::{Act, Env, Tenant, with_lock};
use crate::apply::lock::{finish, foreign_lock, is_lock_create, terminate_once_locked};
use crate::common::texts;

const VERSION_DEPLOY: &str = "POST /api/v2/actions/actions/{actionId}/versions/{id}/deploy";
const BINDINGS: &str = "PATCH /api/v2/actions/triggers/{triggerId}/bindings";

fn tenant(values: [&str; 3], flow: [&str; 3]) -> Tenant {
    let mut t = Tenant::new(vec![
        Act::claims("a", values[0]),
        Act::claims("b", values[1]),
        Act::claims("c", values[2]),
    ]);
    t.flow = flow.iter().map(|s| s.to_string()).collect();
    t
}

/// Name → (deployed version's code, draft code), and the post-login order: what runs.
fn snapshot(env: &Env) -> (Vec<(String, String, String)>, Vec<String>) {
    let mut actions: Vec<(String, String, String)> = env
        .actions()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["deployed_version"]["code"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                a["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    actions.sort();
    (actions, env.bound_names())
}

fn history_json(env: &Env) -> Value {
    let out = env.run(&["history", "tenant.yaml", "--format", "json"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    serde_json::from_str(&o).unwrap()
}

fn changed(apply: &Value) -> Vec<String> {
    apply["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn three_applies_history_and_a_rollback_without_builds() {
    let env = Env::new();
    env.write(&tenant(["1", "1", "1"], ["a", "b", "c"]));
    env.apply_ok(&["--commit", "0123abcd"]);
    // The record does not make the next plan show a change.
    env.assert_converged();
    let first = snapshot(&env);
    let code = env.action("a")["deployed_version"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(code.contains("// apply-id: "), "{code}");
    assert!(code.contains("// apply-commit: 0123abcd\n"), "{code}");
    assert!(
        code.contains("// apply-bindings: post-login=[\"a\",\"b\",\"c\"]\n"),
        "{code}"
    );

    env.write(&tenant(["2", "1", "1"], ["c", "b", "a"]));
    env.apply_ok(&[]);
    env.assert_converged();
    env.write(&tenant(["2", "3", "1"], ["c", "b", "a"]));
    env.apply_ok(&[]);
    env.assert_converged();

    let h = history_json(&env);
    let applies = h["applies"].as_array().unwrap();
    assert_eq!(applies.len(), 3, "{h:#}");
    assert_eq!(changed(&applies[0]), ["b"]);
    assert_eq!(changed(&applies[1]), ["a"]);
    assert_eq!(changed(&applies[2]), ["a", "b", "c"]);
    assert_eq!(applies[2]["commit"], "0123abcd");
    let ids: Vec<&str> = applies.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert!(ids[0] > ids[1] && ids[1] > ids[2], "{ids:?}");

    // The diff the second apply made, records left out.
    let out = env.run(&["history", "tenant.yaml", "--diff", ids[1]]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert!(o.contains("`a`: v1 → v2"), "{o}");
    assert!(o.contains("-") && !o.contains("apply-id"), "{o}");

    // Without a terminal and without --yes, nothing happens.
    let out = env.run(&["rollback", "tenant.yaml", "--to", ids[2]]);
    assert_eq!(out.status.code(), Some(1));

    env.reset_stats();
    let out = env.run(&["rollback", "tenant.yaml", "--to", ids[2], "--yes"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    // One version deploy per changed action, one bindings replace, under the apply lock (its
    // create and delete); no PATCH of a draft (no build) and no deploy of a draft.
    assert_eq!(
        env.writes(),
        with_lock(&[(VERSION_DEPLOY, 2), (BINDINGS, 1)]),
        "{o}\n{e}"
    );
    // Both copies are confirmed live by reading the actions list, not each action.
    let reads = env.counts();
    assert_eq!(
        reads.get("GET /api/v2/actions/actions/{id}"),
        None,
        "{reads:?}"
    );
    // Under the lock, an unchanged tenant keeps the plan shown: each action's versions are read
    // once (for the plan), not again.
    assert_eq!(
        reads.get("GET /api/v2/actions/actions/{actionId}/versions"),
        Some(&3),
        "{reads:?}"
    );
    assert_eq!(snapshot(&env), first, "{o}\n{e}");

    // The rollback is an apply of its own, and can be rolled back.
    let h = history_json(&env);
    let applies = h["applies"].as_array().unwrap();
    assert_eq!(applies.len(), 4, "{h:#}");
    assert_eq!(applies[0]["rollback_to"], ids[2]);
    assert_eq!(changed(&applies[0]), ["a", "b"]);
    let out = env.run(&["rollback", "tenant.yaml", "--to", ids[0], "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    assert_eq!(env.bound_names(), ["c", "b", "a"]);
    env.assert_converged();

    // An id older than anything kept is refused with a reason.
    let out = env.run(&[
        "history",
        "tenant.yaml",
        "--diff",
        "20000101T000000.000Z-0000",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

/// `rollback --lock-timeout 0` does not wait for a lock another run holds: it names the holder
/// and writes nothing.
#[test]
fn a_rollback_with_no_lock_wait_names_the_holder() {
    let env = Env::new();
    env.write(&tenant(["1", "1", "1"], ["a", "b", "c"]));
    env.apply_ok(&[]);
    env.write(&tenant(["2", "1", "1"], ["a", "b", "c"]));
    env.apply_ok(&[]);
    foreign_lock(&env, 4242, 600);
    let changed = snapshot(&env);
    env.reset_stats();
    let out = env.run(&["rollback", "tenant.yaml", "--yes", "--lock-timeout", "0"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(e.contains("ci-runner-7"), "{e}");
    assert_eq!(env.writes().get(VERSION_DEPLOY), None, "{e}");
    assert!(snapshot(&env) == changed);
}

/// SIGTERM during a rollback releases its lock (as for `apply`): a later run need not wait for
/// the lock to expire.
#[test]
fn a_rollback_releases_its_lock_on_sigterm() {
    let env = Env::with(loginflow_emulator::EmulatorOptions {
        latency_ms: 150,
        ..loginflow_emulator::EmulatorOptions::fast()
    });
    env.write(&tenant(["1", "1", "1"], ["a", "b", "c"]));
    env.apply_ok(&[]);
    env.write(&tenant(["2", "1", "1"], ["a", "b", "c"]));
    env.apply_ok(&[]);
    env.reset_stats();
    let child = env.spawn(&["rollback", "tenant.yaml", "--yes"]);
    terminate_once_locked(&env, child);
    env.apply_ok(&["--lock-timeout", "0"]);
}

/// A rollback shows its plan, then waits for a lock another run holds; meanwhile the bindings
/// change. Under the lock it plans again, finds other writes than those shown, and refuses.
#[test]
fn a_rollback_refuses_when_the_tenant_changed_while_it_waited_for_the_lock() {
    let env = Env::new();
    env.write(&tenant(["1", "1", "1"], ["a", "b", "c"]));
    env.apply_ok(&[]);
    let first = snapshot(&env);
    env.write(&tenant(["2", "1", "1"], ["a", "b", "c"]));
    env.apply_ok(&[]);
    let changed = snapshot(&env);
    foreign_lock(&env, 4242, 600);
    env.reset_stats();
    let child = env.spawn(&["rollback", "tenant.yaml", "--yes"]);
    // Its plan is made and shown once its lock create meets the held lock.
    env.wait(|| {
        env.log()
            .iter()
            .any(|r| is_lock_create(r) && r["status"] == 409)
    });
    env.bind(&["c", "b", "a"]);
    env.unlock();
    let (code, o, e) = finish(child);
    assert_eq!(code, 1, "{o}\n{e}");
    assert!(
        o.contains("~ a: v2 → v1 again"),
        "the plan was not shown:\n{o}"
    );
    assert!(
        e.contains("the tenant changed since the rollback plan was shown; nothing was changed"),
        "{e}"
    );
    assert!(
        e.contains("run `loginflow rollback tenant.yaml --to "),
        "{e}"
    );
    // Nothing written but the lock, which is released.
    assert_eq!(env.writes().get(VERSION_DEPLOY), None, "{e}");
    assert!(snapshot(&env) == (changed.0, vec!["c".into(), "b".into(), "a".into()]));
    assert_eq!(env.action_names(), ["a", "b", "c"]);

    // Run again, it rolls back what it now shows.
    let out = env.run(&["rollback", "tenant.yaml", "--yes"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    assert!(snapshot(&env) == first, "{o}\n{e}");

    // Back there already: nothing to do, no lock taken, nothing written.
    let h = history_json(&env);
    let to = h["applies"][0]["rollback_to"].as_str().unwrap().to_string();
    env.reset_stats();
    let out = env.run(&["rollback", "tenant.yaml", "--to", &to, "--yes"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    assert!(env.writes().is_empty(), "{:?}\n{o}\n{e}", env.writes());
}

#[test]
fn rollback_on_failure_leaves_the_tenant_as_before() {
    let env = Env::new();
    let names = ["a", "b", "c", "d", "e"];
    let t = |v: &str| Tenant::new(names.iter().map(|n| Act::claims(n, v)).collect());
    env.write(&t("1"));
    env.apply_ok(&[]);
    let before = snapshot(&env);
    // One build in five fails: the others go live first.
    env.set_faults("fail-builds=0.2");
    let mut changed = t("2");
    changed.flow.reverse();
    env.write(&changed);
    let out = env.run(&["apply", "tenant.yaml", "--yes", "--rollback-on-failure"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(e.contains("FAILED"), "{e}");
    assert!(e.contains("roll back `"), "{e}");
    env.set_faults("");
    let (actions, bound) = snapshot(&env);
    assert_eq!(bound, before.1);
    // What runs is exactly what ran before; the failed action keeps its edited draft only.
    let deployed = |s: &[(String, String, String)]| {
        s.iter()
            .map(|(n, d, _)| (n.clone(), d.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(deployed(&actions), deployed(&before.0), "{e}");
    env.assert_safe();
}
