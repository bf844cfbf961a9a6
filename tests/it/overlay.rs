//! Overlays: a tenant file over a shared base (`overrides`, `variables`/`vars`) and
//! `config show`. Each merge rule is checked on `valid/overlay` through `config show --origin`:
//! the merged value, and the exact `file:line:col` that set it. The errors are fixtures in
//! `invalid/` (see `validate`); the property test of the merge is in `config::merge`.

use serde_json::{Value, json};

use crate::common::{fixture, run_in, texts};

fn show(dir: &str, args: &[&str]) -> (Value, String, i32) {
    let mut all = vec!["config", "show", "tenant.yaml"];
    all.extend_from_slice(args);
    let out = run_in(&fixture(dir), &all);
    let (stdout, stderr) = texts(&out);
    let value = if args.contains(&"json") {
        serde_json::from_str(&stdout).unwrap_or(Value::Null)
    } else {
        loginflow::config::yaml_tree::parse(&stdout)
            .map(|p| p.value)
            .unwrap_or(Value::Null)
    };
    (value, stderr, out.status.code().unwrap_or(-1))
}

#[test]
fn each_merge_rule_with_the_origin_of_every_value() {
    let (shown, stderr, code) = show("valid/overlay", &["--origin", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let (config, origins) = (&shown["config"], &shown["origins"]);
    let crm = &config["actions"]["crm"];
    // Mappings merge deeply and the including file wins.
    assert_eq!(
        config["defaults"],
        json!({"timeout_ms": 2000, "on_failure": "continue"})
    );
    // `null` removes a key, a new key is added, the rest stays.
    assert_eq!(
        crm["query"],
        json!({"email": "user.email", "id": "user.user_id"})
    );
    assert_eq!(crm.get("description"), None);
    // `null` removes a whole action.
    assert_eq!(config["actions"].get("legacy"), None);
    // Lists are replaced whole.
    assert_eq!(
        crm["map"],
        json!([{"from": "tier", "claim": "https://acme.com/tier"}])
    );
    assert_eq!(config["flow"]["post-login"], json!(["crm", "claims"]));
    // A secret's source is replaced whole.
    assert_eq!(
        config["secrets"]["CRM_KEY"],
        json!({"env": "STAGING_CRM_KEY"})
    );
    // Variables: a default, a value set by the tenant, and the `$${` escape.
    assert_eq!(crm["url"], "https://api.acme.com/users");
    assert_eq!(
        config["actions"]["claims"]["namespace"],
        "https://acme-staging.acme.com/"
    );
    assert_eq!(
        config["actions"]["claims"]["claims"][0]["value"],
        "${literal}"
    );
    // The language's own sections are gone from the result.
    for key in ["overrides", "variables", "vars"] {
        assert_eq!(config.get(key), None, "{key}");
    }
    for (ptr, want) in [
        ("/defaults/timeout_ms", "tenant.yaml:9:17"),
        ("/defaults/on_failure", "base.yaml:7:15"),
        ("/actions/crm/query/id", "tenant.yaml:16:13"),
        ("/actions/crm/query/email", "base.yaml:15:14"),
        ("/actions/crm/map/0/from", "tenant.yaml:17:21"),
        ("/actions/crm/kind", "base.yaml:12:11"),
        ("/secrets/CRM_KEY/env", "tenant.yaml:11:21"),
        ("/flow/post-login/1", "tenant.yaml:21:23"),
        // A substituted string is placed where the variable's value was set.
        ("/actions/crm/url", "base.yaml:3:38"),
        ("/actions/claims/namespace", "tenant.yaml:6:8"),
        ("/tests/0/name", "base.yaml:30:11"),
    ] {
        assert_eq!(origins[ptr], want, "{ptr}");
    }
    // Every value has an origin, and no other pointer does.
    let leaves = loginflow::config::emit::leaves(config);
    assert_eq!(origins.as_object().map(|o| o.len()), Some(leaves.len()));
}

#[test]
fn yaml_output_reads_back_as_the_json_output() {
    let (yaml, _, code) = show("valid/overlay", &[]);
    let (json, _, _) = show("valid/overlay", &["--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(yaml, json);
    assert!(json["actions"]["crm"].is_object());
}

#[test]
fn a_merge_with_errors_is_shown_and_exits_1() {
    let out = run_in(
        &fixture("invalid/override_type"),
        &["config", "show", "tenant.yaml"],
    );
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("tenant.yaml:10:18: error[override-type]"),
        "{stderr}"
    );
    assert!(stdout.contains("namespace: https://acme.com/"), "{stdout}");
}

#[test]
fn a_file_that_does_not_merge_shows_nothing() {
    let out = run_in(
        &fixture("invalid/unset_variable"),
        &["config", "show", "tenant.yaml"],
    );
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("base.yaml:2:3: error[unset-variable]"),
        "{stderr}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The README's worked example (`examples/environments`): one base, three tenants on their own
/// local tenants. Every command works on the merged files, the base's test runs for each
/// environment, `apply --all` converges and a second plan is empty.
#[test]
fn three_environments_from_one_base_converge() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &crate::common::root().join("examples/environments"),
        dir.path(),
    );
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let run = |args: &[&str]| {
        let out = run_in(dir.path(), args);
        let (o, e) = texts(&out);
        (out.status.code(), format!("{o}{e}"))
    };
    let (code, out) = run(&["validate"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("in 3 files"), "{out}");
    let (code, out) = run(&["test"]);
    assert_eq!(code, Some(0), "{out}");
    for env in ["dev", "staging", "prod"] {
        assert!(
            out.contains(&format!("PASS tenants/{env}.yaml › a customer gets")),
            "{out}"
        );
    }
    let (code, out) = run(&["apply", "--all", "--yes"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("create `support-flag`"), "{out}");
    assert_eq!(out.matches("create `support-flag`").count(), 1, "{out}");
    let (code, out) = run(&["plan", "--all", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out.matches("Plan: no changes.").count(), 3, "{out}");
    for env in ["dev", "staging", "prod"] {
        assert!(
            dir.path()
                .join(format!(".loginflow/local/{env}.json"))
                .is_file()
        );
    }
    // Each environment's values reached its tenant: the rendered code carries them.
    let (code, out) = run(&["render", "tenants/dev.yaml"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("api.dev.acme.example.com"), "{out}");
    assert!(out.contains("https://dev.acme.example.com/"), "{out}");
    assert!(!out.contains("${var."), "{out}");
}

/// Includes nest: the base's overrides of what it includes apply first, the tenant file's last,
/// and a value none of them overrides keeps the origin of the file that declared it.
#[test]
fn nested_overrides_apply_from_the_innermost_file_out() {
    let (shown, stderr, code) = show("valid/nested_overlay", &["--origin", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let claims = &shown["config"]["actions"]["claims"];
    assert_eq!(claims["timeout_ms"], 3000);
    assert_eq!(claims["description"], "from base");
    assert_eq!(claims["namespace"], "https://acme.com/");
    let origins = &shown["origins"];
    assert_eq!(origins["/actions/claims/timeout_ms"], "tenant.yaml:8:19");
    assert_eq!(origins["/actions/claims/description"], "base.yaml:6:20");
    assert_eq!(origins["/actions/claims/namespace"], "common.yaml:4:16");
    assert_eq!(origins["/flow/post-login/0"], "base.yaml:8:16");
}
