//! `import` round trip: a tenant with hand-made actions (secrets, bindings) is imported, and the
//! next `plan` of the written config shows only the adoption of each action — no binding change,
//! no create, no delete.

use reqwest::Method;
use serde_json::json;

use crate::common::loginflow;
use loginflow_emulator::EmulatorOptions;

use crate::common::emulator::Client;

#[tokio::test(flavor = "multi_thread")]
async fn import_then_plan_shows_only_adoption() {
    let emu = Client::start(EmulatorOptions::fast()).await;
    let mut ids = Vec::new();
    for name in ["legacy-a", "legacy b"] {
        let body = json!({
            "name": name,
            "supported_triggers": [{"id": "post-login", "version": "v3"}],
            "code": format!("exports.onExecutePostLogin = async (event, api) => {{ api.idToken.setCustomClaim('https://x.example.com/{name}', 1); }};\n"),
            "dependencies": [{"name": "lodash", "version": "4.17.21"}],
            "secrets": [{"name": "api-key", "value": "imported-secret-value"}],
            "deploy": true
        });
        let (status, created) = emu
            .call(Method::POST, "/api/v2/actions/actions", Some(body))
            .await;
        assert_eq!(status.as_u16(), 201, "{created}");
        ids.push(created["id"].as_str().unwrap().to_string());
    }
    let refs: Vec<_> = ids
        .iter()
        .map(|id| json!({"ref": {"type": "action_id", "value": id}, "display_name": id}))
        .collect();
    let (status, _) = emu
        .call(
            Method::PATCH,
            "/api/v2/actions/triggers/post-login/bindings",
            Some(json!({"bindings": refs})),
        )
        .await;
    assert_eq!(status.as_u16(), 200);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("id"), "local").unwrap();
    let src = format!(
        "version: 1\ntenant:\n  domain: {}\n  credentials:\n    client_id: {{ file: id }}\n    client_secret: {{ file: id }}\n",
        emu.base
    );
    std::fs::write(dir.path().join("src.yaml"), src).unwrap();
    let out = loginflow()
        .current_dir(dir.path())
        .args(["import", "--tenant", "src.yaml", "--out", "imported"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::copy(dir.path().join("id"), dir.path().join("imported/id")).unwrap();
    let code = std::fs::read_to_string(dir.path().join("imported/actions/legacy b.js")).unwrap();
    assert!(
        code.contains("https://x.example.com/legacy b"),
        "code written exactly as deployed"
    );

    let out = loginflow()
        .current_dir(dir.path())
        .env("API_KEY", "imported-secret-value")
        .args([
            "plan",
            "imported/tenant.yaml",
            "--format",
            "json",
            "--detailed-exitcode",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tenant = &doc["tenants"][0];
    let ops: Vec<&str> = tenant["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, vec!["adopt", "adopt"]);
    assert_eq!(
        tenant["bindings"],
        json!([]),
        "the binding order is already right"
    );
    for a in tenant["actions"].as_array().unwrap() {
        assert!(
            a["fields"].as_array().unwrap().is_empty(),
            "runtime and dependencies kept: {a}"
        );
        let diff = a["code_diff"].as_str().unwrap();
        let added: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .collect();
        assert!(
            added.iter().all(|l| l.starts_with("+// ")),
            "only the managed header is added: {added:?}"
        );
    }
}
