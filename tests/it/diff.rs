//! Changes in the config's own terms: `plan` against live code that carries its config, and
//! `loginflow diff A B` between two tenant files offline (fixtures in `tests/fixtures/diff/`:
//! staging and prod share `shared.yaml` and differ in a few fields).

use std::collections::BTreeMap;

use loginflow::config::ActionConfig;
use loginflow::config::model::Defaults;
use loginflow::plan::format::{human, json, markdown};
use loginflow::render::{RenderContext, render_action};
use loginflow::state::DesiredAction;
use serde_json::{Value, json};

use crate::common::{fixture, loginflow, texts};
use crate::plan_pure::{live, live_of, plan, state};

/// A `hasura` action whose org-admin rule grants `roles`, rendered as plan and apply do.
fn hasura(roles: &str) -> DesiredAction {
    let yaml = format!(
        "kind: hasura\ndefault_role: user\nallowed_roles: [user]\n\
         role_rules: [{{ when: {{ has_role: [org-admin] }}, default_role: user, allowed_roles: {roles} }}]\n"
    );
    let action: ActionConfig = serde_saphyr::from_str(&yaml).unwrap();
    let defaults = Defaults::default();
    let ctx = RenderContext {
        owner: loginflow::config::model::DEFAULT_OWNER,
        tenant_domain: "acme.eu.auth0.com",
        defaults: &defaults,
        secret_fingerprints: &BTreeMap::new(),
        template_dir: None,
        custom_code: None,
    };
    let r = render_action(&ctx, "hasura-claims", &action).unwrap();
    DesiredAction {
        name: r.name,
        trigger: r.trigger,
        runtime: r.runtime,
        code: r.code,
        dependencies: r.dependencies,
        secrets: BTreeMap::new(),
    }
}

#[test]
fn plan_shows_the_change_in_config_terms_above_the_code_diff() {
    let before = hasura("[user, org_admin]");
    let after = hasura("[user, org_admin, auditor]");
    let p = plan(
        &state(vec![after], &["hasura-claims"]),
        &live(vec![live_of(&before, "id-h")], &[0]),
    );
    let a = &p.actions[0];
    let changes = a
        .config_diff
        .as_ref()
        .expect("both codes carry their config");
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].path, "role_rules[0].allowed_roles");
    assert_eq!(changes[0].before, Some(json!(["user", "org_admin"])));
    assert_eq!(
        changes[0].after,
        Some(json!(["user", "org_admin", "auditor"]))
    );

    let text = human::render(std::slice::from_ref(&p), false);
    let line = "role_rules[0].allowed_roles: [user, org_admin] → [user, org_admin, auditor]";
    let at = text.find(line).expect("the config line");
    assert!(at < text.find("--- live/").expect("code diff"), "{text}");
    let md = markdown::render(std::slice::from_ref(&p));
    assert!(
        md.contains(
            "- `role_rules[0].allowed_roles`: `[user, org_admin]` → `[user, org_admin, auditor]`"
        ),
        "{md}"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/diff");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!("config_terms_human", text);
        insta::assert_snapshot!("config_terms_markdown", md);
        insta::assert_snapshot!("config_terms_json", json::render(&[p]));
    });
}

/// Code deployed before the config line existed: the plan says so and shows the code diff only.
#[test]
fn legacy_live_code_falls_back_to_the_code_diff() {
    let before = hasura("[user, org_admin]");
    let mut old = live_of(&before, "id-h");
    let start = old.code.find("// loginflow-config: ").unwrap();
    let end = start + old.code[start..].find('\n').unwrap() + 1;
    old.code.replace_range(start..end, "");
    let p = plan(
        &state(
            vec![hasura("[user, org_admin, auditor]")],
            &["hasura-claims"],
        ),
        &live(vec![old], &[0]),
    );
    let a = &p.actions[0];
    assert_eq!(a.config_diff, None);
    assert!(
        a.code_diff
            .as_deref()
            .unwrap()
            .contains("+// loginflow-config: ")
    );
    assert!(
        a.notes.iter().any(|n| n.contains("carries no config")),
        "{:?}",
        a.notes
    );
}

fn diff(a: &str, b: &str, format: &str) -> (Option<i32>, String, String) {
    diff_in(&fixture("diff"), a, b, format)
}

/// `loginflow diff A B --format FORMAT` run in `dir`: exit code, stdout, stderr.
fn diff_in(dir: &std::path::Path, a: &str, b: &str, format: &str) -> (Option<i32>, String, String) {
    let out = loginflow()
        .current_dir(dir)
        .args(["diff", a, b, "--format", format])
        // No secret value and no credential is needed: none is set.
        .env_remove("AUTH0_CLIENT_ID")
        .env_remove("AUTH0_CLIENT_SECRET")
        .env_remove("AUTH0_ACCESS_TOKEN")
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    (out.status.code(), stdout, stderr)
}

/// A changed config path with its two values.
type Change = (String, Value, Value);

/// Per action: its name, op and every changed config path with its two values.
fn summary(doc: &Value) -> Vec<(String, String, Vec<Change>)> {
    doc["tenants"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let paths = a["config_diff"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let path = c["path"].as_str().unwrap().to_owned();
                    (path, c["before"].clone(), c["after"].clone())
                })
                .collect();
            let name = a["name"].as_str().unwrap().to_owned();
            (name, a["op"].as_str().unwrap().to_owned(), paths)
        })
        .collect()
}

#[test]
fn diff_staging_prod_shows_exactly_the_overridden_values() {
    let (code, stdout, stderr) = diff("staging.yaml", "prod.yaml", "json");
    assert_eq!(code, Some(2), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let s = |v: &str| Value::from(v);
    assert_eq!(
        summary(&doc),
        vec![
            (
                "crm-sync".into(),
                "create".into(),
                vec![
                    ("kind".into(), Value::Null, s("enrich")),
                    (
                        "url".into(),
                        Value::Null,
                        s("https://crm.acme.example.com/v1/contacts/exist-by-phone")
                    ),
                    (
                        "body".into(),
                        Value::Null,
                        json!({"phoneNumber": "user.phone_number"})
                    ),
                    (
                        "auth".into(),
                        Value::Null,
                        json!({"header": {"name": "x-api-key", "secret": "CRM_API_KEY"}})
                    ),
                    (
                        "map".into(),
                        Value::Null,
                        json!([{"from": "externalId", "claim": "https://acme.example.com/crm_id", "tokens": ["id"]}])
                    ),
                ]
            ),
            (
                "hasura-claims".into(),
                "update".into(),
                vec![
                    (
                        "role_rules[0].allowed_roles".into(),
                        json!(["user", "org_admin"]),
                        json!(["user", "org_admin", "auditor"])
                    ),
                    (
                        "sync.endpoint".into(),
                        s("https://graphql.staging.acme.example.com/v1/graphql"),
                        s("https://graphql.acme.example.com/v1/graphql")
                    ),
                ]
            ),
        ]
    );
    let t = &doc["tenants"][0];
    assert_eq!(t["actions"][0]["secrets"]["added"], json!(["CRM_API_KEY"]));
    assert_eq!(
        t["bindings"],
        json!([{"trigger": "post-login",
            "before": ["static-claims", "hasura-claims", "tinybird-token"],
            "after": ["static-claims", "hasura-claims", "tinybird-token", "crm-sync"]}])
    );
    assert!(
        t["actions"][1]["code_diff"]
            .as_str()
            .unwrap()
            .starts_with("--- staging/hasura-claims.js\n+++ prod/hasura-claims.js\n")
    );

    let (code, human, _) = diff("staging.yaml", "prod.yaml", "human");
    assert_eq!(code, Some(2));
    let (code, md, _) = diff("staging.yaml", "prod.yaml", "markdown");
    assert_eq!(code, Some(2));
    assert!(
        md.starts_with("<!-- loginflow-diff -->\n## loginflow diff\n"),
        "{md}"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/diff");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("staging_prod_human", human));
}

#[test]
fn a_file_compared_with_itself_has_no_changes() {
    let (code, stdout, stderr) = diff("prod.yaml", "prod.yaml", "human");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Plan: no changes."), "{stdout}");
}

#[test]
fn an_invalid_file_exits_1_with_its_diagnostics() {
    let bad = fixture("invalid/bad_enum.yaml");
    let (code, stdout, stderr) = diff("prod.yaml", bad.to_str().unwrap(), "json");
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("bad_enum.yaml:8:14: error[invalid-value]"),
        "{stderr}"
    );
}

/// The worked example (`examples/environments`): promoting staging to prod shows exactly what
/// prod overrides — its API host, the default timeout staging raised, the `skip` default prod
/// adds (not on `customer-lookup`, which sets its own) — and the action and binding prod adds.
#[test]
fn promoting_the_example_staging_to_prod_shows_only_the_overrides() {
    let (code, stdout, stderr) = diff_in(
        &crate::common::root().join("examples/environments"),
        "tenants/staging.yaml",
        "tenants/prod.yaml",
        "json",
    );
    assert_eq!(code, Some(2), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let changes = summary(&doc);
    let skip = json!({"refresh_token": true});
    assert_eq!(
        changes[..2],
        [
            (
                "customer-lookup".into(),
                "update".into(),
                vec![
                    ("timeout_ms".into(), json!(5000), json!(3000)),
                    (
                        "url".into(),
                        json!("https://api.staging.acme.example.com/v1/customers"),
                        json!("https://api.acme.example.com/v1/customers")
                    ),
                ]
            ),
            (
                "org-claims".into(),
                "update".into(),
                vec![
                    ("timeout_ms".into(), json!(5000), json!(3000)),
                    ("skip".into(), Value::Null, skip),
                ]
            ),
        ]
    );
    assert_eq!(
        (changes[2].0.as_str(), changes[2].1.as_str()),
        ("support-flag", "create")
    );
    assert_eq!(changes.len(), 3);
    assert_eq!(
        doc["tenants"][0]["bindings"][0]["after"],
        json!(["org-claims", "customer-lookup", "support-flag"])
    );
}
