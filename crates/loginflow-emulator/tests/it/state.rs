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

const CANARY: &str = "canary-7f3a91-secret-value";
const CLIENT_CANARY: &str = "canary-client-secret-55d0";

/// A secret value is write-only: neither the state file, nor the request log, nor the stats,
/// nor any answer holds it; only its fingerprint, which changes with the value.
#[tokio::test]
async fn no_secret_value_reaches_the_state_file_or_the_request_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    let c = with_state(&path).await;
    // The token request is logged too, refused or not (here form-encoded, with a wrong secret).
    let form = c
        .http
        .post(format!("{}/oauth/token", c.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id=local&client_secret={CLIENT_CANARY}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNAUTHORIZED);
    let id = c.create("s").await;
    let path_of = format!("/api/v2/actions/actions/{id}");
    let secrets = json!({"secrets": [{"name": "K", "value": CANARY}]});
    let (s, answer) = c.call(Method::PATCH, &path_of, Some(secrets)).await;
    assert_eq!(s, StatusCode::OK);
    c.wait_status(&id, "built").await;
    let (s, deployed) = c
        .call(Method::POST, &format!("{path_of}/deploy"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{deployed}");
    let (_, read) = c.get(&path_of).await;
    let (_, versions) = c.get(&format!("{path_of}/versions")).await;
    let admin = |p: &'static str| {
        let (http, base) = (c.http.clone(), c.base.clone());
        async move {
            let r = http.get(format!("{base}/__emulator/{p}")).send().await;
            r.unwrap().text().await.unwrap()
        }
    };
    let log = admin("requests").await;
    let stats = admin("stats").await;
    let Client { emu, .. } = c;
    emu.shutdown().await;
    let file = std::fs::read_to_string(&path).unwrap();
    let fp = loginflow_emulator::fingerprint(CANARY);
    assert!(file.contains(&fp), "{file}");
    assert!(log.contains(&fp), "{log}");
    for (what, text) in [
        ("state file", file),
        ("request log", log),
        ("stats", stats),
        ("PATCH answer", answer.to_string()),
        ("deploy answer", deployed.to_string()),
        ("read", read.to_string()),
        ("versions", versions.to_string()),
    ] {
        for canary in [CANARY, CLIENT_CANARY] {
            assert!(
                !text.contains(canary),
                "the {what} holds `{canary}`:\n{text}"
            );
        }
    }
}

/// A state file from before fingerprints, with a secret value, loads; the value becomes its
/// fingerprint on disk at once; a secret sent again without a value keeps it.
#[tokio::test]
async fn an_old_state_file_with_secret_values_is_converted_on_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    {
        let c = with_state(&path).await;
        let id = c.create("old").await;
        let secrets = json!({"secrets": [{"name": "K", "value": "x"}]});
        c.call(
            Method::PATCH,
            &format!("/api/v2/actions/actions/{id}"),
            Some(secrets),
        )
        .await;
        c.emu.shutdown().await;
    }
    // Rewrite the file as an older version wrote it: `value` instead of `fingerprint`.
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let secret = &mut v["state"]["actions"][0]["secrets"][0];
    let map = secret.as_object_mut().unwrap();
    map.remove("fingerprint");
    map.insert("value".into(), json!(CANARY));
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();

    let c = with_state(&path).await;
    let file = std::fs::read_to_string(&path).unwrap();
    assert!(!file.contains(CANARY), "{file}");
    let fp = loginflow_emulator::fingerprint(CANARY);
    assert!(file.contains(&fp), "{file}");
    let (_, list) = c.get("/api/v2/actions/actions").await;
    assert_eq!(list["actions"][0]["secrets"][0]["name"], "K");
    let id = list["actions"][0]["id"].as_str().unwrap().to_string();
    let kept = json!({"secrets": [{"name": "K"}]});
    c.call(
        Method::PATCH,
        &format!("/api/v2/actions/actions/{id}"),
        Some(kept),
    )
    .await;
    let file = std::fs::read_to_string(&path).unwrap();
    assert!(file.contains(&fp), "{file}");
}

/// Temporary files that killed writers left beside the state file are removed on start; those
/// of a running process (pid 1) and of other files are left alone.
#[tokio::test]
async fn stale_temp_files_of_killed_writers_are_removed_on_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    // Above Linux's largest pid_max (2^22): never a running process.
    let dead = [".t.json.tmp-4194305", ".t.json.tmp-4194999"];
    let kept = [".t.json.tmp-1", ".other.json.tmp-4194305", ".t.json.tmp-x"];
    for f in dead.iter().chain(&kept) {
        std::fs::write(dir.path().join(f), b"{\"format\":\"loginflow-emu").unwrap();
    }
    let c = with_state(&path).await;
    c.create("a").await;
    for f in dead {
        assert!(!dir.path().join(f).exists(), "{f} left behind");
    }
    for f in kept {
        assert!(dir.path().join(f).exists(), "{f} removed");
    }
}

async fn with_state(path: &std::path::Path) -> Client {
    Client::start(EmulatorOptions {
        state_file: Some(path.to_path_buf()),
        ..EmulatorOptions::fast()
    })
    .await
}
