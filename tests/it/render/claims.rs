//! `kind: claims` executed in Node.

use serde_json::json;

use super::support::*;

const CLAIMS: &str = r#"
kind: claims
namespace: https://acme.example.com/
claims:
  - { name: org_id, path: user.app_metadata.org_id }
  - { name: plan, path: user.app_metadata.missing, default: free, tokens: [access] }
  - { name: nothing, path: user.app_metadata.missing }
  - { name: https://other.example.com/literal, value: { a: [1, 2] }, tokens: [id] }
  - { name: admin, value: true, when: { has_role: [org-admin] } }
  - { name: support, value: true, when: { has_role: [support-agent] } }
  - { name: google, value: true, when: { connection: [google-oauth2] } }
  - { name: verified, value: "yes", when: { email_verified: true, client: [k3Vb8NqT2mW9xY4zA1cD6fG0hJ5lP7sR] } }
  - { name: pro, value: 1, when: { path: user.app_metadata.plan, in: [pro, enterprise] } }
  - { name: org42, value: 1, when: { path: user.app_metadata.org_id, equals: org_42 } }
  - { name: no_phone, value: 1, when: { path: user.phone_verified, exists: false } }
"#;

#[test]
fn sets_literals_paths_defaults_and_conditional_claims() {
    let action = render("static-claims", CLAIMS);
    node_check(&action.code);
    let r = run_one(&action, case("happy", event(), &[], vec![]));
    assert_eq!(
        serde_json::Value::Object(r.id_token.clone()),
        json!({
            "https://acme.example.com/org_id": "org_42",
            "https://other.example.com/literal": { "a": [1, 2] },
            "https://acme.example.com/admin": true,
            "https://acme.example.com/verified": "yes",
            "https://acme.example.com/pro": 1,
            "https://acme.example.com/org42": 1,
            "https://acme.example.com/no_phone": 1,
        })
    );
    assert_eq!(
        serde_json::Value::Object(r.access_token.clone()),
        json!({
            "https://acme.example.com/org_id": "org_42",
            "https://acme.example.com/plan": "free",
            "https://acme.example.com/admin": true,
            "https://acme.example.com/verified": "yes",
            "https://acme.example.com/pro": 1,
            "https://acme.example.com/org42": 1,
            "https://acme.example.com/no_phone": 1,
        })
    );
    assert!(r.http_calls.is_empty() && !r.denied && r.app_metadata.is_empty());
}

#[test]
fn missing_authorization_and_app_metadata_do_not_throw() {
    let action = render("static-claims", CLAIMS);
    let mut ev = event();
    remove(&mut ev, "authorization");
    remove(&mut ev, "user.app_metadata");
    let r = run_one(&action, case("bare", ev, &[], vec![]));
    assert_eq!(
        serde_json::Value::Object(r.access_token),
        json!({
            "https://acme.example.com/plan": "free",
            "https://acme.example.com/verified": "yes",
            "https://acme.example.com/no_phone": 1,
        })
    );
    assert!(!r.denied);
    assert!(r.logs.is_empty(), "{:?}", r.logs);
}

#[test]
fn skip_rules_are_evaluated_first() {
    let action = render(
        "skipper",
        r#"
kind: claims
claims: [{ name: https://acme.example.com/x, value: 1 }]
skip: { refresh_token: true, clients: [blocked-client], only_connections: [Username-Password-Authentication, google-oauth2] }
"#,
    );
    let mut refresh = event();
    set(
        &mut refresh,
        "transaction.protocol",
        json!("oauth2-refresh-token"),
    );
    let mut blocked = event();
    set(&mut blocked, "client.client_id", json!("blocked-client"));
    let mut other_connection = event();
    set(&mut other_connection, "connection.name", json!("sms"));
    let mut no_transaction = event();
    remove(&mut no_transaction, "transaction");
    let results = run(
        &[&action],
        vec![
            case("refresh", refresh, &[], vec![]),
            case("blocked", blocked, &[], vec![]),
            case("connection", other_connection, &[], vec![]),
            case("runs", no_transaction, &[], vec![]),
        ],
    );
    let set_counts: Vec<usize> = results.iter().map(|r| r.id_token.len()).collect();
    assert_eq!(set_counts, vec![0, 0, 0, 1]);
}

#[test]
fn defaults_apply_when_the_action_sets_nothing() {
    use loginflow::config::action::{FailurePolicy, Runtime};
    use loginflow::render::resolve;
    let action: loginflow::config::ActionConfig =
        serde_saphyr::from_str("kind: claims\nclaims: []\n").expect("yaml");
    let defaults = loginflow::config::model::Defaults {
        runtime: Some(Runtime::Node18),
        on_failure: Some(FailurePolicy::Deny),
        timeout_ms: Some(1200),
        skip: None,
    };
    let r = resolve(&action, &defaults);
    assert_eq!(
        (r.runtime, r.on_failure, r.timeout_ms),
        (Runtime::Node18, FailurePolicy::Deny, 1200)
    );
    let r = resolve(&action, &Default::default());
    assert_eq!(
        (r.runtime, r.on_failure, r.timeout_ms),
        (Runtime::Node22, FailurePolicy::Continue, 5000)
    );
}
