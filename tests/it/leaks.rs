//! The secret-leak audit: every command, at `-vvv`, on success and failure paths, against the
//! emulator, with known canary values for each secret, the client secret and the access token.
//! No canary may appear in stdout, stderr or any file the tool writes; in the emulator's request
//! log, secret values may appear only in the requests that set them (token exchange, action
//! create and update), and the access token only in the `Authorization` header (never logged).

use std::path::{Path, PathBuf};
use std::process::Output;

use loginflow_emulator::{Emulator, EmulatorOptions};
use serde_json::Value;

use crate::common::loginflow;

const CLIENT_SECRET: &str = "canary-client-secret-4b1d";
const SECRET_A: &str = "canary-secret-a-93f0";
const SECRET_B: &str = "canary-secret-b-7e21";

fn tenant_yaml(base: &str, code_variant: &str) -> String {
    format!(
        r#"version: 1
tenant:
  domain: {base}
  credentials:
    client_id: {{ file: creds/id }}
    client_secret: {{ env: LEAK_CLIENT_SECRET }}
secrets:
  SECRET_A: {{ env: LEAK_SECRET_A }}
  SECRET_B: {{ file: creds/b }}
actions:
  legacy:
    kind: custom
    code: legacy.js
    secrets: [SECRET_A]
  tb:
    kind: tinybird
    workspace_id: 8c2f4e0a-1a2b-4c3d-9e8f-001122334455
    signing_key: SECRET_B
    expires_in: 600
    scopes: [{{ type: "PIPES:READ", resource: top_pages }}]
    claim: https://acme.example.com/tb{code_variant}
flow:
  post-login: [legacy, tb]
"#
    )
}

struct Audit {
    dir: tempfile::TempDir,
    outputs: Vec<(String, Output)>,
}

impl Audit {
    fn new(base: &str) -> Audit {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("creds")).unwrap();
        std::fs::write(dir.path().join("creds/id"), "local").unwrap();
        std::fs::write(dir.path().join("creds/b"), SECRET_B).unwrap();
        std::fs::write(dir.path().join("legacy.js"), "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('https://acme.example.com/k', event.secrets.SECRET_A.length);\n};\n").unwrap();
        std::fs::write(dir.path().join("t.yaml"), tenant_yaml(base, "")).unwrap();
        Audit {
            dir,
            outputs: Vec::new(),
        }
    }

    fn run(&mut self, label: &str, args: &[&str], token: Option<&str>) -> i32 {
        let mut cmd = loginflow();
        cmd.current_dir(self.dir.path())
            .env("LEAK_CLIENT_SECRET", CLIENT_SECRET)
            .env("LEAK_SECRET_A", SECRET_A)
            .env("LOGINFLOW_LOG", "trace")
            .stdin(std::process::Stdio::null())
            .arg("-vvv")
            .args(args);
        if let Some(t) = token {
            cmd.env("AUTH0_ACCESS_TOKEN", t);
        }
        let out = cmd.output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        self.outputs.push((label.to_string(), out));
        code
    }

    fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out)
                } else {
                    out.push(p)
                }
            }
        }
        let mut out = Vec::new();
        walk(self.dir.path(), &mut out);
        out.retain(|p| !p.starts_with(self.dir.path().join("creds")));
        out
    }

    fn assert_clean(&self, canaries: &[&str]) {
        for (label, out) in &self.outputs {
            for stream in [&out.stdout, &out.stderr] {
                let text = String::from_utf8_lossy(stream);
                for c in canaries {
                    assert!(
                        !text.contains(c),
                        "`{label}` printed a canary `{c}`:\n{text}"
                    );
                }
            }
        }
        for f in self.files() {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            for c in canaries {
                assert!(!text.contains(c), "{} holds a canary `{c}`", f.display());
            }
        }
    }
}

async fn request_log(base: &str) -> Vec<Value> {
    let v: Value = reqwest::get(format!("{base}/__emulator/requests"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v.as_array()
        .cloned()
        .or_else(|| v["requests"].as_array().cloned())
        .unwrap_or_default()
}

/// Replaces the emulator's faults; the body uses the `--faults` syntax.
async fn set_faults(base: &str, spec: &str) {
    let r = crate::common::http()
        .put(format!("{base}/__emulator/faults"))
        .body(spec.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_command_leaks_a_secret_or_token() {
    let opts = EmulatorOptions {
        client_secret: CLIENT_SECRET.into(),
        ..EmulatorOptions::fast()
    };
    let emu = Emulator::start(opts).await.unwrap();
    let base = emu.base_url();
    let tok = crate::common::emulator_token(&base, CLIENT_SECRET).await;
    let mut a = Audit::new(&base);

    assert_eq!(a.run("validate", &["validate", "t.yaml"], None), 0);
    // `hasura check` reads no secret value; its refusal (no `hasura` action) prints none either.
    assert_eq!(
        a.run(
            "hasura check",
            &["hasura", "check", "--tenant", "t.yaml"],
            None
        ),
        1
    );
    for format in ["yaml", "json"] {
        let args = ["config", "show", "t.yaml", "--origin", "--format", format];
        assert_eq!(a.run(&format!("config show {format}"), &args, None), 0);
    }
    assert_eq!(
        a.run("render", &["render", "t.yaml", "--out", "rendered"], None),
        0
    );
    for format in ["human", "markdown", "json"] {
        assert_eq!(
            a.run(
                &format!("plan {format}"),
                &["plan", "t.yaml", "--format", format, "--detailed-exitcode"],
                None
            ),
            2
        );
    }
    assert_eq!(
        a.run(
            "plan --out",
            &["plan", "t.yaml", "--out", "plan.json"],
            None
        ),
        0
    );
    assert_eq!(a.run("apply saved plan", &["apply", "plan.json"], None), 0);
    assert_eq!(
        a.run(
            "plan with a given token",
            &["plan", "t.yaml", "--detailed-exitcode"],
            Some(&tok)
        ),
        0
    );

    // Failure paths: a stale plan, a failed build, a rejected client secret.
    std::fs::write(a.dir.path().join("t.yaml"), tenant_yaml(&base, "2")).unwrap();
    assert_eq!(
        a.run(
            "plan --out again",
            &["plan", "t.yaml", "--out", "plan2.json"],
            None
        ),
        0
    );
    assert_eq!(
        a.run("apply to change", &["apply", "t.yaml", "--yes"], None),
        0
    );
    assert_eq!(a.run("stale plan", &["apply", "plan2.json"], None), 1);
    std::fs::write(a.dir.path().join("t.yaml"), tenant_yaml(&base, "3")).unwrap();
    set_faults(&base, "fail-builds=1").await;
    assert_eq!(
        a.run("failed build", &["apply", "t.yaml", "--yes"], None),
        1
    );
    set_faults(&base, "").await;
    let mut bad = loginflow();
    bad.current_dir(a.dir.path())
        .env("LEAK_CLIENT_SECRET", "wrong-secret")
        .env("LEAK_SECRET_A", SECRET_A)
        .arg("-vvv")
        .args(["plan", "t.yaml"]);
    let out = bad.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    a.outputs.push(("401".into(), out));
    assert_eq!(
        a.run(
            "import",
            &["import", "--tenant", "t.yaml", "--out", "imported"],
            None
        ),
        0
    );

    // A pull-request plan without secret values, shown again, then applied with them.
    std::fs::write(a.dir.path().join("t.yaml"), tenant_yaml(&base, "4")).unwrap();
    let blind = [
        "plan",
        "t.yaml",
        "--no-secret-values",
        "--out",
        "plan3.json",
    ];
    assert_eq!(a.run("plan --no-secret-values", &blind, None), 0);
    for format in ["human", "markdown", "json"] {
        let show = ["show", "plan3.json", "--format", format];
        assert_eq!(a.run(&format!("show {format}"), &show, None), 0);
    }
    assert_eq!(a.run("apply blind plan", &["apply", "plan3.json"], None), 0);
    assert_eq!(a.run("graph", &["graph", "t.yaml"], None), 0);
    std::fs::write(a.dir.path().join("t2.yaml"), tenant_yaml(&base, "5")).unwrap();
    for format in ["human", "markdown", "json"] {
        assert_eq!(
            a.run(
                &format!("diff {format}"),
                &["diff", "t.yaml", "t2.yaml", "--format", format],
                None
            ),
            2
        );
    }

    // The audit trail and the way back: history in every format, a rollback, the file list.
    for format in ["human", "markdown", "json"] {
        let args = ["history", "t.yaml", "--format", format];
        assert_eq!(a.run(&format!("history {format}"), &args, None), 0);
    }
    assert_eq!(a.run("rollback", &["rollback", "t.yaml", "--yes"], None), 0);
    assert_eq!(
        a.run("list", &["list", "t.yaml", "--format", "json"], None),
        0
    );

    let logged = a
        .outputs
        .iter()
        .any(|(_, o)| String::from_utf8_lossy(&o.stderr).contains("TRACE"));
    assert!(
        logged,
        "trace logging was on, so the audit saw request logs"
    );
    a.assert_clean(&[CLIENT_SECRET, SECRET_A, SECRET_B, &tok]);

    let setting = [
        "POST /oauth/token",
        "POST /api/v2/actions/actions",
        "PATCH /api/v2/actions/actions/{id}",
    ];
    for r in request_log(&base).await {
        let key = format!(
            "{} {}",
            r["method"].as_str().unwrap_or(""),
            r["template"].as_str().unwrap_or("")
        );
        let text = r.to_string();
        assert!(
            !text.contains(&tok),
            "the token appears in a logged request: {key}"
        );
        if !setting.contains(&key.as_str()) {
            for c in [CLIENT_SECRET, SECRET_A, SECRET_B] {
                assert!(!text.contains(c), "`{c}` was sent in `{key}`");
            }
        }
    }
    emu.shutdown().await;
}
