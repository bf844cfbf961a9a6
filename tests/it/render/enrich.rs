//! `kind: enrich` executed in Node: M2M token cache, auth modes, mapping, result cache, failures.

use serde_json::{Value, json};

use super::support::*;

const TOKEN_URL: &str = "https://acme.eu.auth0.com/oauth/token";
const API: &str = "https://customers.acme.example.com/api/users/lookup";
const CLIENT_SECRET: &str = "m2m-client-s3cret";
const NOW_MS: u64 = 1_767_225_600_000;

fn m2m_action(extra: &str) -> loginflow::render::RenderedAction {
    render(
        "backend-enrich",
        &format!(
            r#"
kind: enrich
url: {API}
query: {{ email: user.email, missing: user.app_metadata.nope }}
auth:
  m2m: {{ token_url: "{TOKEN_URL}", client_id: cid-123, client_secret: BACKEND_CLIENT_SECRET, audience: https://customers.acme.example.com }}
map:
  - {{ from: extra_info, claim: https://acme.example.com/extra_info }}
  - {{ from: account.id, claim: https://acme.example.com/account_id, tokens: [access], app_metadata: account_id }}
  - {{ from: account.absent, claim: https://acme.example.com/absent }}
timeout_ms: 300
{extra}"#
        ),
    )
}

fn token_stub() -> loginflow::config::test_case::HttpStub {
    stub(
        "POST",
        TOKEN_URL,
        200,
        json!({ "access_token": "eyJ.m2m.token", "expires_in": 86400, "token_type": "Bearer" }),
    )
}

fn api_stub() -> loginflow::config::test_case::HttpStub {
    stub(
        "GET",
        &format!("{API}?*"),
        200,
        json!({ "extra_info": { "tier": "gold" }, "account": { "id": "acc_981" } }),
    )
}

fn secrets() -> [(&'static str, &'static str); 1] {
    [("BACKEND_CLIENT_SECRET", CLIENT_SECRET)]
}

#[test]
fn m2m_token_is_requested_cached_and_used() {
    let action = m2m_action("");
    node_check(&action.code);
    let mut c = case("happy", event(), &secrets(), vec![token_stub(), api_stub()]);
    c.now_ms = Some(NOW_MS);
    let r = run_one(&action, c);
    assert_eq!(
        calls(&r),
        vec![
            ("POST".into(), TOKEN_URL.into()),
            ("GET".into(), format!("{API}?email=ada%40acme.example.com")),
        ]
    );
    let token_body: Value =
        serde_json::from_str(r.http_calls[0].body.as_deref().expect("body")).expect("json");
    assert_eq!(
        token_body,
        json!({ "grant_type": "client_credentials", "client_id": "cid-123", "client_secret": CLIENT_SECRET, "audience": "https://customers.acme.example.com" })
    );
    assert_eq!(
        r.http_calls[1].headers["authorization"],
        "Bearer eyJ.m2m.token"
    );
    assert_eq!(r.cache_writes.len(), 1);
    let write = &r.cache_writes[0];
    assert!(
        write.key.starts_with("loginflow:m2m:") && write.key.len() <= 64,
        "{}",
        write.key
    );
    assert_eq!(write.value, json!("eyJ.m2m.token"));
    assert_eq!(
        write.expires_at,
        Some((NOW_MS + (86400 - 60) * 1000) as f64)
    );
    assert_eq!(
        Value::Object(r.id_token.clone()),
        json!({ "https://acme.example.com/extra_info": { "tier": "gold" } })
    );
    assert_eq!(
        Value::Object(r.access_token.clone()),
        json!({ "https://acme.example.com/extra_info": { "tier": "gold" }, "https://acme.example.com/account_id": "acc_981" })
    );
    assert_eq!(
        Value::Object(r.app_metadata.clone()),
        json!({ "account_id": "acc_981" })
    );
    assert!(r.logs.is_empty(), "{:?}", r.logs);
}

#[test]
fn a_cached_token_is_reused_without_a_token_request() {
    let action = m2m_action("");
    let first = run_one(
        &action,
        case("first", event(), &secrets(), vec![token_stub(), api_stub()]),
    );
    let key = first.cache_writes[0].key.clone();
    let mut c = case("cached", event(), &secrets(), vec![api_stub()]);
    c.cache.insert(key, "eyJ.cached.token".into());
    let r = run_one(&action, c);
    assert_eq!(calls(&r).len(), 1);
    assert_eq!(
        r.http_calls[0].headers["authorization"],
        "Bearer eyJ.cached.token"
    );
    assert!(r.cache_writes.is_empty());
}

#[test]
fn a_refused_token_is_dropped_from_the_cache() {
    let action = m2m_action("");
    let key = run_one(
        &action,
        case("first", event(), &secrets(), vec![token_stub(), api_stub()]),
    )
    .cache_writes[0]
        .key
        .clone();
    let mut c = case(
        "401",
        event(),
        &secrets(),
        vec![stub("GET", &format!("{API}?*"), 401, json!({}))],
    );
    c.cache.insert(key.clone(), "eyJ.revoked".into());
    let r = run_one(&action, c);
    assert_eq!(r.cache_deletes.len(), 1);
    assert_eq!(r.cache_deletes[0].key, key);
    assert!(r.id_token.is_empty() && !r.denied);
}

/// Every failure path under `continue`: nothing set, login goes on, a log line that says why.
#[test]
fn failures_continue_without_claims() {
    let action = m2m_action("");
    let api = format!("{API}?*");
    let mut no_metadata = event();
    remove(&mut no_metadata, "user.app_metadata");
    let cases = vec![
        case(
            "backend down",
            event(),
            &secrets(),
            vec![token_stub(), down_stub("GET", &api)],
        ),
        case(
            "timeout",
            event(),
            &secrets(),
            vec![token_stub(), slow_stub("GET", &api, 3000, json!({}))],
        ),
        case(
            "500",
            event(),
            &secrets(),
            vec![
                token_stub(),
                stub("GET", &api, 500, json!({ "error": "x" })),
            ],
        ),
        case(
            "malformed",
            event(),
            &secrets(),
            vec![token_stub(), raw_stub("GET", &api, "{\"extra_info\": ")],
        ),
        case(
            "missing secret",
            event(),
            &[],
            vec![token_stub(), api_stub()],
        ),
        case(
            "token endpoint down",
            event(),
            &secrets(),
            vec![down_stub("POST", TOKEN_URL)],
        ),
        case(
            "token without access_token",
            event(),
            &secrets(),
            vec![stub("POST", TOKEN_URL, 200, json!({ "error": "x" }))],
        ),
    ];
    let expected = [
        "backend could not be reached (network error)",
        "backend timed out after 300 ms",
        "backend answered HTTP 500",
        "backend answered malformed JSON",
        "secret BACKEND_CLIENT_SECRET is not set",
        "token request could not be reached (network error)",
        "token response has no access_token",
    ];
    let results = run(&[&action], cases);
    for (r, message) in results.iter().zip(expected) {
        assert!(
            r.id_token.is_empty() && r.access_token.is_empty() && r.app_metadata.is_empty(),
            "{}",
            r.name
        );
        assert!(!r.denied, "{}", r.name);
        let log = logs(r);
        assert!(log.contains(message), "{}: {log}", r.name);
        assert!(
            !log.contains(CLIENT_SECRET) && !log.contains("m2m.token"),
            "{}: {log}",
            r.name
        );
    }
    // Missing app_metadata and authorization are not failures.
    let mut bare = no_metadata;
    remove(&mut bare, "authorization");
    let r = run_one(
        &action,
        case(
            "bare event",
            bare,
            &secrets(),
            vec![token_stub(), api_stub()],
        ),
    );
    assert_eq!(r.id_token.len(), 1);
}

#[test]
fn failure_under_deny_refuses_the_login() {
    let action = m2m_action("on_failure: deny\ndeny_message: Your account data is unavailable\n");
    let r = run_one(
        &action,
        case(
            "500",
            event(),
            &secrets(),
            vec![
                token_stub(),
                stub("GET", &format!("{API}?*"), 503, json!({})),
            ],
        ),
    );
    assert!(r.denied && r.id_token.is_empty());
    assert_eq!(
        r.deny_reason.as_deref(),
        Some("Your account data is unavailable")
    );
}

const CRM: &str = "https://crm.acme.example.com/v1/contacts/exist-by-phone";

fn crm_action() -> loginflow::render::RenderedAction {
    render(
        "crm-sync",
        &format!(
            r#"
kind: enrich
url: {CRM}
body: {{ phoneNumber: user.phone_number, org: user.app_metadata.org_id }}
auth: {{ header: {{ name: X-Api-Key, secret: CRM_API_KEY }} }}
map:
  - {{ from: externalId, claim: https://acme.example.com/crm_id, tokens: [id], app_metadata: crm_external_id }}
cache: {{ key: crm, ttl_seconds: 86400 }}
"#
        ),
    )
}

#[test]
fn post_body_header_auth_and_result_cache() {
    let action = crm_action();
    node_check(&action.code);
    let mut c = case(
        "fresh",
        event(),
        &[("CRM_API_KEY", "crm-key")],
        vec![stub(
            "POST",
            CRM,
            200,
            json!({ "externalId": "C-1042", "internal": "x" }),
        )],
    );
    c.now_ms = Some(NOW_MS);
    let r = run_one(&action, c);
    let call = &r.http_calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(call.headers["x-api-key"], "crm-key");
    assert_eq!(call.headers["content-type"], "application/json");
    assert_eq!(
        call.body.as_deref(),
        Some(r#"{"org":"org_42","phoneNumber":"+447700900123"}"#)
    );
    assert_eq!(
        r.id_token["https://acme.example.com/crm_id"],
        json!("C-1042")
    );
    assert_eq!(
        Value::Object(r.app_metadata.clone()),
        json!({ "crm_external_id": "C-1042", "crm": { "value": { "externalId": "C-1042" }, "fetched_at": "2026-01-01T00:00:00.000Z" } })
    );
}

#[test]
fn a_fresh_cached_result_skips_the_call_and_a_stale_one_does_not() {
    let action = crm_action();
    let cached = |fetched_at: &str| {
        let mut ev = event();
        set(
            &mut ev,
            "user.app_metadata.crm",
            json!({ "value": { "externalId": "C-7" }, "fetched_at": fetched_at }),
        );
        let mut c = case(
            fetched_at,
            ev,
            &[("CRM_API_KEY", "k")],
            vec![stub("POST", CRM, 200, json!({ "externalId": "C-8" }))],
        );
        c.now_ms = Some(NOW_MS);
        c
    };
    let results = run(
        &[&action],
        vec![
            cached("2025-12-31T12:00:00.000Z"),
            cached("2025-12-30T23:59:59.000Z"),
            cached("2030-01-01T00:00:00Z"),
            cached("not a date"),
        ],
    );
    assert!(results[0].http_calls.is_empty());
    assert_eq!(
        results[0].id_token["https://acme.example.com/crm_id"],
        json!("C-7")
    );
    assert!(
        results[0].app_metadata.is_empty(),
        "no metadata write on a cache hit"
    );
    for r in &results[1..] {
        assert_eq!(r.http_calls.len(), 1, "{}", r.name);
        assert_eq!(r.id_token["https://acme.example.com/crm_id"], json!("C-8"));
    }
}

#[test]
fn bearer_auth_reads_its_secret() {
    let action = render(
        "b",
        &format!(
            "kind: enrich\nurl: {API}\nauth: {{ bearer: {{ secret: API_TOKEN }} }}\nmap: [{{ from: tier, claim: https://acme.example.com/tier }}]\n"
        ),
    );
    assert_eq!(action.secrets, vec!["API_TOKEN"]);
    let r = run_one(
        &action,
        case(
            "b",
            event(),
            &[("API_TOKEN", "tok")],
            vec![stub("GET", API, 200, json!({ "tier": "gold" }))],
        ),
    );
    assert_eq!(r.http_calls[0].headers["authorization"], "Bearer tok");
    assert_eq!(
        r.access_token["https://acme.example.com/tier"],
        json!("gold")
    );
}

/// What seeds 002 and 004 needed: literals beside event paths in the body and query, the client
/// id and token URL read from secrets, the whole answer in one claim, a field in user_metadata.
fn seed_spellings_action() -> loginflow::render::RenderedAction {
    render(
        "crm-link",
        r#"
kind: enrich
url: https://crm.example.com/v1/contacts/exist-by-phone
method: POST
query: { source: { value: auth0 }, version: { value: 2 } }
body: { phoneNumber: user.phone_number, extended: { value: true }, tags: { value: [a, b] } }
auth:
  m2m:
    token_url: { secret: CRM_TOKEN_URL }
    client_id: { secret: CRM_CLIENT_ID }
    client_secret: CRM_CLIENT_SECRET
    audience: https://crm.example.com
map:
  - { from: ".", claim: https://crm.example.com/contact, tokens: [id] }
  - { from: locale, user_metadata: crm_locale }
"#,
    )
}

#[test]
fn literals_secrets_for_client_settings_whole_answer_and_user_metadata() {
    let action = seed_spellings_action();
    node_check(&action.code);
    assert_eq!(
        action.secrets,
        ["CRM_CLIENT_ID", "CRM_CLIENT_SECRET", "CRM_TOKEN_URL"]
    );
    let answer = json!({ "externalId": "C-1042", "name": "Dana Levi", "locale": "he" });
    let secrets = [
        (
            "CRM_TOKEN_URL",
            "https://login.crm-idp.example.com/oauth/token",
        ),
        ("CRM_CLIENT_ID", "crm-client-7"),
        ("CRM_CLIENT_SECRET", "crm-s3cret"),
    ];
    let stubs = vec![
        stub(
            "POST",
            "https://login.crm-idp.example.com/oauth/token",
            200,
            json!({ "access_token": "eyJ.crm", "expires_in": 86400 }),
        ),
        stub(
            "POST",
            "https://crm.example.com/v1/contacts/*",
            200,
            answer.clone(),
        ),
    ];
    let r = run_one(&action, case("seed", event(), &secrets, stubs));
    assert_eq!(
        calls(&r),
        vec![
            (
                "POST".into(),
                "https://login.crm-idp.example.com/oauth/token".into()
            ),
            (
                "POST".into(),
                "https://crm.example.com/v1/contacts/exist-by-phone?source=auth0&version=2".into()
            ),
        ]
    );
    let token_body: Value =
        serde_json::from_str(r.http_calls[0].body.as_deref().expect("body")).expect("json");
    assert_eq!(token_body["client_id"], "crm-client-7");
    let body: Value =
        serde_json::from_str(r.http_calls[1].body.as_deref().expect("body")).expect("json");
    assert_eq!(
        body,
        json!({ "extended": true, "phoneNumber": "+447700900123", "tags": ["a", "b"] })
    );
    assert_eq!(
        Value::Object(r.id_token.clone()),
        json!({ "https://crm.example.com/contact": answer })
    );
    assert_eq!(
        Value::Object(r.user_metadata.clone()),
        json!({ "crm_locale": "he" })
    );
    assert!(r.app_metadata.is_empty(), "{:?}", r.app_metadata);
}

#[test]
fn a_token_url_secret_that_is_not_https_is_refused_before_any_call() {
    let action = seed_spellings_action();
    let secrets = [
        (
            "CRM_TOKEN_URL",
            "http://login.crm-idp.example.com/oauth/token",
        ),
        ("CRM_CLIENT_ID", "crm-client-7"),
        ("CRM_CLIENT_SECRET", "crm-s3cret"),
    ];
    let r = run_one(&action, case("http", event(), &secrets, Vec::new()));
    assert!(r.http_calls.is_empty(), "{:?}", calls(&r));
    assert!(
        logs(&r).contains("token URL from secret CRM_TOKEN_URL is not https"),
        "{}",
        logs(&r)
    );
    assert!(r.id_token.is_empty());
}
