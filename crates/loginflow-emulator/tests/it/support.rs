//! Helpers: an HTTP client, start an emulator, get a token, send JSON requests. loginflow's
//! integration tests include this file too (`tests/it/common.rs`), so both crates' tests share
//! one copy: it may use nothing but the emulator crate and the two crates' common dev-dependencies.
#![allow(dead_code)]

use loginflow_emulator::{Emulator, EmulatorOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A running emulator plus an authenticated client.
pub struct Client {
    pub emu: Emulator,
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

/// A plain HTTP client for tests, with the ring crypto provider installed (reqwest is built
/// without one, as in loginflow).
pub fn http() -> reqwest::Client {
    http_builder().build().unwrap()
}

/// A client builder for tests that need options.
pub fn http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

impl Client {
    pub async fn start(opts: EmulatorOptions) -> Client {
        let emu = Emulator::start(opts).await.unwrap();
        let base = emu.base_url();
        let http = http();
        let token = get_token(&http, &base).await;
        Client {
            emu,
            base,
            http,
            token,
        }
    }

    /// Sends `method path` with an optional JSON body; returns status and parsed body (`Null` when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    /// Creates a post-login v3 action and returns its id.
    pub async fn create(&self, name: &str) -> String {
        let (s, body) = self
            .call(
                Method::POST,
                "/api/v2/actions/actions",
                Some(action_body(name)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    /// Polls until the draft's status is `want`.
    pub async fn wait_status(&self, id: &str, want: &str) -> Value {
        for _ in 0..500 {
            let (_, body) = self.get(&format!("/api/v2/actions/actions/{id}")).await;
            if body["status"] == want {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("action {id} never reached {want}");
    }

    /// Creates, waits for the build and deploys; returns the action id.
    pub async fn deployed(&self, name: &str) -> String {
        let id = self.create(name).await;
        self.wait_status(&id, "built").await;
        let (s, v) = self
            .call(
                Method::POST,
                &format!("/api/v2/actions/actions/{id}/deploy"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        id
    }
}

pub fn action_body(name: &str) -> Value {
    json!({
        "name": name,
        "supported_triggers": [{"id": "post-login", "version": "v3"}],
        "code": "exports.onExecutePostLogin = async (event, api) => {};",
    })
}

/// An access token for client `local` with the default secret.
pub async fn get_token(http: &reqwest::Client, base: &str) -> String {
    get_token_with(http, base, "local").await
}

/// An access token for client `local` with `secret`.
pub async fn get_token_with(http: &reqwest::Client, base: &str, secret: &str) -> String {
    let body = token_response(http, base, "local", secret).await;
    body["access_token"].as_str().unwrap().to_string()
}

/// The token endpoint's answer for a client.
pub async fn token_response(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
    secret: &str,
) -> Value {
    http.post(format!("{base}/oauth/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "audience": format!("{base}/api/v2/")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
