//! Applying a saved plan: it applies exactly that plan, and refuses when the tenant, a secret
//! value or the file itself changed since `plan --out` wrote it.

use crate::common::texts;

use super::harness::*;

fn two() -> Tenant {
    Tenant::new(vec![
        Act::claims("a", "1"),
        Act::custom("b", "one", &["S1"]),
    ])
    .secret("S1", "s1")
}

fn save_plan(env: &Env) {
    let out = env.run(&["plan", "tenant.yaml", "--out", "plan.json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
}

/// `apply plan.json`, expected to fail; returns stderr. Nothing may have been written.
fn refused(env: &Env) -> String {
    env.reset_stats();
    let out = env.run(&["apply", "plan.json"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert_eq!(env.writes(), map(&[]), "a refused plan wrote");
    e
}

#[test]
fn a_saved_plan_is_applied() {
    let env = Env::new();
    env.write(&two());
    save_plan(&env);
    assert!(env.action_names().is_empty(), "plan wrote");
    let out = env.run(&["apply", "plan.json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
    assert_eq!(env.bound_names(), ["a", "b"]);
    env.assert_converged();
}

#[test]
fn a_stale_plan_is_refused_naming_the_action() {
    let env = Env::new();
    let mut t = two();
    env.write(&t);
    env.apply_ok(&[]);
    t.actions[0] = Act::claims("a", "2");
    env.write(&t);
    save_plan(&env);
    env.dashboard_edit(
        "b",
        "exports.onExecutePostLogin = async () => {}; // edited",
    );
    let e = refused(&env);
    assert!(
        e.contains("stale") && e.contains("action `b` changed"),
        "{e}"
    );
}

#[test]
fn a_plan_is_refused_when_a_secret_value_changed() {
    let env = Env::new();
    let t = two();
    env.write(&t);
    save_plan(&env);
    env.write(&t.clone().secret("S1", "other"));
    let e = refused(&env);
    assert!(
        e.contains("secret values changed") && e.contains("`S1`"),
        "{e}"
    );
    assert!(!e.contains("other"), "a secret value was printed: {e}");
}

#[test]
fn an_edited_plan_file_is_refused() {
    let env = Env::new();
    env.write(&two());
    save_plan(&env);
    let p = env.dir.path().join("plan.json");
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("\"a\""));
    std::fs::write(&p, text.replacen("\"a\"", "\"z\"", 1)).unwrap();
    let e = refused(&env);
    assert!(e.contains("checksum"), "{e}");
    assert!(env.action_names().is_empty());
}
