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

/// `b` alone, after `two()` was applied: `a` is managed and gone from the config.
fn without_a(env: &Env) {
    env.write(&two());
    env.apply_ok(&[]);
    let t = Tenant::new(vec![Act::custom("b", "one", &["S1"])]).secret("S1", "s1");
    env.write(&t);
}

#[test]
fn plan_prune_shows_the_deletion_and_its_saved_plan_prunes() {
    let env = Env::new();
    without_a(&env);
    let out = env.run(&["plan", "tenant.yaml"]);
    let (o, _) = texts(&out);
    assert!(o.contains("kept: a is no longer in the config"), "{o}");
    let out = env.run(&["plan", "tenant.yaml", "--prune", "--out", "plan.json"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    assert!(o.contains("- delete a (post-login)"), "{o}");
    assert!(!o.contains("kept:"), "{o}");
    assert_eq!(env.action_names(), ["a", "b"], "plan wrote");
    let out = env.run(&["apply", "plan.json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
    assert_eq!(env.action_names(), ["b"]);
    env.assert_converged();
}

#[test]
fn a_plan_saved_without_prune_keeps_and_refuses_apply_prune() {
    let env = Env::new();
    without_a(&env);
    save_plan(&env);
    let out = env.run(&["show", "plan.json", "--format", "markdown"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    assert!(o.contains("- kept: `a` is no longer in the config"), "{o}");
    env.reset_stats();
    let out = env.run(&["apply", "plan.json", "--prune"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(
        e.contains("was made without `--prune`") && e.contains("plan --prune --out"),
        "{e}"
    );
    assert_eq!(env.counts(), map(&[]), "a refused plan sent a request");
    let out = env.run(&["apply", "plan.json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
    assert_eq!(env.action_names(), ["a", "b"], "kept without pruning");
}

/// `show` prints a saved plan as `plan` printed it, in each format, sending nothing.
#[test]
fn show_renders_a_saved_plan_like_plan_without_a_request() {
    let env = Env::new();
    without_a(&env);
    env.write(&Tenant::new(vec![Act::custom("b", "two", &["S1"])]).secret("S1", "s1"));
    save_plan(&env);
    for format in ["human", "markdown", "json"] {
        let planned = env.run(&["plan", "tenant.yaml", "--format", format]);
        env.reset_stats();
        let shown = env.run(&["show", "plan.json", "--format", format]);
        assert_eq!(shown.status.code(), Some(0), "{:?}", texts(&shown));
        assert_eq!(texts(&shown).0, texts(&planned).0, "{format}");
        assert_eq!(env.counts(), map(&[]), "show sent a request");
    }
    let text = std::fs::read_to_string(env.dir.path().join("plan.json")).unwrap();
    std::fs::write(env.dir.path().join("plan.json"), text.replace("two", "six")).unwrap();
    let (_, e) = texts(&env.run(&["show", "plan.json"]));
    assert!(e.contains("checksum"), "{e}");
}
