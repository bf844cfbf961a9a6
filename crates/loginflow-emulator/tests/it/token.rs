//! `POST /oauth/token` and bearer-token checks.
#![allow(clippy::unwrap_used)]

use loginflow_emulator::EmulatorOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::Client;

#[tokio::test]
async fn json_and_form_bodies_issue_tokens() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let aud = format!("{}/api/v2/", c.base);
    let form: Value = c
        .http
        .post(format!("{}/oauth/token", c.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "local"),
            ("client_secret", "local"),
            ("audience", aud.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["expires_in"], 86400);
    assert_eq!(form["token_type"], "Bearer");
    assert!(form["scope"].as_str().unwrap().contains("update:actions"));
    let (s, _) = c.get("/api/v2/actions/actions").await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn bad_secret_is_401() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let resp = c
        .http
        .post(format!("{}/oauth/token", c.base))
        .json(&json!({"grant_type": "client_credentials", "client_id": "local", "client_secret": "nope", "audience": "https://x/api/v2/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "access_denied", "error_description": "Unauthorized"})
    );
}

#[tokio::test]
async fn configured_credentials_are_enforced() {
    let opts = EmulatorOptions {
        client_id: "ci".into(),
        client_secret: "s3cret".into(),
        ..EmulatorOptions::fast()
    };
    let emu = loginflow_emulator::Emulator::start(opts).await.unwrap();
    let http = crate::support::http();
    let send = |id: &'static str, secret: &'static str| {
        http.post(format!("{}/oauth/token", emu.base_url()))
            .json(&json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": "http://h/api/v2/"}))
            .send()
    };
    assert_eq!(
        send("local", "local").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(send("ci", "s3cret").await.unwrap().status(), StatusCode::OK);
    emu.shutdown().await;
}

#[tokio::test]
async fn api_requires_a_valid_bearer_token() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let url = format!("{}/api/v2/actions/actions", c.base);
    let none = c.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body: Value = none.json().await.unwrap();
    assert_eq!(
        body,
        json!({"statusCode": 401, "error": "Unauthorized", "message": "Missing authentication"})
    );
    let bad: Value = c
        .http
        .get(&url)
        .bearer_auth("forged")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        bad,
        json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid token", "attributes": {"error": "Invalid token"}})
    );
}

#[tokio::test]
async fn wrong_audience_and_grant_are_rejected() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let post = |body: Value| {
        c.http
            .post(format!("{}/oauth/token", c.base))
            .json(&body)
            .send()
    };
    let r = post(json!({"grant_type": "client_credentials", "client_id": "local", "client_secret": "local", "audience": "https://x/other"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(json!({"grant_type": "password", "client_id": "local", "client_secret": "local"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
}

/// A client granted only `read:actions` reads everything plan reads; every write answers 403
/// `insufficient_scope` naming the scope it needs, and changes nothing.
#[tokio::test]
async fn a_read_only_client_reads_and_every_write_names_its_scope() {
    let opts = EmulatorOptions {
        clients: vec![loginflow_emulator::ClientGrant {
            client_id: "reader".into(),
            client_secret: "r".into(),
            scope: "read:actions".into(),
        }],
        ..EmulatorOptions::fast()
    };
    let c = Client::start(opts).await;
    let body = super::support::token_response(&c.http, &c.base, "reader", "r").await;
    assert_eq!(body["scope"], "read:actions");
    let token = body["access_token"].as_str().unwrap().to_string();
    let call = |method: reqwest::Method, path: &str| {
        c.http
            .request(method, format!("{}{path}", c.base))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
    };
    for path in [
        "/api/v2/actions/actions",
        "/api/v2/actions/triggers",
        "/api/v2/actions/triggers/post-login/bindings",
    ] {
        let resp = call(reqwest::Method::GET, path).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }
    use reqwest::Method as M;
    for (method, path, scope) in [
        (M::POST, "/api/v2/actions/actions", "create:actions"),
        (M::PATCH, "/api/v2/actions/actions/x", "update:actions"),
        (
            M::POST,
            "/api/v2/actions/actions/x/deploy",
            "create:actions",
        ),
        (M::DELETE, "/api/v2/actions/actions/x", "delete:actions"),
        (
            M::PATCH,
            "/api/v2/actions/triggers/post-login/bindings",
            "update:actions",
        ),
    ] {
        let resp = call(method, path).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["errorCode"], "insufficient_scope", "{path}");
        assert_eq!(
            body["message"],
            format!("Insufficient scope, expected any of: {scope}"),
            "{path}"
        );
    }
    // The main client keeps every Actions scope.
    c.create("a").await;
}
