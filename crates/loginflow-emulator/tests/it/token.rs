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
