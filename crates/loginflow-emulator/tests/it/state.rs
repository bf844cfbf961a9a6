//! The state file: persistence across restarts, atomic writes, private mode, corrupt files.
#![allow(clippy::unwrap_used)]

use loginflow_emulator::{Emulator, EmulatorOptions};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::Client;

#[tokio::test]
async fn restart_keeps_actions_versions_bindings_and_users() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("tenant.json");
    let opts = || EmulatorOptions {
        state_file: Some(path.clone()),
        ..EmulatorOptions::fast()
    };
    let c = Client::start(opts()).await;
    let id = c.deployed("kept").await;
    let mut secret = super::support::action_body("secretive");
    secret["secrets"] = json!([{"name": "K", "value": "v"}]);
    c.call(Method::POST, "/api/v2/actions/actions", Some(secret))
        .await;
    c.call(
        Method::PATCH,
        "/api/v2/actions/triggers/post-login/bindings",
        Some(json!({"bindings": [{"ref": {"type": "action_id", "value": id}}]})),
    )
    .await;
    c.http
        .put(format!("{}/__emulator/users/u1", c.base))
        .json(&json!({"user_id": "u1"}))
        .send()
        .await
        .unwrap();
    let (_, before) = c.get(&format!("/api/v2/actions/actions/{id}")).await;
    c.emu.shutdown().await;

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("access_token") && !text.contains("lfemu_"),
        "tokens are never saved"
    );

    let c = Client::start(opts()).await;
    let (s, after) = c.get(&format!("/api/v2/actions/actions/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(after, before);
    let (_, b) = c.get("/api/v2/actions/triggers/post-login/bindings").await;
    assert_eq!(b["bindings"][0]["action"]["id"], id.as_str());
    let (s, _) = c.get("/api/v2/users/u1").await;
    assert_eq!(s, StatusCode::OK);
    c.emu.shutdown().await;
}

#[tokio::test]
async fn every_write_is_saved_before_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    let c = Client::start(EmulatorOptions {
        state_file: Some(path.clone()),
        ..EmulatorOptions::fast()
    })
    .await;
    for i in 0..20 {
        c.create(&format!("a{i}")).await;
        // A reader at any moment sees a complete file (write-then-rename), never a torn one.
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["state"]["actions"].as_array().unwrap().len(), i + 1);
    }
}

#[tokio::test]
async fn a_stale_temp_file_from_a_crash_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    {
        let c = Client::start(EmulatorOptions {
            state_file: Some(path.clone()),
            ..EmulatorOptions::fast()
        })
        .await;
        c.create("survivor").await;
    }
    // Simulate a crash mid-write: a half-written temporary file beside the real one.
    std::fs::write(
        dir.path().join(".t.json.tmp-99999"),
        b"{\"format\":\"loginflow-emu",
    )
    .unwrap();
    let c = Client::start(EmulatorOptions {
        state_file: Some(path),
        ..EmulatorOptions::fast()
    })
    .await;
    let (_, list) = c.get("/api/v2/actions/actions").await;
    assert_eq!(list["actions"][0]["name"], "survivor");
}

#[tokio::test]
async fn a_corrupt_state_file_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    std::fs::write(&path, b"{ not json").unwrap();
    let err = Emulator::start(EmulatorOptions {
        state_file: Some(path.clone()),
        ..EmulatorOptions::fast()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("not valid"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"{ not json");
}
