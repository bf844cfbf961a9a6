//! `kind: hasura` executed in Node: the claims object and the user sync with its failure paths.

use serde_json::{Value, json};

use super::support::*;

const ENDPOINT: &str = "https://graphql.acme-app.example.com/v1/graphql";
const SECRET: &str = "hasura-admin-s3cret-value";

fn hasura(extra: &str) -> loginflow::render::RenderedAction {
    render(
        "hasura-claims",
        &format!(
            r#"
kind: hasura
default_role: user
allowed_roles: [user]
role_rules:
  - {{ when: {{ has_role: [support-agent] }}, default_role: user, allowed_roles: [user, support] }}
  - {{ when: {{ has_role: [org-admin] }}, default_role: user, allowed_roles: [user, org_admin] }}
  - {{ when: {{ has_role: [org-admin] }}, default_role: never, allowed_roles: [never] }}
session_variables:
  x-hasura-org-id: user.app_metadata.org_id
  x-hasura-team-ids: user.app_metadata.team_ids
  x-hasura-logins: stats.logins_count
  x-hasura-missing: user.app_metadata.nope
sync:
  endpoint: {ENDPOINT}
  admin_secret: HASURA_ADMIN_SECRET
  table: users
  constraint: users_pkey
  update_columns: [email, name]
  columns: {{ id: user.user_id, email: user.email, name: user.name, nickname: user.app_metadata.nope }}
  skip: {{ refresh_token: true }}
{extra}"#
        ),
    )
}

fn ok_stub() -> loginflow::config::test_case::HttpStub {
    stub(
        "POST",
        ENDPOINT,
        200,
        json!({ "data": { "insert_users_one": { "__typename": "users" } } }),
    )
}

fn expected_claims() -> Value {
    json!({
        "x-hasura-default-role": "user",
        "x-hasura-allowed-roles": ["user", "org_admin"],
        "x-hasura-user-id": "auth0|5f7c8ec7c33c6c004bbafe82",
        "x-hasura-org-id": "org_42",
        "x-hasura-team-ids": "{\"3\",\"9\"}",
        "x-hasura-logins": "12",
    })
}

#[test]
fn claims_on_the_access_token_and_a_parameterised_upsert() {
    let action = hasura("");
    node_check(&action.code);
    assert_eq!(action.secrets, vec!["HASURA_ADMIN_SECRET"]);
    let r = run_one(
        &action,
        case(
            "happy",
            event(),
            &[("HASURA_ADMIN_SECRET", SECRET)],
            vec![ok_stub()],
        ),
    );
    assert!(r.id_token.is_empty());
    assert_eq!(
        Value::Object(r.access_token.clone()),
        json!({ "https://hasura.io/jwt/claims": expected_claims() })
    );
    assert_eq!(r.http_calls.len(), 1);
    let call = &r.http_calls[0];
    assert_eq!(
        (call.method.as_str(), call.url.as_str()),
        ("POST", ENDPOINT)
    );
    assert_eq!(
        call.headers
            .get("x-hasura-admin-secret")
            .map(String::as_str),
        Some(SECRET)
    );
    let body: Value = serde_json::from_str(call.body.as_deref().expect("body")).expect("json body");
    assert_eq!(
        body,
        json!({
            "query": "mutation LoginflowSyncUser($object: users_insert_input!) { insert_users_one(object: $object, on_conflict: {constraint: users_pkey, update_columns: [email, name]}) { __typename } }",
            "variables": { "object": { "email": "ada@acme.example.com", "id": "auth0|5f7c8ec7c33c6c004bbafe82", "name": "Ada Lovelace" } }
        })
    );
    assert!(!r.denied && r.logs.is_empty(), "{:?}", r.logs);
}

#[test]
fn stringified_json_on_the_id_token_with_default_roles() {
    let action = render(
        "h",
        "kind: hasura\nformat: stringified_json\ntokens: [id]\nnamespace: https://acme.example.com/hasura\ndefault_role: viewer\nallowed_roles: [viewer]\n",
    );
    let mut ev = event();
    remove(&mut ev, "authorization");
    let r = run_one(&action, case("s", ev, &[], vec![]));
    let text = r.id_token["https://acme.example.com/hasura"]
        .as_str()
        .expect("a string claim");
    let parsed: Value = serde_json::from_str(text).expect("JSON inside");
    assert_eq!(
        parsed,
        json!({ "x-hasura-default-role": "viewer", "x-hasura-allowed-roles": ["viewer"], "x-hasura-user-id": "auth0|5f7c8ec7c33c6c004bbafe82" })
    );
    assert!(r.access_token.is_empty());
}

#[test]
fn postgres_array_literals_quote_and_escape_elements() {
    let action = render(
        "h",
        "kind: hasura\ndefault_role: user\nallowed_roles: [user]\nsession_variables: { x-hasura-tags: user.app_metadata.tags }\n",
    );
    let mut ev = event();
    set(
        &mut ev,
        "user.app_metadata.tags",
        json!(["a,b", "say \"hi\"", "back\\slash", null, ["x"]]),
    );
    let r = run_one(&action, case("pg", ev, &[], vec![]));
    assert_eq!(
        r.access_token["https://hasura.io/jwt/claims"]["x-hasura-tags"],
        json!(r#"{"a,b","say \"hi\"","back\\slash",NULL,{"x"}}"#)
    );
}

#[test]
fn require_authorization_leaves_the_claims_out() {
    let action = render(
        "h",
        "kind: hasura\ndefault_role: user\nallowed_roles: [user]\nrequire_authorization: true\n",
    );
    let mut ev = event();
    remove(&mut ev, "authorization");
    let r = run_one(&action, case("no-authz", ev, &[], vec![]));
    assert!(r.access_token.is_empty() && !r.denied);
}

#[test]
fn refresh_token_exchanges_keep_claims_and_skip_the_sync() {
    let action = hasura("");
    let mut ev = event();
    set(
        &mut ev,
        "transaction.protocol",
        json!("oauth2-refresh-token"),
    );
    let r = run_one(
        &action,
        case("refresh", ev, &[("HASURA_ADMIN_SECRET", SECRET)], vec![]),
    );
    assert_eq!(
        r.access_token["https://hasura.io/jwt/claims"],
        expected_claims()
    );
    assert!(r.http_calls.is_empty());
}

/// Every way the sync can fail, under `continue`: claims set, login goes on, a clear log line.
#[test]
fn sync_failures_continue_with_a_log_line() {
    let action = hasura("timeout_ms: 300\n");
    let secrets = [("HASURA_ADMIN_SECRET", SECRET)];
    let cases = vec![
        case(
            "graphql errors on 200",
            event(),
            &secrets,
            vec![stub(
                "POST",
                ENDPOINT,
                200,
                json!({ "errors": [{ "message": "Uniqueness violation for ada@acme.example.com", "extensions": { "code": "constraint-violation" } }] }),
            )],
        ),
        case(
            "500",
            event(),
            &secrets,
            vec![stub("POST", ENDPOINT, 500, json!({ "error": "boom" }))],
        ),
        case("down", event(), &secrets, vec![down_stub("POST", ENDPOINT)]),
        case(
            "timeout",
            event(),
            &secrets,
            vec![slow_stub("POST", ENDPOINT, 2000, json!({ "data": {} }))],
        ),
        case(
            "malformed",
            event(),
            &secrets,
            vec![raw_stub("POST", ENDPOINT, "<html>bad gateway")],
        ),
        case("no secret", event(), &[], vec![ok_stub()]),
    ];
    let expected = [
        "Hasura user sync returned GraphQL errors (constraint-violation)",
        "Hasura user sync answered HTTP 500",
        "Hasura user sync could not be reached (network error)",
        "Hasura user sync timed out after 300 ms",
        "Hasura user sync answered malformed JSON",
        "secret HASURA_ADMIN_SECRET is not set",
    ];
    let results = run(&[&action], cases);
    for (r, message) in results.iter().zip(expected) {
        assert_eq!(
            r.access_token["https://hasura.io/jwt/claims"],
            expected_claims(),
            "{}",
            r.name
        );
        assert!(!r.denied, "{}", r.name);
        let log = logs(r);
        assert!(
            log.contains(message) && log.contains("continuing"),
            "{}: {log}",
            r.name
        );
        assert!(
            !log.contains(SECRET) && !log.contains("ada@acme"),
            "{}: {log}",
            r.name
        );
    }
    assert!(
        results[5].http_calls.is_empty(),
        "no call without the secret"
    );
}

#[test]
fn sync_failure_under_deny_refuses_the_login() {
    let deny = render_deny_sync();
    let r = run_one(
        &deny,
        case(
            "500",
            event(),
            &[("HASURA_ADMIN_SECRET", SECRET)],
            vec![stub("POST", ENDPOINT, 500, json!({}))],
        ),
    );
    assert!(r.denied);
    assert_eq!(r.deny_reason.as_deref(), Some("Try again later"));
    // The claims were set before the sync failed; Auth0 issues no token anyway.
    assert!(logs(&r).contains("login denied"));
}

fn render_deny_sync() -> loginflow::render::RenderedAction {
    render(
        "h",
        &format!(
            "kind: hasura\ndefault_role: user\nallowed_roles: [user]\ndeny_message: Try again later\nsync: {{ endpoint: {ENDPOINT}, admin_secret: HASURA_ADMIN_SECRET, table: users, constraint: users_pkey, update_columns: [], columns: {{ id: user.user_id }}, on_failure: deny }}\n"
        ),
    )
}

#[test]
fn a_missing_user_id_applies_the_failure_policy() {
    let action = render(
        "h",
        "kind: hasura\ndefault_role: user\nallowed_roles: [user]\nuser_id: user.app_metadata.db_id\non_failure: deny\n",
    );
    let r = run_one(&action, case("no id", event(), &[], vec![]));
    assert!(r.denied && r.access_token.is_empty());
    assert!(logs(&r).contains("user.app_metadata.db_id is missing"));
}

#[test]
fn unsafe_graphql_names_are_refused() {
    let yaml = format!(
        "kind: hasura\ndefault_role: user\nallowed_roles: [user]\nsync: {{ endpoint: {ENDPOINT}, admin_secret: S, table: \"users) {{ x }} #\", constraint: c, update_columns: [], columns: {{}} }}\n"
    );
    let action: loginflow::config::ActionConfig = serde_saphyr::from_str(&yaml).expect("yaml");
    let defaults = Default::default();
    let fps = Default::default();
    let ctx = loginflow::render::RenderContext {
        tenant_domain: "acme.eu.auth0.com",
        owner: loginflow::config::model::DEFAULT_OWNER,
        defaults: &defaults,
        secret_fingerprints: &fps,
        template_dir: None,
        custom_code: None,
    };
    let err = loginflow::render::render_action(&ctx, "h", &action).expect_err("refused");
    assert!(err.to_string().contains("not a GraphQL name"), "{err}");
}
