//! Apply's writes, one scenario each: the exact write requests by endpoint (reads bounded, as
//! build polling depends on timing) and the final tenant state.

use serde_json::Value;

use super::harness::*;

const CREATE: &str = "POST /api/v2/actions/actions";
const PATCH: &str = "PATCH /api/v2/actions/actions/{id}";
const DEPLOY: &str = "POST /api/v2/actions/actions/{id}/deploy";
const DELETE: &str = "DELETE /api/v2/actions/actions/{id}";
const BIND: &str = "PATCH /api/v2/actions/triggers/{triggerId}/bindings";
const LIST: &str = "GET /api/v2/actions/actions";
const GET: &str = "GET /api/v2/actions/actions/{id}";
const LIST_BINDINGS: &str = "GET /api/v2/actions/triggers/{triggerId}/bindings";

fn two() -> Tenant {
    Tenant::new(vec![
        Act::claims("a", "1"),
        Act::custom("b", "one", &["S1"]),
    ])
    .secret("S1", "s1")
}

/// Applies `t` on a fresh tenant, then resets the counters.
fn applied(t: &Tenant) -> Env {
    let env = Env::new();
    env.write(t);
    env.apply_ok(&[]);
    env.reset_stats();
    env
}

/// Write requests from the log, in order: `(method, path, body)`, without the apply lock's
/// create (the first write) and delete (the last).
fn logged_writes(env: &Env) -> Vec<(String, String, Value)> {
    let mut w: Vec<_> = env
        .log()
        .iter()
        .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap().contains("/oauth/"))
        .map(|r| {
            let body = serde_json::from_str(r["body"].as_str().unwrap()).unwrap_or(Value::Null);
            (
                r["method"].as_str().unwrap().to_string(),
                r["path"].as_str().unwrap().to_string(),
                body,
            )
        })
        .collect();
    if w.first()
        .is_some_and(|(m, _, b)| m == "POST" && b["name"] == "loginflow-apply-lock")
    {
        w.remove(0);
        let last = w.pop().map(|(m, ..)| m);
        assert_eq!(last.as_deref(), Some("DELETE"), "the lock is released last");
    }
    w
}

fn id(env: &Env, name: &str) -> String {
    env.action(name)["id"].as_str().unwrap().to_string()
}

/// Every action named is deployed with nothing left undeployed.
fn assert_live(env: &Env, names: &[&str]) {
    for n in names {
        let a = env.action(n);
        assert!(a["deployed_version"].is_object(), "{n} not deployed: {a}");
        assert_eq!(a["all_changes_deployed"], true, "{n}: {a}");
        assert_eq!(a["status"], "built", "{n}: {a}");
    }
}

/// A second apply sends no write, and plan shows nothing.
fn assert_noop(env: &Env) {
    env.reset_stats();
    env.apply_ok(&[]);
    assert_eq!(env.writes(), map(&[]), "a no-op apply wrote");
    let reads = env.counts();
    assert_eq!(reads, map(&[(LIST, 1), (LIST_BINDINGS, 1)]));
    env.assert_converged();
}

#[test]
fn create_sends_one_create_per_action_then_one_binding_replace() {
    let env = Env::new();
    env.write(&two());
    env.apply_ok(&[]);
    assert_eq!(env.writes(), with_lock(&[(CREATE, 2), (BIND, 1)]));
    let c = env.counts();
    // The plan's read and the read under the apply lock, then the list polled until both builds
    // are live: never one poll per action.
    assert_eq!(c[LIST_BINDINGS], 2);
    assert!((2..=12).contains(&c[LIST]), "list polls: {c:?}");
    assert_eq!(c.get(GET), None, "per-action polls: {c:?}");
    let w = logged_writes(&env);
    // Creates (any order), each deployed in the same request, then the one binding replace.
    for (m, p, body) in &w[..2] {
        assert_eq!(
            (m.as_str(), p.as_str()),
            ("POST", "/api/v2/actions/actions")
        );
        assert_eq!(body["deploy"], true);
        if body["name"] == "b" {
            assert_eq!(body["secrets"][0]["name"], "S1");
            // The emulator logs a fingerprint of the value sent, never the value.
            assert_eq!(
                body["secrets"][0]["value"],
                loginflow_emulator::fingerprint("s1")
            );
        }
    }
    assert_eq!(w[2].0, "PATCH");
    assert_eq!(env.action_names(), ["a", "b"]);
    assert_eq!(env.bound_names(), ["a", "b"]);
    assert_live(&env, &["a", "b"]);
    assert_eq!(env.action("b")["secrets"][0]["name"], "S1");
    env.assert_safe();
    assert_noop(&env);
}

#[test]
fn update_code_patches_and_deploys_that_action_only() {
    let mut t = two();
    let env = applied(&t);
    let (a, b) = (id(&env, "a"), id(&env, "b"));
    let bindings = env.bindings();
    env.reset_stats();
    t.actions[0] = Act::claims("a", "2");
    env.write(&t);
    env.apply_ok(&[]);
    assert_eq!(env.writes(), with_lock(&[(PATCH, 1), (DEPLOY, 1)]));
    let w = logged_writes(&env);
    assert_eq!(w[0].1, format!("/api/v2/actions/actions/{a}"));
    assert!(
        w[0].2.get("secrets").is_none(),
        "secrets re-sent: {}",
        w[0].2
    );
    assert!(w[0].2["code"].as_str().unwrap().contains("\"2\""));
    assert_eq!(w[1].1, format!("/api/v2/actions/actions/{a}/deploy"));
    assert_eq!((id(&env, "a"), id(&env, "b")), (a, b));
    assert_eq!(env.bindings(), bindings, "bindings were replaced");
    assert_live(&env, &["a", "b"]);
    assert_noop(&env);
}

#[test]
fn update_only_a_secret_resends_that_actions_secrets() {
    let mut t = two();
    let env = applied(&t);
    let b = id(&env, "b");
    let bindings = env.bindings();
    let a_before = env.action("a");
    env.reset_stats();
    t = t.secret("S1", "s1-rotated");
    env.write(&t);
    env.apply_ok(&[]);
    assert_eq!(env.writes(), with_lock(&[(PATCH, 1), (DEPLOY, 1)]));
    let w = logged_writes(&env);
    assert_eq!(w[0].1, format!("/api/v2/actions/actions/{b}"));
    assert_eq!(w[0].2["secrets"][0]["name"], "S1");
    assert_eq!(
        w[0].2["secrets"][0]["value"],
        loginflow_emulator::fingerprint("s1-rotated")
    );
    assert_eq!(env.bindings(), bindings);
    let a_after = env.action("a");
    assert_eq!(a_after["updated_at"], a_before["updated_at"]);
    assert_eq!(a_after["deployed_version"], a_before["deployed_version"]);
    assert_live(&env, &["b"]);
    assert_noop(&env);
}

#[test]
fn reorder_replaces_bindings_once_and_writes_no_action() {
    let mut t = two();
    let env = applied(&t);
    let before = env.actions();
    env.reset_stats();
    t.flow = vec!["b".into(), "a".into()];
    env.write(&t);
    env.apply_ok(&[]);
    assert_eq!(env.writes(), with_lock(&[(BIND, 1)]));
    // The plan's read and the read under the apply lock (a free lock is created, not looked up).
    assert_eq!(env.counts()[LIST], 2);
    assert!(!env.counts().contains_key(GET), "no action read needed");
    assert_eq!(env.bound_names(), ["b", "a"]);
    assert_eq!(env.actions(), before);
    assert_noop(&env);
}

#[test]
fn removed_action_is_kept_without_pruning_and_deleted_with_prune() {
    let env = applied(&two());
    let a = id(&env, "a");
    // Replace `a` with `c`: create c, rebind; a stays (unbound) without pruning.
    let t = Tenant::new(vec![
        Act::custom("b", "one", &["S1"]),
        Act::claims("c", "3"),
    ])
    .secret("S1", "s1");
    env.write(&t);
    env.apply_ok(&[]);
    assert_eq!(env.writes(), with_lock(&[(CREATE, 1), (BIND, 1)]));
    assert_eq!(env.action_names(), ["a", "b", "c"]);
    assert_eq!(env.bound_names(), ["b", "c"]);
    assert_eq!(id(&env, "a"), a);
    env.assert_converged();
    // `--prune` deletes it; it is already unbound, so the delete is the only write.
    env.reset_stats();
    env.apply_ok(&["--prune"]);
    assert_eq!(env.writes(), with_lock(&[(DELETE, 1)]));
    let w = logged_writes(&env);
    assert_eq!(
        w[0].1,
        format!("/api/v2/actions/actions/{a}"),
        "an unbound action is deleted without force"
    );
    assert_eq!(env.action_names(), ["b", "c"]);
    assert_noop(&env);
}

#[test]
fn a_removal_that_is_the_only_binding_change_is_one_forced_delete() {
    let env = applied(&two());
    let b = id(&env, "b");
    let mut t = Tenant::new(vec![Act::claims("a", "1")]);
    t.prune = true;
    env.write(&t);
    let report = env.apply_ok(&[]);
    // Dropping `b` is all that changes in post-login: the forced delete unbinds it.
    assert_eq!(env.writes(), with_lock(&[(DELETE, 1)]));
    let w = logged_writes(&env);
    assert_eq!(w[0].1, format!("/api/v2/actions/actions/{b}?force=true"));
    assert_eq!(env.action_names(), ["a"]);
    assert_eq!(env.bound_names(), ["a"]);
    // The report names the forced delete for what it is: no binding replace was sent.
    assert!(
        report.contains("done         delete `b` with force (unbinding it)"),
        "{report}"
    );
    assert!(
        report.contains("done         unbind `b` from `post-login` (by the forced delete)"),
        "{report}"
    );
    assert!(!report.contains("replace bindings"), "{report}");
    assert!(report.contains("2 of 2 step(s) applied"), "{report}");
    assert_noop(&env);
}

#[test]
fn flow_prune_with_a_reorder_unbinds_before_a_plain_delete() {
    let three = Tenant::new(vec![
        Act::claims("a", "1"),
        Act::claims("b", "2"),
        Act::claims("c", "3"),
    ]);
    let env = applied(&three);
    let b = id(&env, "b");
    let mut t = Tenant::new(vec![Act::claims("c", "3"), Act::claims("a", "1")]);
    t.prune = true;
    env.write(&t);
    env.apply_ok(&[]);
    // The order changes too, so the bindings are replaced (unbinding `b`), then `b` is deleted
    // without force: Auth0 would refuse it if anything still bound it.
    assert_eq!(env.writes(), with_lock(&[(BIND, 1), (DELETE, 1)]));
    let w = logged_writes(&env);
    assert_eq!(w[0].0, "PATCH", "unbind first: {w:?}");
    assert_eq!(w[1].1, format!("/api/v2/actions/actions/{b}"));
    assert_eq!(env.action_names(), ["a", "c"]);
    assert_eq!(env.bound_names(), ["c", "a"]);
    assert_noop(&env);
}

#[test]
fn unowned_actions_and_bindings_are_left_alone() {
    let env = Env::new();
    let x = env.foreign("x-dashboard", true);
    let y = env.foreign("y-draft", false);
    env.bind(&["x-dashboard"]);
    let x_before = env.action("x-dashboard");
    let y_before = env.action("y-draft");
    let mut t = two();
    t.unmanaged = Some("keep");
    t.prune = true;
    env.write(&t);
    env.reset_stats();
    env.apply_ok(&[]);
    assert_eq!(env.writes(), with_lock(&[(CREATE, 2), (BIND, 1)]));
    for (_, path, _) in logged_writes(&env) {
        assert!(!path.contains(&x) && !path.contains(&y), "touched {path}");
    }
    assert_eq!(env.action("x-dashboard"), x_before);
    assert_eq!(env.action("y-draft"), y_before);
    // The foreign binding keeps its place (first) and its action.
    let bound = env.bindings();
    assert_eq!(bound[0].1, x);
    assert_eq!(env.bound_names(), ["x-dashboard", "a", "b"]);
    env.assert_safe();
    // Reordering ours keeps the foreign binding where it is.
    let mut t2 = t.clone();
    t2.flow = vec!["b".into(), "a".into()];
    env.write(&t2);
    env.apply_ok(&[]);
    assert_eq!(env.bound_names(), ["x-dashboard", "b", "a"]);
    assert_eq!(env.action("x-dashboard"), x_before);
    assert_noop(&env);
}

#[test]
fn refuses_without_yes_when_stdin_is_not_a_terminal() {
    let env = Env::new();
    env.write(&two());
    let out = env.run(&["apply", "tenant.yaml"]);
    let (_, e) = crate::common::texts(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(e.contains("not a terminal") && e.contains("--yes"), "{e}");
    assert_eq!(env.writes(), map(&[]));
    assert!(env.action_names().is_empty());
}

#[test]
fn long_build_waits_print_progress() {
    let env = Env::new();
    env.set_faults("slow-builds=1500");
    env.write(&Tenant::new(vec![Act::claims("slow", "1")]));
    let e = env.apply_ok(&[]);
    assert!(e.contains("waiting for `slow` to build"), "{e}");
    env.set_faults("");
    env.assert_converged();
}

#[test]
fn after_apply_plan_exits_zero() {
    let env = applied(&two());
    assert_eq!(env.plan_code(), 0);
    let mut t = two();
    t.actions.push(Act::claims("c", "9"));
    t.flow.push("c".into());
    env.write(&t);
    assert_eq!(env.plan_code(), 2);
    env.apply_ok(&[]);
    assert_eq!(env.plan_code(), 0);
}

/// The managed header does not name the tenant file: renaming it changes no action, and the
/// renamed file plans and applies nothing.
#[test]
fn renaming_the_tenant_file_changes_nothing() {
    let env = applied(&two());
    let renamed = env.file().with_file_name("renamed.yaml");
    std::fs::rename(env.file(), &renamed).unwrap();
    let out = env.run(&["plan", "renamed.yaml", "--detailed-exitcode"]);
    let (o, e) = crate::common::texts(&out);
    assert_eq!(out.status.code(), Some(0), "plan not empty\n{o}\n{e}");
    let out = env.run(&["apply", "renamed.yaml", "--yes"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(env.writes(), map(&[]));
}

/// Actions deployed by an earlier version carry a `// source: PATH` header line: they are still
/// managed (adopted by nobody, pruned and updated as before) and not redeployed for that line.
#[test]
fn actions_deployed_with_a_legacy_source_line_are_managed_and_unchanged() {
    let env = applied(&two());
    for name in ["a", "b"] {
        let code = env.action(name)["code"].as_str().unwrap().to_string();
        let legacy = code.replacen(
            "// action:",
            "// source: tenants/old-name.yaml\n// action:",
            1,
        );
        assert_ne!(code, legacy);
        env.dashboard_edit(name, &legacy);
        let id = env.action(name)["id"].as_str().unwrap().to_string();
        env.wait(|| env.action(name)["status"] == "built");
        let (s, v) = env.api(
            reqwest::Method::POST,
            &format!("/actions/actions/{id}/deploy"),
            None,
        );
        assert_eq!(s, 200, "{v}");
        env.wait(|| env.action(name)["all_changes_deployed"] == true);
    }
    env.reset_stats();
    env.assert_converged();
    // A real change still updates it, and the new code drops the legacy line.
    let mut t = two();
    t.actions[0] = Act::claims("a", "2");
    env.write(&t);
    env.apply_ok(&[]);
    assert_eq!(env.writes(), with_lock(&[(PATCH, 1), (DEPLOY, 1)]));
    let code = env.action("a")["code"].as_str().unwrap().to_string();
    assert!(!code.contains("// source:"), "{code}");
    assert!(
        env.action("b")["code"]
            .as_str()
            .unwrap()
            .contains("// source:")
    );
}
