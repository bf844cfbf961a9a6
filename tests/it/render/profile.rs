//! `kind: profile` executed in Node: Management API read with a cached M2M token.

use serde_json::{Value, json};

use super::support::*;

const TOKEN_URL: &str = "https://acme.eu.auth0.com/oauth/token";
const USER_URL: &str = "https://acme.eu.auth0.com/api/v2/users/waad%7C1c4e7f0a?fields=groups%2Cjob&include_fields=true";

fn action() -> loginflow::render::RenderedAction {
    render(
        "ad-groups",
        r#"
kind: profile
client_id: Qm3x9TzL0aB7cD2eF4gH6iJ8kLmN1oPq
client_secret: GROUPS_READER_CLIENT_SECRET
map:
  - { from: groups, claim: https://xyz.example.com/groups, tokens: [id] }
  - { from: job.title, app_metadata: job_title }
"#,
    )
}

fn ad_event() -> Value {
    let mut ev = event();
    set(&mut ev, "user.user_id", json!("waad|1c4e7f0a"));
    ev
}

#[test]
fn reads_the_user_and_maps_groups() {
    let action = action();
    node_check(&action.code);
    let token = stub(
        "POST",
        TOKEN_URL,
        200,
        json!({ "access_token": "eyJ.mgmt", "expires_in": 86400 }),
    );
    let user = stub(
        "GET",
        USER_URL,
        200,
        json!({ "groups": ["django-admins", "finance"], "job": { "title": "Engineer" } }),
    );
    let r = run_one(
        &action,
        case(
            "happy",
            ad_event(),
            &[("GROUPS_READER_CLIENT_SECRET", "s")],
            vec![token, user],
        ),
    );
    assert_eq!(
        calls(&r),
        vec![
            ("POST".into(), TOKEN_URL.into()),
            ("GET".into(), USER_URL.into())
        ]
    );
    let body: Value =
        serde_json::from_str(r.http_calls[0].body.as_deref().expect("body")).expect("json");
    assert_eq!(body["audience"], json!("https://acme.eu.auth0.com/api/v2/"));
    assert_eq!(r.http_calls[1].headers["authorization"], "Bearer eyJ.mgmt");
    assert_eq!(
        Value::Object(r.id_token.clone()),
        json!({ "https://xyz.example.com/groups": ["django-admins", "finance"] })
    );
    assert!(r.access_token.is_empty());
    assert_eq!(
        Value::Object(r.app_metadata.clone()),
        json!({ "job_title": "Engineer" })
    );
    assert_eq!(r.cache_writes.len(), 1);
}

#[test]
fn failures_continue_and_missing_fields_set_nothing() {
    let action = action();
    let token = || {
        stub(
            "POST",
            TOKEN_URL,
            200,
            json!({ "access_token": "eyJ.mgmt", "expires_in": 86400 }),
        )
    };
    let url = "https://acme.eu.auth0.com/api/v2/users/*";
    let s = [("GROUPS_READER_CLIENT_SECRET", "s")];
    let results = run(
        &[&action],
        vec![
            case(
                "429",
                ad_event(),
                &s,
                vec![
                    token(),
                    stub(
                        "GET",
                        url,
                        429,
                        json!({ "message": "Global limit has been reached" }),
                    ),
                ],
            ),
            case("down", ad_event(), &s, vec![token(), down_stub("GET", url)]),
            case(
                "no groups",
                ad_event(),
                &s,
                vec![
                    token(),
                    stub("GET", url, 200, json!({ "user_id": "waad|1c4e7f0a" })),
                ],
            ),
            case("no secret", ad_event(), &[], vec![]),
        ],
    );
    for r in &results {
        assert!(
            r.id_token.is_empty() && r.app_metadata.is_empty() && !r.denied,
            "{}",
            r.name
        );
    }
    assert!(logs(&results[0]).contains("Management API user read answered HTTP 429"));
    assert!(logs(&results[3]).contains("secret GROUPS_READER_CLIENT_SECRET is not set"));
}
