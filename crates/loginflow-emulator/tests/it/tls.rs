//! `--tls`: HTTPS with a throwaway certificate written to the certificate directory.
#![allow(clippy::unwrap_used)]

use loginflow_emulator::{Emulator, EmulatorOptions};
use serde_json::{Value, json};

async fn start_tls(dir: &std::path::Path) -> Emulator {
    Emulator::start(EmulatorOptions {
        tls_cert_dir: Some(dir.to_path_buf()),
        ..EmulatorOptions::fast()
    })
    .await
    .unwrap()
}

async fn token(http: &reqwest::Client, base: &str) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{base}/oauth/token"))
        .json(&json!({
            "grant_type": "client_credentials",
            "client_id": "local",
            "client_secret": "local",
            "audience": format!("{base}/api/v2/"),
        }))
        .send()
        .await
}

#[tokio::test]
async fn a_client_trusting_the_written_cert_gets_a_token_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start_tls(dir.path()).await;
    let base = emu.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    // Only the certificate is written: never a private key.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["cert.pem"]);
    let pem = std::fs::read(dir.path().join("cert.pem")).unwrap();
    assert!(!String::from_utf8_lossy(&pem).contains("PRIVATE KEY"));
    let cert = reqwest::Certificate::from_pem(&pem).unwrap();
    let http = crate::support::http_builder()
        .tls_certs_only([cert])
        .build()
        .unwrap();
    for host in [base.clone(), base.replace("127.0.0.1", "localhost")] {
        let resp = token(&http, &host).await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        let access = body["access_token"].as_str().unwrap().to_string();
        let list = http
            .get(format!("{host}/api/v2/actions/actions"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        assert_eq!(list.status(), 200);
    }
    assert_eq!(emu.stats().by_endpoint["POST /oauth/token"], 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_it_fails_and_plain_http_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let emu = start_tls(dir.path()).await;
    let base = emu.base_url();
    let untrusting = crate::support::http();
    let err = token(&untrusting, &base).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // Another run's certificate is no good either: each start makes a fresh authority.
    let other_dir = tempfile::tempdir().unwrap();
    let other = start_tls(other_dir.path()).await;
    let stale =
        reqwest::Certificate::from_pem(&std::fs::read(other_dir.path().join("cert.pem")).unwrap())
            .unwrap();
    let wrong = crate::support::http_builder()
        .tls_certs_only([stale])
        .build()
        .unwrap();
    assert!(token(&wrong, &base).await.is_err());
    let plain = base.replace("https://", "http://");
    assert!(token(&untrusting, &plain).await.is_err());
    assert_eq!(emu.stats().total, 0);
    other.shutdown().await;
    emu.shutdown().await;
}
