//! Two tenant files on one Auth0 tenant (issue 21): each declares its own `tenant.owner`, and
//! each leaves the other's actions alone: never updated, adopted, pruned or unbound, by request
//! log; their bindings merge by one rule (`src/plan/merge.rs`); history and rollback of one owner
//! touch only its actions. Also: the cross-file `duplicate-owner` check, the owner id's format,
//! and headers written before owners existed.

use serde_json::Value;

use crate::apply::harness::{Act, Env, Tenant};
use crate::apply::lock::{finish, foreign_lock, is_lock_create};
use crate::common::{fixture, loginflow, run_in, texts};

/// A team's file: claims actions named `prefix1..=n` bound in `flow` order, with `--prune` on
/// and `flow.unmanaged: remove`, the settings most likely to touch a neighbour.
fn team(owner: &'static str, names: &[&str], value: &str) -> Tenant {
    let mut t = Tenant::new(names.iter().map(|n| Act::claims(n, value)).collect());
    t.owner = Some(owner);
    t.prune = true;
    t.unmanaged = Some("remove");
    t
}

fn run_ok(env: &Env, args: &[&str]) -> (String, String) {
    let out = env.run(args);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{args:?}\n{o}\n{e}");
    (o, e)
}

fn converged(env: &Env, file: &str) {
    let out = env.run(&["plan", file, "--detailed-exitcode"]);
    let (o, e) = texts(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "plan {file} not empty\n{o}\n{e}"
    );
}

fn ids(env: &Env, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| env.action(n)["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every write request since the last reset, as `(method, path, body)`, token requests left out.
fn writes(env: &Env) -> Vec<(String, String, String)> {
    env.log()
        .iter()
        .filter(|r| r["method"] != "GET" && !r["path"].as_str().unwrap().contains("/oauth/"))
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_string(),
                r["path"].as_str().unwrap().to_string(),
                r["body"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// No write names one of `ids` in its path (no update, deploy or delete of those actions).
fn untouched(writes: &[(String, String, String)], ids: &[String]) {
    for (m, p, _) in writes {
        assert!(
            !ids.iter().any(|id| p.contains(id.as_str())),
            "{m} {p} touches another owner's action"
        );
    }
}

/// What runs for each action: name → deployed code.
fn deployed(env: &Env, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| env.action(n)["deployed_version"]["code"].to_string())
        .collect()
}

#[test]
fn two_owners_with_prune_and_remove_never_touch_each_other() {
    let env = Env::new();
    env.write_as("a.yaml", &team("team-a", &["a1", "a2"], "1"));
    env.write_as("b.yaml", &team("team-b", &["b1", "b2"], "1"));
    run_ok(&env, &["apply", "a.yaml", "--yes"]);
    run_ok(&env, &["apply", "b.yaml", "--yes"]);
    assert_eq!(env.bound_names(), ["a1", "a2", "b1", "b2"]);
    converged(&env, "a.yaml");
    converged(&env, "b.yaml");
    let b_ids = ids(&env, &["b1", "b2"]);
    let b_code = deployed(&env, &["b1", "b2"]);

    // Team A drops a2 (pruned: its own) and changes a1; team B's actions stay as they are.
    env.write_as("a.yaml", &team("team-a", &["a1"], "2"));
    let out = env.run(&["plan", "a.yaml", "--format", "json"]);
    let plan: Value = serde_json::from_str(&texts(&out).0).unwrap();
    let unowned = &plan["tenants"][0]["unowned"];
    assert_eq!(unowned[0]["name"], "b1", "{plan:#}");
    assert_eq!(unowned[0]["owner"], "team-b", "{plan:#}");
    assert_eq!(unowned[1]["owner"], "team-b", "{plan:#}");
    let out = env.run(&["plan", "a.yaml"]);
    assert!(
        texts(&out)
            .0
            .contains("foreign, owner team-b (left alone): b2 (post-login, bound)"),
        "{}",
        texts(&out).0
    );
    let a2 = ids(&env, &["a2"]).remove(0);
    env.reset_stats();
    run_ok(&env, &["apply", "a.yaml", "--yes", "--prune"]);
    let w = writes(&env);
    untouched(&w, &b_ids);
    // a2 leaves the trigger with its forced delete: that is the whole binding change.
    assert!(
        w.iter()
            .any(|(m, p, _)| m == "DELETE" && p.ends_with(&format!("{a2}?force=true"))),
        "{w:?}"
    );
    assert_eq!(env.action_names(), ["a1", "b1", "b2"]);
    assert_eq!(env.bound_names(), ["a1", "b1", "b2"]);
    assert_eq!(deployed(&env, &["b1", "b2"]), b_code);

    // Team B (also pruning, also `remove`) reorders its own; team A's stay put.
    let a_ids = ids(&env, &["a1"]);
    let a_code = deployed(&env, &["a1"]);
    let mut b = team("team-b", &["b1", "b2"], "1");
    b.flow = vec!["b2".into(), "b1".into()];
    env.write_as("b.yaml", &b);
    env.reset_stats();
    run_ok(&env, &["apply", "b.yaml", "--yes"]);
    untouched(&writes(&env), &a_ids);
    assert_eq!(env.bound_names(), ["a1", "b2", "b1"]);
    assert_eq!(deployed(&env, &["a1"]), a_code);
    converged(&env, "a.yaml");
    converged(&env, "b.yaml");

    // Renaming or moving a file keeps its owner: nothing to redeploy.
    std::fs::create_dir(env.dir.path().join("teams")).unwrap();
    let moved = env.dir.path().join("teams/renamed.yaml");
    let text = std::fs::read_to_string(env.dir.path().join("a.yaml")).unwrap();
    let text = text
        .replace("file: id", "file: ../id")
        .replace("file: secret }", "file: ../secret }");
    std::fs::write(&moved, text).unwrap();
    converged(&env, "teams/renamed.yaml");
}

/// Writes `a.yaml` (team-a: a1, a2) and `b.yaml` (team-b: b1, b2), both keeping the unmanaged
/// `dash`, bound alone.
fn two_teams(env: &Env) -> (Tenant, Tenant) {
    env.foreign("dash", true);
    env.bind(&["dash"]);
    let mut a = team("team-a", &["a1", "a2"], "1");
    a.unmanaged = None;
    let mut b = team("team-b", &["b1", "b2"], "1");
    b.unmanaged = None;
    env.write_as("a.yaml", &a);
    env.write_as("b.yaml", &b);
    (a, b)
}

/// `apply a.yaml b.yaml` on one tenant applies the files one after the other in the order given:
/// both teams bound, each block in its own order; later each reorders only its own block.
#[test]
fn applying_both_files_at_once_binds_both_teams() {
    let env = Env::new();
    let (mut a, mut b) = two_teams(&env);
    let (_, e) = run_ok(&env, &["apply", "a.yaml", "b.yaml", "--yes"]);
    assert!(!e.contains("FAILED"), "{e}");
    // b.yaml's plan under the lock differs from the one shown only by what a.yaml just did:
    // still the plan shown (asked, it would not be refused).
    assert!(!e.contains(CHANGED), "{e}");
    assert_eq!(env.bound_names(), ["dash", "a1", "a2", "b1", "b2"]);
    converged(&env, "a.yaml");
    converged(&env, "b.yaml");
    env.assert_safe();

    // Each owner reverses its own block, both files in one run: the blocks keep their places.
    a.flow.reverse();
    b.flow.reverse();
    env.write_as("a.yaml", &a);
    env.write_as("b.yaml", &b);
    let (_, e) = run_ok(&env, &["apply", "b.yaml", "a.yaml", "--yes"]);
    assert!(!e.contains(CHANGED), "{e}");
    assert_eq!(env.bound_names(), ["dash", "a2", "a1", "b2", "b1"]);
    converged(&env, "a.yaml");
    converged(&env, "b.yaml");
}

/// What apply says when the plan under the lock is not the plan shown (with `--yes` it goes on
/// with the fresh plan; asked, it refuses).
const CHANGED: &str = "the tenant changed while this apply waited for its lock";

/// Both files in one run, while another run holds the lock; meanwhile someone edits b1's draft
/// in the dashboard. a.yaml's plan is still the one shown; b.yaml's is not, though a.yaml's
/// changes to the shared trigger are left out of its comparison.
#[test]
fn a_change_by_someone_else_is_still_seen_after_an_earlier_file() {
    let env = Env::new();
    let (_, mut b) = two_teams(&env);
    run_ok(&env, &["apply", "b.yaml", "--yes"]);
    b.flow.reverse();
    env.write_as("b.yaml", &b);
    foreign_lock(&env, 4242, 600);
    env.reset_stats();
    let child = env.spawn(&["apply", "a.yaml", "b.yaml", "--yes"]);
    env.wait(|| {
        env.log()
            .iter()
            .any(|r| is_lock_create(r) && r["status"] == 409)
    });
    env.dashboard_edit(
        "b1",
        "exports.onExecutePostLogin = async () => {}; // edited",
    );
    run_ok(&env, &["unlock", "a.yaml", "--force"]);
    let (code, o, e) = finish(child);
    assert_eq!(code, 0, "{o}\n{e}");
    assert!(e.contains(&format!("b.yaml: {CHANGED}")), "{e}");
    assert!(!e.contains(&format!("a.yaml: {CHANGED}")), "{e}");
    assert_eq!(env.bound_names(), ["dash", "b2", "b1", "a1", "a2"]);
    converged(&env, "a.yaml");
    converged(&env, "b.yaml");
}

/// Two owners claiming one action name: the second file's plan is an error naming both owners,
/// and nothing is written.
#[test]
fn two_owners_claiming_one_name_plan_an_error() {
    let env = Env::new();
    env.write_as("a.yaml", &team("team-a", &["shared"], "1"));
    env.write_as("b.yaml", &team("team-b", &["shared"], "2"));
    run_ok(&env, &["apply", "a.yaml", "--yes"]);
    env.reset_stats();
    let out = env.run(&["apply", "b.yaml", "--yes"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(
        e.contains("action `shared` is managed by owner `team-a` (another tenant file on this tenant), and this file (owner `team-b`) declares it too"),
        "{e}"
    );
    assert_eq!(env.writes(), crate::apply::harness::map(&[]));
}

/// A header without an owner line (every header written before owners existed) is the default
/// owner's: a tenant applied that way plans no change, with or without `owner: default`; another
/// owner id makes those actions foreign.
#[test]
fn headers_without_owner_are_the_default_owner() {
    let env = Env::new();
    let mut t = Tenant::new(vec![Act::claims("a", "1"), Act::custom("b", "x", &[])]);
    env.write(&t);
    env.apply_ok(&[]);
    let code = env.action("a")["code"].as_str().unwrap().to_string();
    assert!(
        code.starts_with("// Managed by loginflow. Edits made in the Auth0 dashboard are overwritten by `loginflow apply`.\n// loginflow-managed: v1\n// action: a\n// kind: claims\n// secrets: none\n"),
        "{code}"
    );
    t.owner = Some("default");
    env.write(&t);
    env.assert_converged();
    t.owner = Some("team-a");
    env.write(&t);
    let out = env.run(&["plan", "tenant.yaml"]);
    let (_, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        e.contains("action `a` is managed by owner `default`"),
        "{e}"
    );
}

/// History and rollback of one owner read and restore only its own actions; the other owner's
/// keep running what they run, bound where they are.
#[test]
fn rollback_of_one_owner_leaves_the_other_alone() {
    let env = Env::new();
    env.write_as("a.yaml", &team("team-a", &["a1", "a2"], "1"));
    env.write_as("b.yaml", &team("team-b", &["b1"], "1"));
    run_ok(&env, &["apply", "a.yaml", "--yes"]);
    run_ok(&env, &["apply", "b.yaml", "--yes"]);
    let a_v1 = deployed(&env, &["a1", "a2"]);
    env.write_as("a.yaml", &team("team-a", &["a1", "a2"], "2"));
    run_ok(&env, &["apply", "a.yaml", "--yes"]);
    env.write_as("b.yaml", &team("team-b", &["b1"], "2"));
    run_ok(&env, &["apply", "b.yaml", "--yes"]);
    let b_now = deployed(&env, &["b1"]);

    let (o, _) = run_ok(&env, &["history", "a.yaml", "--format", "json"]);
    let h: Value = serde_json::from_str(&o).unwrap();
    let applies = h["applies"].as_array().unwrap();
    assert_eq!(applies.len(), 2, "team B's applies are not team A's: {h:#}");
    let first = applies[1]["id"].as_str().unwrap().to_string();

    let b_ids = ids(&env, &["b1"]);
    env.reset_stats();
    run_ok(&env, &["rollback", "a.yaml", "--to", &first, "--yes"]);
    untouched(&writes(&env), &b_ids);
    assert_eq!(deployed(&env, &["a1", "a2"]), a_v1);
    assert_eq!(deployed(&env, &["b1"]), b_now);
    assert_eq!(env.bound_names(), ["a1", "a2", "b1"]);
}

/// `validate` of several files: two files of one tenant with one owner are an error in each,
/// at its `owner` key (its `domain` key when it declares none), naming the other; the local
/// tenant is one per file; distinct owners are fine.
#[test]
fn duplicate_domain_and_owner_across_files() {
    let dir = fixture("owners");
    let out = run_in(&dir, &["validate", "a.yaml", "a_too.yaml", "b.yaml"]);
    let (_, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(
        e.contains("a.yaml:4:3: error[duplicate-owner]: `a.yaml` and `a_too.yaml` both manage `acme.eu.auth0.com` as owner `team-a`"),
        "{e}"
    );
    assert!(
        e.contains("a_too.yaml:5:3: error[duplicate-owner]: `a_too.yaml` and `a.yaml` both manage `acme.eu.auth0.com` as owner `team-a`"),
        "{e}"
    );
    assert_eq!(e.matches("error[").count(), 2, "{e}");

    let out = run_in(
        &dir,
        &[
            "validate",
            "a.yaml",
            "b.yaml",
            "local_1.yaml",
            "local_2.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);

    let out = run_in(&dir, &["validate", "default_1.yaml", "default_2.yaml"]);
    let (_, e) = texts(&out);
    assert!(
        e.contains("default_1.yaml:3:3: error[duplicate-owner]: `default_1.yaml` and `default_2.yaml` both manage `acme.eu.auth0.com` as owner `default`"),
        "{e}"
    );
}

/// `plan --all` over `tenants/`: the same diagnostic, and no request for either file (the domain
/// is unreachable here: a request would fail differently).
#[test]
fn plan_all_refuses_two_files_of_one_owner() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::create_dir(dir.path().join("tenants")).unwrap();
    for f in ["default_1.yaml", "default_2.yaml"] {
        std::fs::copy(
            fixture("owners").join(f),
            dir.path().join("tenants").join(f),
        )
        .unwrap();
    }
    let out = loginflow()
        .current_dir(dir.path())
        .args(["plan", "--all"])
        .env("AUTH0_ACCESS_TOKEN", "t")
        .output()
        .unwrap();
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{e}");
    assert!(
        e.contains("tenants/default_1.yaml:3:3: error[duplicate-owner]: `tenants/default_1.yaml` and `tenants/default_2.yaml` both manage"),
        "{e}"
    );
    assert!(
        e.contains("tenants/default_2.yaml:3:3: error[duplicate-owner]"),
        "{e}"
    );
    assert!(!e.contains("connect") && !e.contains("request"), "{e}");
}
