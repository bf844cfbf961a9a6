//! `import` round trip: a tenant with hand-made actions (secrets, bindings) is imported, and the
//! next `plan` of the written config shows only the adoption of each action — no binding change,
//! no create, no delete.

use reqwest::Method;
use serde_json::json;

use crate::apply::harness::{Act, Env, Tenant};
use crate::common::{loginflow, texts};
use loginflow_emulator::EmulatorOptions;

use crate::common::emulator::Client;

/// Replaces the post-login bindings with `refs`.
async fn bind(emu: &Client, refs: Vec<serde_json::Value>) {
    let (status, _) = emu
        .call(
            Method::PATCH,
            "/api/v2/actions/triggers/post-login/bindings",
            Some(json!({"bindings": refs})),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
}

/// Runs `import` of the emulator's tenant into `imported/` of a temp dir (with the credentials
/// file the written config names); returns the dir and import's stderr.
async fn import(emu: &Client) -> (tempfile::TempDir, String) {
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
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    std::fs::copy(dir.path().join("id"), dir.path().join("imported/id")).unwrap();
    (dir, stderr)
}

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
    bind(&emu, refs).await;
    let (dir, _) = import(&emu).await;
    let code = std::fs::read_to_string(dir.path().join("imported/actions/legacy%20b.js")).unwrap();
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

/// Creates a deployed post-login action named `name` whose code names it.
async fn live_action(emu: &Client, name: &str) {
    let body = json!({
        "name": name,
        "supported_triggers": [{"id": "post-login", "version": "v3"}],
        "code": format!("exports.onExecutePostLogin = async () => {{}}; // code of {}\n", name.escape_debug()),
        "deploy": true
    });
    let (status, created) = emu
        .call(Method::POST, "/api/v2/actions/actions", Some(body))
        .await;
    assert_eq!(status.as_u16(), 201, "{created}");
}

/// Live names a config can hold, file names or not.
const USABLE: [&str; 8] = [
    "a/b",
    "a_b",
    "A_B",
    "with space",
    "ünïcødé ☃",
    "50%",
    ".hidden",
    "..",
];

/// Live names `validate` refuses in a config.
const UNUSABLE: [&str; 3] = ["new\nline", "tab\there", " padded "];

/// Live names that today's import maps to one file (`a/b`, `a_b`), or that no file name can
/// hold as they are: distinct files, a config saying which, and a config that validates.
#[tokio::test(flavor = "multi_thread")]
async fn every_live_name_gets_its_own_file_and_the_config_validates() {
    let emu = Client::start(EmulatorOptions::fast()).await;
    for name in USABLE.iter().chain(&UNUSABLE) {
        live_action(&emu, name).await;
    }
    // Bound in an order the config must keep (all but the names no config can hold).
    let bound: Vec<&str> = vec!["a_b", "a/b", "ünïcødé ☃", "A_B"];
    let refs: Vec<_> = bound
        .iter()
        .map(|n| json!({"ref": {"type": "action_name", "value": n}}))
        .collect();
    bind(&emu, refs).await;
    let (dir, stderr) = import(&emu).await;

    // Each action's file holds its own code, under a name that only it maps to.
    let config = std::fs::read_to_string(dir.path().join("imported/tenant.yaml")).unwrap();
    let files: Vec<String> = std::fs::read_dir(dir.path().join("imported/actions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let lower: std::collections::BTreeSet<String> =
        files.iter().map(|f| f.to_lowercase()).collect();
    assert_eq!(
        lower.len(),
        files.len(),
        "case-insensitive clash: {files:?}"
    );
    for f in &files {
        assert!(
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-%~".contains(c)),
            "{f}"
        );
        assert!(!f.starts_with('.'), "{f}");
        assert!(
            config.contains(&format!("code: \"actions/{f}\"")),
            "{f}\n{config}"
        );
    }
    for name in USABLE {
        let path = config
            .lines()
            .skip_while(|l| *l != format!("  {}:", serde_json::to_string(name).unwrap()))
            .find_map(|l| l.trim().strip_prefix("code: "))
            .unwrap_or_else(|| panic!("no code path for {name}\n{config}"));
        let path: String = serde_json::from_str(path).unwrap();
        let code = std::fs::read_to_string(dir.path().join("imported").join(&path)).unwrap();
        assert!(
            code.contains(&format!("// code of {}\n", name.escape_debug())),
            "{name} → {path}: {code}"
        );
    }
    // The names no config can hold are left alone, and import says so.
    for name in UNUSABLE {
        assert!(
            !config.contains(&serde_json::to_string(name).unwrap()),
            "{config}"
        );
        assert!(
            stderr.contains(&format!("{:?}", name)),
            "not mentioned: {name:?}\n{stderr}"
        );
    }
    assert_eq!(files.len(), USABLE.len(), "{files:?}");

    let out = loginflow()
        .current_dir(dir.path())
        .args(["validate", "imported/tenant.yaml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{config}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = loginflow()
        .current_dir(dir.path())
        .args(["plan", "imported/tenant.yaml", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tenant = &doc["tenants"][0];
    let mut adopted: Vec<&str> = tenant["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["op"], "adopt", "{a}");
            a["name"].as_str().unwrap()
        })
        .collect();
    adopted.sort();
    let mut want = USABLE.to_vec();
    want.sort();
    assert_eq!(adopted, want);
    assert_eq!(tenant["bindings"], json!([]), "the binding order is kept");
    let unowned: Vec<&str> = tenant["unowned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(unowned.len(), 3, "{unowned:?}");
}

/// Imports the Env's tenant with tenant file `src` into `out/` (credential files copied along);
/// returns the written config and import's stderr.
fn import_with(env: &Env, src: &str, out: &str) -> (String, String) {
    let run = env.run(&["import", "--tenant", src, "--out", out]);
    let (_, e) = texts(&run);
    assert_eq!(run.status.code(), Some(0), "{e}");
    let dir = env.dir.path();
    for f in ["id", "secret"] {
        std::fs::copy(dir.join(f), dir.join(out).join(f)).unwrap();
    }
    let config = std::fs::read_to_string(dir.join(out).join("tenant.yaml")).unwrap();
    (config, e)
}

/// The plan of an imported config as `(action, op)`, exit code 2 (changes) required.
fn imported_plan(env: &Env, file: &str) -> Vec<(String, String)> {
    let out = env.run(&["plan", file, "--format", "json", "--detailed-exitcode"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{o}\n{e}");
    let doc: serde_json::Value = serde_json::from_str(&o).unwrap();
    doc["tenants"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let name = a["name"].as_str().unwrap().to_string();
            (name, a["op"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Two tenant files share a tenant: import through one of them leaves out the actions
/// loginflow manages for the other owner (each named on stderr with its owner), keeps its own
/// owner's managed actions (as `custom`, written under the same `tenant.owner`) and the unmanaged
/// ones, and the written config plans without an ownership conflict.
#[test]
fn import_leaves_out_the_actions_of_other_owners() {
    let env = Env::new();
    let mut pay = Tenant::new(vec![Act::claims("pay1", "1"), Act::claims("pay2", "1")]);
    pay.owner = Some("payments");
    env.write_as("payments.yaml", &pay);
    let out = env.run(&["apply", "payments.yaml", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    env.write(&Tenant::new(vec![Act::claims("mine", "1")]));
    env.apply_ok(&[]);
    env.foreign("legacy", true);

    let (config, e) = import_with(&env, "tenant.yaml", "imported");
    for name in ["pay1", "pay2"] {
        assert!(
            e.contains(&format!("warning: left out the live action \"{name}\": loginflow manages it for the owner \"payments\" (another tenant file)")),
            "{e}"
        );
        assert!(!config.contains(name), "{config}");
    }
    assert!(!config.contains("owner:"), "{config}");
    assert!(e.contains("imported 2 action(s)"), "{e}");
    let ops = imported_plan(&env, "imported/tenant.yaml");
    assert!(
        ops.iter().all(|(n, _)| n == "mine" || n == "legacy"),
        "{ops:?}"
    );
    assert!(ops.contains(&("mine".into(), "update".into())), "{ops:?}");
    assert!(ops.contains(&("legacy".into(), "adopt".into())), "{ops:?}");

    // Through the other file: the same owner, and the default owner's action left out.
    let (config, e) = import_with(&env, "payments.yaml", "imported-payments");
    assert!(config.contains("  owner: \"payments\"\n"), "{config}");
    assert!(
        e.contains(
            "left out the live action \"mine\": loginflow manages it for the owner \"default\""
        ),
        "{e}"
    );
    let ops = imported_plan(&env, "imported-payments/tenant.yaml");
    assert!(ops.iter().all(|(n, _)| n != "mine"), "{ops:?}");
    assert!(ops.contains(&("legacy".into(), "adopt".into())), "{ops:?}");
}
