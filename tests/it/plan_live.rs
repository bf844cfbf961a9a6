//! `plan` against a running emulator: the exact requests it sends, the real binary's outputs and
//! exit codes, saved plans, `--all`, and every kind of bad input (each a clear message, nothing
//! written). The emulator runs in this process on 127.0.0.1; the binary reaches it as a
//! standalone emulator (`domain: http://127.0.0.1:PORT`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use loginflow::tenant::{ClientConfig, Credentials, Secret, TenantClient};
use loginflow_emulator::model::{Action, Binding, Build, State, TriggerRef};
use loginflow_emulator::{Emulator, EmulatorOptions, Stats};
use serde_json::{Value, json};

use crate::common::{emulator_on_runtime, emulator_token, loginflow, texts};

/// The emulator's client secret; also the content of the tenant's credential file.
const CLIENT_SECRET: &str = "emu-client-secret-4d1e";
/// The value of the tenant's one secret, read from a file.
const CRM_KEY: &str = "crm-key-value-9b7f31";

/// An emulator on its own runtime, so the test thread can run the binary synchronously.
struct Live {
    rt: tokio::runtime::Runtime,
    emu: Option<Emulator>,
    _dir: Option<tempfile::TempDir>,
}

fn options() -> EmulatorOptions {
    EmulatorOptions {
        client_secret: CLIENT_SECRET.into(),
        ..EmulatorOptions::fast()
    }
}

impl Live {
    fn start(opts: EmulatorOptions) -> Live {
        let (rt, emu) = emulator_on_runtime(opts);
        Live {
            rt,
            emu: Some(emu),
            _dir: None,
        }
    }

    /// Starts with `state` loaded from a state file (how duplicates, which the API refuses,
    /// and large tenants are seeded without counting requests).
    fn with_state(state: &State) -> Live {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        loginflow_emulator::state_file::write(
            &path,
            &loginflow_emulator::state_file::encode(state),
        )
        .unwrap();
        let mut live = Live::start(EmulatorOptions {
            state_file: Some(path),
            ..options()
        });
        live._dir = Some(dir);
        live
    }

    fn emu(&self) -> &Emulator {
        self.emu.as_ref().unwrap()
    }

    fn base(&self) -> String {
        self.emu().base_url()
    }

    fn stats(&self) -> Stats {
        self.emu().stats()
    }

    /// Sends one admin or API request with a fresh token; returns status and JSON body.
    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let base = self.base();
        self.rt.block_on(async move {
            let token = emulator_token(&base, CLIENT_SECRET).await;
            let mut req = crate::common::http()
                .request(method, format!("{base}{path}"))
                .bearer_auth(token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    fn reset_stats(&self) {
        let (s, _) = self.call(reqwest::Method::POST, "/__emulator/reset-stats", None);
        assert_eq!(s, 204);
    }

    fn faults(&self, spec: &str) {
        let base = self.base();
        self.rt.block_on(async move {
            let r = crate::common::http()
                .put(format!("{base}/__emulator/faults"))
                .body(spec.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
        });
    }

    /// Creates, deploys and binds every desired action of `file` as apply would, then zeroes
    /// the counters: afterwards the tenant matches the config.
    fn seed_desired(&self, file: &Path) {
        let p = loginflow::pipeline::prepare(file).unwrap();
        for (trigger, names) in &p.desired.bindings {
            for name in names {
                let a = &p.desired.actions[name];
                let secrets: Vec<Value> = a
                    .secrets
                    .keys()
                    .map(|n| json!({"name": n, "value": p.values.get(n).unwrap().expose()}))
                    .collect();
                let deps: Vec<Value> = a
                    .dependencies
                    .iter()
                    .map(|(n, v)| json!({"name": n, "version": v}))
                    .collect();
                let body = json!({
                    "name": a.name, "code": a.code, "runtime": a.runtime.api_name(),
                    "supported_triggers": [{"id": trigger.id(), "version": "v3"}],
                    "dependencies": deps, "secrets": secrets,
                });
                let (s, created) =
                    self.call(reqwest::Method::POST, "/api/v2/actions/actions", Some(body));
                assert_eq!(s, 201, "{created}");
                let id = created["id"].as_str().unwrap().to_string();
                self.deploy(&id);
            }
            let refs: Vec<Value> = names
                .iter()
                .map(|n| json!({"ref": {"type": "action_name", "value": n}, "display_name": n}))
                .collect();
            let path = format!("/api/v2/actions/triggers/{}/bindings", trigger.id());
            let (s, v) = self.call(
                reqwest::Method::PATCH,
                &path,
                Some(json!({ "bindings": refs })),
            );
            assert_eq!(s, 200, "{v}");
        }
        self.reset_stats();
    }

    fn deploy(&self, id: &str) {
        for _ in 0..200 {
            let (_, a) = self.call(
                reqwest::Method::GET,
                &format!("/api/v2/actions/actions/{id}"),
                None,
            );
            if a["status"] == "built" {
                let path = format!("/api/v2/actions/actions/{id}/deploy");
                let (s, v) = self.call(reqwest::Method::POST, &path, None);
                assert_eq!(s, 200, "{v}");
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("action {id} never built");
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(emu) = self.emu.take() {
            self.rt.block_on(emu.shutdown());
        }
    }
}

/// Requests that change the tenant: anything but reads and the token exchange.
fn writes(stats: &Stats) -> u64 {
    stats
        .by_endpoint
        .iter()
        .filter(|(k, _)| !k.starts_with("GET ") && k.as_str() != "POST /oauth/token")
        .map(|(_, n)| n)
        .sum()
}

fn count(stats: &Stats, key: &str) -> u64 {
    stats.by_endpoint.get(key).copied().unwrap_or(0)
}

/// A temporary project: `tenants/*.yaml`, credential files and a secret file.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("tenants");
        std::fs::create_dir_all(t.join("creds")).unwrap();
        std::fs::write(t.join("creds/id"), "local").unwrap();
        std::fs::write(t.join("creds/secret"), CLIENT_SECRET).unwrap();
        std::fs::write(t.join("creds/crm"), CRM_KEY).unwrap();
        Project { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `tenants/NAME.yaml` for the tenant at `domain`; returns its relative path.
    fn tenant(&self, name: &str, domain: &str) -> String {
        self.tenant_with(name, domain, "")
    }

    /// Like [`Project::tenant`], with extra top-level YAML appended.
    fn tenant_with(&self, name: &str, domain: &str, extra: &str) -> String {
        let rel = format!("tenants/{name}.yaml");
        let text = format!(
            r#"version: 1
tenant:
  domain: "{domain}"
  credentials:
    client_id: {{ file: creds/id }}
    client_secret: {{ file: creds/secret }}
defaults:
  runtime: node22
secrets:
  CRM_API_KEY: {{ file: creds/crm }}
actions:
  static-claims:
    kind: claims
    namespace: https://acme.example.com/
    claims:
      - {{ name: org_id, path: user.app_metadata.org_id }}
  crm-sync:
    kind: enrich
    url: https://crm.acme.example.com/v1/contacts
    body: {{ phoneNumber: user.phone_number }}
    auth:
      header: {{ name: x-api-key, secret: CRM_API_KEY }}
    map:
      - {{ from: externalId, claim: https://acme.example.com/crm_id }}
flow:
  post-login: [static-claims, crm-sync]
{extra}"#
        );
        std::fs::write(self.root().join(&rel), text).unwrap();
        rel
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    fn plan(&self, args: &[&str]) -> Output {
        loginflow()
            .current_dir(self.root())
            .arg("plan")
            .args(args)
            .output()
            .unwrap()
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// A live action as the state file holds it: post-login, built, never deployed, not ours.
fn state_action(i: usize, name: &str, trigger: &str, runtime: &str) -> Action {
    Action {
        id: format!("{i:08x}-0000-4000-8000-000000000000"),
        name: name.into(),
        supported_triggers: vec![TriggerRef {
            id: trigger.into(),
            version: "v3".into(),
        }],
        created_at: 1_767_225_600_000_000_000,
        updated_at: 1_767_225_600_000_000_000,
        code: "exports.onExecutePostLogin = async (event, api) => {};\n".into(),
        dependencies: Vec::new(),
        runtime: runtime.into(),
        secrets: Vec::new(),
        build: Build {
            started: 0,
            duration_ms: 0,
            fails: false,
        },
        all_changes_deployed: false,
        versions: Vec::new(),
        deployed: None,
    }
}

fn state_with(n: usize) -> State {
    State {
        actions: (0..n)
            .map(|i| state_action(i, &format!("foreign-{i:03}"), "post-login", "node22"))
            .collect(),
        ..State::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Request counts

#[test]
fn reads_the_tenant_with_the_fewest_requests() {
    // One token request; the actions list by pages of 100; one bindings read per managed
    // trigger (the config manages `post-login` only). The client stops paging on a short page
    // or as soon as `total` says it has everything, so:
    //   1 action    → page 0 (1 item, short)                          → 1 list request
    //   100 actions → page 0 (100 items, total 100: all counted)      → 1 list request
    //   250 actions → pages 0, 1 (100 each) and 2 (50 items, short)   → 3 list requests
    // The 100 case is the one `total` saves: without it the client would ask for an empty page 1.
    let project = Project::new();
    for (n, list_requests) in [(1usize, 1u64), (100, 1), (250, 3)] {
        let live = Live::with_state(&state_with(n));
        let rel = project.tenant(&format!("count{n}"), &live.base());
        let out = project.plan(&[&rel]);
        let (stdout, stderr) = texts(&out);
        assert_eq!(code(&out), 0, "{n}: {stderr}");
        assert!(stdout.contains("2 to create"), "{n}: {stdout}");
        let stats = live.stats();
        assert_eq!(count(&stats, "POST /oauth/token"), 1, "{n}: {stats:?}");
        assert_eq!(
            count(&stats, "GET /api/v2/actions/actions"),
            list_requests,
            "{n}: {stats:?}"
        );
        assert_eq!(
            count(&stats, "GET /api/v2/actions/triggers/{triggerId}/bindings"),
            1,
            "{n}: {stats:?}"
        );
        assert_eq!(stats.total, 2 + list_requests, "{n}: {stats:?}");
        let pages: Vec<String> = live
            .rt
            .block_on(
                crate::common::http()
                    .get(format!("{}/__emulator/requests", live.base()))
                    .send(),
            )
            .map(|r| live.rt.block_on(r.json::<Value>()).unwrap())
            .unwrap()["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["template"] == "/api/v2/actions/actions")
            .map(|r| r["path"].as_str().unwrap().to_string())
            .collect();
        assert!(
            pages.iter().all(|p| p.contains("per_page=100")),
            "{pages:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Outputs and exit codes

#[test]
fn human_markdown_and_json_outputs_with_detailed_exit_codes() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());

    // An empty tenant: two creates and the post-login binding list.
    let out = project.plan(&[&rel, "--detailed-exitcode"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(!stdout.contains('\x1b'), "colour in a pipe: {stdout:?}");
    assert!(stdout.contains("Tenant tenants/acme.yaml"), "{stdout}");
    assert!(
        stdout.contains("+ create crm-sync (post-login)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+ create static-claims (post-login)"),
        "{stdout}"
    );
    assert!(stdout.contains("secrets: + CRM_API_KEY"), "{stdout}");
    assert!(
        stdout.contains("Plan: 2 to create, 1 binding list to replace."),
        "{stdout}"
    );
    assert!(!stdout.contains(CRM_KEY) && !stderr.contains(CRM_KEY));
    // Without --detailed-exitcode, changes still exit 0.
    assert_eq!(code(&project.plan(&[&rel])), 0);

    let out = project.plan(&[&rel, "--format", "markdown"]);
    let (md, _) = texts(&out);
    assert_eq!(code(&out), 0);
    let summary_at = md.find("2 to create").unwrap();
    let details_at = md.find("<details>").unwrap();
    assert!(summary_at < details_at, "summary first: {md}");
    let diagram_at = md.find("```mermaid\nflowchart LR\n").unwrap();
    assert!(diagram_at < md.find("| | action |").unwrap(), "{md}");
    assert!(md.contains("crm-sync") && md.len() < 65_535);

    let out = project.plan(&[&rel, "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["tool_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["has_changes"], true);
    let t = &doc["tenants"][0];
    assert_eq!(t["tenant"], "tenants/acme.yaml");
    assert_eq!(t["has_changes"], true);
    let ops: Vec<(&str, &str)> = t["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["op"].as_str().unwrap()))
        .collect();
    assert_eq!(ops, [("crm-sync", "create"), ("static-claims", "create")]);
    assert_eq!(t["actions"][0]["secrets"]["added"], json!(["CRM_API_KEY"]));
    assert_eq!(
        t["bindings"],
        json!([{"trigger": "post-login", "before": [], "after": ["static-claims", "crm-sync"]}])
    );
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "has_changes",
            "summary",
            "tenant",
            "actions",
            "bindings",
            "unowned",
            "warnings",
            "kept",
            "live",
            "flows"
        ]
    );
    // The changed trigger's flow: both actions join it, in the config's order.
    let steps: Vec<(&str, &str)> = t["flows"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(steps, [("static-claims", "added"), ("crm-sync", "added")]);
    assert_eq!(
        t["flows"][0]["steps"][1]["calls"],
        json!([{"kind": "backend", "target": "crm.acme.example.com"}])
    );

    // Once the tenant matches the config: no changes, exit 0 under --detailed-exitcode.
    live.seed_desired(&project.path(&rel));
    let out = project.plan(&[&rel, "--detailed-exitcode"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 0, "{stdout}{stderr}");
    assert!(stdout.contains("Plan: no changes."), "{stdout}");
    assert_eq!(writes(&live.stats()), 0);

    // An error wins over changes: exit 1.
    std::fs::write(project.path("tenants/creds/secret"), "wrong").unwrap();
    let out = project.plan(&[&rel, "--detailed-exitcode"]);
    assert_eq!(code(&out), 1, "{:?}", texts(&out));
}

#[test]
fn saved_plan_holds_fingerprints_but_no_secret_or_token() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    live.seed_desired(&project.path(&rel));
    // A new secret value: a secrets update, visible only through its fingerprint.
    std::fs::write(project.path("tenants/creds/crm"), "rotated-crm-key-55aa").unwrap();
    // A ready token instead of client credentials, so the test knows the token to look for.
    let token = live
        .rt
        .block_on(emulator_token(&live.base(), CLIENT_SECRET));
    std::fs::write(project.path("tenants/creds/token"), &token).unwrap();
    let text = std::fs::read_to_string(project.path(&rel))
        .unwrap()
        .replace(
            "    client_id: { file: creds/id }\n    client_secret: { file: creds/secret }\n",
            "    access_token: { file: creds/token }\n",
        );
    std::fs::write(project.path(&rel), text).unwrap();

    let out = project.plan(&[&rel, "--out", "plan.json", "--detailed-exitcode", "-v"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(
        stdout.contains("secrets: ~ CRM_API_KEY (value changed)"),
        "{stdout}"
    );
    let saved = std::fs::read_to_string(project.root().join("plan.json")).unwrap();
    for secret in [
        CRM_KEY,
        "rotated-crm-key-55aa",
        CLIENT_SECRET,
        token.as_str(),
    ] {
        assert!(!saved.contains(secret), "the saved plan holds `{secret}`");
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
    let plan = loginflow::plan::saved::SavedPlan::parse(&saved).unwrap();
    let t = &plan.tenants[0];
    assert_eq!(t.file, "tenants/acme.yaml");
    assert!(t.secret_fingerprints["crm-sync"]["CRM_API_KEY"].starts_with("$argon2id$"));
    assert_eq!(t.plan.live.actions.len(), 2);
    assert!(
        t.plan
            .live
            .actions
            .values()
            .all(|a| a.deployed_version.is_some())
    );
    assert_eq!(t.plan.live.bindings["post-login"].len(), 2);
    assert_eq!(writes(&live.stats()), 0);
}

#[test]
fn plan_all_runs_tenants_concurrently_grouped_by_tenant_with_the_worst_exit_code() {
    // Concurrency itself is measured by `examples/plan_bench.rs` (20 tenants take about the
    // time of one); tests assert counts and states, not time. Here: grouping, order, exit code.
    let a = Live::start(options());
    let b = Live::start(options());
    let project = Project::new();
    project.tenant("a-clean", &a.base());
    project.tenant("b-changes", &b.base());
    a.seed_desired(&project.path("tenants/a-clean.yaml"));
    // The third tenant cannot be reached: it is an error, so the worst exit code is 1.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    project.tenant("c-down", &format!("http://127.0.0.1:{port}"));

    let out = project.plan(&["--all", "--detailed-exitcode"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 1, "{stdout}{stderr}");
    let first = stdout.find("Tenant tenants/a-clean.yaml").unwrap();
    let second = stdout.find("Tenant tenants/b-changes.yaml").unwrap();
    assert!(first < second, "{stdout}");
    assert!(stdout[first..second].contains("Plan: no changes."));
    assert!(stdout[second..].contains("Plan: 2 to create"));
    assert!(stderr.contains("c-down.yaml"), "{stderr}");
    assert!(
        stderr.contains("tenants/c-down.yaml: connection to `127.0.0.1` refused"),
        "{stderr}"
    );

    // Without the failing tenant: the worst is "changes".
    std::fs::remove_file(project.path("tenants/c-down.yaml")).unwrap();
    let out = project.plan(&["--all", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(code(&out), 2, "{:?}", texts(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tenants: Vec<&str> = doc["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenant"].as_str().unwrap())
        .collect();
    assert_eq!(tenants, ["tenants/a-clean.yaml", "tenants/b-changes.yaml"]);
    assert_eq!(writes(&a.stats()) + writes(&b.stats()), 0);
}

// ---------------------------------------------------------------------------------------------
// Bad input: a clear message naming the object, nothing written.

#[test]
fn unreachable_domain_names_the_host() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let project = Project::new();
    let rel = project.tenant("down", &format!("http://127.0.0.1:{port}"));
    let out = project.plan(&[&rel]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 1);
    assert!(stdout.is_empty(), "{stdout}");
    // The client names the host; the file (which holds the port) says which tenant it was.
    assert!(
        stderr.contains("tenants/down.yaml: connection to `127.0.0.1` refused"),
        "{stderr}"
    );
}

#[test]
fn dns_failure_names_the_domain() {
    // `.invalid` never resolves (RFC 6761): the only traffic is a DNS lookup that fails.
    let project = Project::new();
    let rel = project.tenant("nxdomain", "acme-loginflow-test.invalid");
    let out = project.plan(&[&rel]);
    let (_, stderr) = texts(&out);
    assert_eq!(code(&out), 1);
    assert!(stderr.contains("acme-loginflow-test.invalid"), "{stderr}");
    assert!(stderr.contains("tenants/nxdomain.yaml"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("dns") || stderr.contains("resolve"),
        "{stderr}"
    );
}

#[test]
fn https_to_an_emulator_whose_certificate_loginflow_ca_cert_names() {
    let certs = tempfile::tempdir().unwrap();
    let live = Live::start(EmulatorOptions {
        tls_cert_dir: Some(certs.path().to_path_buf()),
        ..options()
    });
    let base = live.base();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let project = Project::new();
    let rel = project.tenant("acme", &base);
    let plan_with = |ca: Option<&Path>| {
        let mut cmd = loginflow();
        cmd.current_dir(project.root()).args(["plan", &rel]);
        match ca {
            Some(ca) => cmd.env("LOGINFLOW_CA_CERT", ca),
            None => cmd.env_remove("LOGINFLOW_CA_CERT"),
        };
        cmd.output().unwrap()
    };

    // Trusted: the plan is read over https (token, actions, bindings).
    let out = plan_with(Some(&certs.path().join("cert.pem")));
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 0, "{stderr}");
    assert!(stdout.contains("static-claims"), "{stdout}");
    assert_eq!(live.stats().total, 3, "{:?}", live.stats());

    // Only the platform's roots: the handshake fails, nothing reaches the API.
    let out = plan_with(None);
    let (_, stderr) = texts(&out);
    assert_eq!(code(&out), 1);
    assert!(stderr.to_lowercase().contains("tls"), "{stderr}");
    assert!(stderr.contains("tenants/acme.yaml"), "{stderr}");

    // A file that is not a certificate, and one that does not exist: named, nothing sent.
    let not_pem = project.path("tenants/creds/id");
    for (ca, expect) in [
        (not_pem.as_path(), "holds no PEM certificate"),
        (Path::new("/nonexistent/cert.pem"), "could not read"),
    ] {
        let out = plan_with(Some(ca));
        let (_, stderr) = texts(&out);
        assert_eq!(code(&out), 1, "{stderr}");
        assert!(stderr.contains("LOGINFLOW_CA_CERT"), "{stderr}");
        assert!(stderr.contains(expect), "{stderr}");
        assert!(stderr.contains(&ca.display().to_string()), "{stderr}");
    }
    assert_eq!(live.stats().total, 3, "{:?}", live.stats());
}

/// Without `LOGINFLOW_CA_CERT`, roots come from the platform: the CA bundle file
/// (`SSL_CERT_FILE`) first, then the certificate directories (`SSL_CERT_DIR`), as the platform
/// verifier reads them.
#[test]
fn https_roots_come_from_the_bundle_file_and_then_the_certificate_directories() {
    let certs = tempfile::tempdir().unwrap();
    let live = Live::start(EmulatorOptions {
        tls_cert_dir: Some(certs.path().to_path_buf()),
        ..options()
    });
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    let ca = certs.path().join("cert.pem");
    let other = project.path("other.pem");
    let other_cert = rcgen::generate_simple_self_signed(vec!["elsewhere.example".to_string()]);
    std::fs::write(&other, other_cert.unwrap().cert.pem()).unwrap();
    let empty_dir = tempfile::tempdir().unwrap();
    let plan_with = |file: &Path, dir: &Path| {
        let out = loginflow()
            .current_dir(project.root())
            .args(["plan", &rel])
            .env_remove("LOGINFLOW_CA_CERT")
            .env("SSL_CERT_FILE", file)
            .env("SSL_CERT_DIR", dir)
            .output()
            .unwrap();
        let (_, stderr) = texts(&out);
        (code(&out), stderr)
    };

    // In the bundle file.
    let (status, stderr) = plan_with(&ca, empty_dir.path());
    assert_eq!(status, 0, "{stderr}");
    // Only in a certificate directory: the bundle does not have it, the full store does.
    let (status, stderr) = plan_with(&other, certs.path());
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(live.stats().total, 6, "{:?}", live.stats());
    // In neither: refused, and nothing reaches the API.
    let (status, stderr) = plan_with(&other, empty_dir.path());
    assert_eq!(status, 1);
    assert!(stderr.to_lowercase().contains("tls"), "{stderr}");
    assert_eq!(live.stats().total, 6, "{:?}", live.stats());
}

#[test]
fn tls_failure_is_reported_without_retrying() {
    // https to the emulator's plain-http port.
    let live = Live::start(options());
    let port = live.emu().addr().port();
    let err = live.rt.block_on(async {
        let client = TenantClient::new(ClientConfig::new(
            format!("https://127.0.0.1:{port}"),
            Credentials::ClientCredentials {
                client_id: "local".into(),
                client_secret: Secret::new(CLIENT_SECRET),
            },
        ))
        .unwrap();
        client.list_actions().await.unwrap_err()
    });
    let text = err.to_string();
    assert!(text.to_lowercase().contains("tls"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(!text.contains(CLIENT_SECRET));
    let stats = live.stats();
    assert_eq!(stats.total, 0, "{stats:?}");
}

#[test]
fn bad_client_secret_is_a_401_before_any_read() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    std::fs::write(project.path("tenants/creds/secret"), "not-the-secret").unwrap();
    let out = project.plan(&[&rel]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("401"), "{stderr}");
    assert!(stderr.contains("tenants/acme.yaml"), "{stderr}");
    assert!(!stderr.contains("not-the-secret"));
    let stats = live.stats();
    assert_eq!(stats.total, count(&stats, "POST /oauth/token"), "{stats:?}");
}

#[test]
fn missing_scope_is_named() {
    let live = Live::start(options());
    live.faults("deny-scope=read:actions");
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    let out = project.plan(&[&rel]);
    let (_, stderr) = texts(&out);
    assert_eq!(code(&out), 1);
    assert!(stderr.contains("read:actions"), "{stderr}");
    assert!(stderr.contains("tenants/acme.yaml"), "{stderr}");
    assert_eq!(writes(&live.stats()), 0);
}

#[test]
fn duplicate_live_names_are_an_error_naming_both_ids() {
    let mut state = state_with(0);
    state
        .actions
        .push(state_action(1, "static-claims", "post-login", "node22"));
    state
        .actions
        .push(state_action(2, "static-claims", "post-login", "node22"));
    let live = Live::with_state(&state);
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    let out = project.plan(&[&rel, "--detailed-exitcode"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 1, "{stdout}");
    assert!(
        stderr.contains("2 actions named `static-claims`"),
        "{stderr}"
    );
    assert!(stderr.contains(&state.actions[0].id), "{stderr}");
    assert!(stderr.contains(&state.actions[1].id), "{stderr}");
    assert_eq!(writes(&live.stats()), 0);
}

#[test]
fn an_action_on_a_trigger_the_config_does_not_put_it_on_is_an_error() {
    // The config puts `static-claims` on post-login; the tenant has it on credentials-exchange,
    // bound there. Moving it would leave that binding pointing at an action of another trigger.
    let mut state = state_with(0);
    state.actions.push(state_action(
        1,
        "static-claims",
        "credentials-exchange",
        "node22",
    ));
    state.bindings.insert(
        "credentials-exchange".into(),
        vec![Binding {
            id: "b-1".into(),
            action_id: state.actions[0].id.clone(),
            display_name: "static-claims".into(),
            created_at: 1_767_225_600_000_000_000,
        }],
    );
    let live = Live::with_state(&state);
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    let out = project.plan(&[&rel]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 1, "{stdout}");
    assert!(stderr.contains("`static-claims`"), "{stderr}");
    assert!(stderr.contains("credentials-exchange"), "{stderr}");
    assert_eq!(writes(&live.stats()), 0);
}

#[test]
fn an_unowned_action_of_an_unknown_trigger_is_listed_and_left_alone() {
    let mut state = state_with(0);
    state.actions.push(state_action(
        1,
        "sms-gateway",
        "custom-phone-provider",
        "node22",
    ));
    let live = Live::with_state(&state);
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    let out = project.plan(&[&rel]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 0, "{stderr}");
    assert!(
        stdout.contains("unmanaged (left alone): sms-gateway (custom-phone-provider, not bound)"),
        "{stdout}"
    );
    assert_eq!(writes(&live.stats()), 0);
}

#[test]
fn a_live_action_with_an_unknown_runtime_is_a_warning() {
    let mut state = state_with(0);
    state
        .actions
        .push(state_action(1, "legacy-hook", "post-login", "node12"));
    let live = Live::with_state(&state);
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    let out = project.plan(&[&rel, "--format", "json"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let warnings = doc["tenants"][0]["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("`legacy-hook`")
                && w.as_str().unwrap().contains("node12")),
        "{warnings:?}"
    );
    assert_eq!(writes(&live.stats()), 0);
}

#[test]
fn missing_secret_values_are_listed_together_and_nothing_is_sent() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = project.tenant_with(
        "acme",
        &live.base(),
        "", // the base file has one secret; add two more that are missing
    );
    let text = std::fs::read_to_string(project.path(&rel)).unwrap().replace(
        "  CRM_API_KEY: { file: creds/crm }\n",
        "  CRM_API_KEY: { file: creds/missing-crm }\n  OTHER_KEY: { env: LOGINFLOW_TEST_UNSET_OTHER }\n",
    );
    std::fs::write(project.path(&rel), text).unwrap();
    let out = project.plan(&[&rel]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 1, "{stdout}");
    assert!(stderr.contains("CRM_API_KEY"), "{stderr}");
    assert!(stderr.contains("OTHER_KEY"), "{stderr}");
    assert_eq!(live.stats().total, 0);
}

/// Writes a `timeout_ms` below the minimum into the tenant file: the model accepts the file and
/// only the schema refuses it.
fn refused_only_by_the_schema(project: &Project, rel: &str) {
    let text = std::fs::read_to_string(project.path(rel)).unwrap().replace(
        "    kind: enrich\n",
        "    kind: enrich\n    timeout_ms: 50\n",
    );
    std::fs::write(project.path(rel), text).unwrap();
}

/// The diagnostics `validate` prints for a file, without its summary line.
fn validate_diagnostics(project: &Project, rel: &str) -> String {
    let out = crate::common::run_in(project.root(), &["validate", rel]);
    assert_eq!(code(&out), 1);
    let (_, stderr) = texts(&out);
    let block = stderr.split("\n\n").next().unwrap_or_default().to_string();
    assert!(block.contains("error[invalid-value]"), "{stderr}");
    block
}

#[test]
fn a_file_only_the_schema_refuses_is_reported_as_validate_reports_it_and_nothing_is_written() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    refused_only_by_the_schema(&project, &rel);
    let want = validate_diagnostics(&project, &rel);
    for args in [vec!["plan", &rel], vec!["apply", &rel, "--yes", "--prune"]] {
        let out = crate::common::run_in(project.root(), &args);
        let (stdout, stderr) = texts(&out);
        assert_eq!(code(&out), 1, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(
            stderr.starts_with(&want),
            "{args:?}:\n{stderr}\nwant:\n{want}"
        );
        assert_eq!(stderr.matches("error[").count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("error: `{rel}` has 1 error(s); fix them first")),
            "{stderr}"
        );
    }
    assert_eq!(writes(&live.stats()), 0);
}

#[test]
fn the_file_s_own_errors_win_over_a_refused_token() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    refused_only_by_the_schema(&project, &rel);
    std::fs::write(project.path("tenants/creds/secret"), "not-the-secret").unwrap();
    let want = validate_diagnostics(&project, &rel);
    let out = project.plan(&[&rel]);
    let (_, stderr) = texts(&out);
    assert_eq!(code(&out), 1);
    assert!(stderr.starts_with(&want), "{stderr}");
    assert!(!stderr.contains("401"), "{stderr}");
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
    // No request is sent for an invalid file.
    assert_eq!(live.stats().total, 0);
}

#[test]
fn the_file_s_own_errors_win_over_missing_credentials_and_a_missing_secret() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = project.tenant("acme", &live.base());
    refused_only_by_the_schema(&project, &rel);
    let want = validate_diagnostics(&project, &rel);
    // No client secret: the connection cannot be set up.
    std::fs::rename(
        project.path("tenants/creds/secret"),
        project.path("tenants/creds/secret.away"),
    )
    .unwrap();
    for args in [vec!["plan", &rel], vec!["apply", &rel, "--yes"]] {
        let out = crate::common::run_in(project.root(), &args);
        let (_, stderr) = texts(&out);
        assert_eq!(code(&out), 1, "{args:?}");
        assert!(stderr.starts_with(&want), "{args:?}:\n{stderr}");
    }
    // The credentials back, a secret value missing instead.
    std::fs::rename(
        project.path("tenants/creds/secret.away"),
        project.path("tenants/creds/secret"),
    )
    .unwrap();
    std::fs::remove_file(project.path("tenants/creds/crm")).unwrap();
    let out = project.plan(&[&rel]);
    let (_, stderr) = texts(&out);
    assert_eq!(code(&out), 1);
    assert!(stderr.starts_with(&want), "{stderr}");
    assert_eq!(live.stats().total, 0);
}

#[test]
fn warnings_are_printed_once_even_when_the_tenant_cannot_be_reached() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = with_an_unused_secret(&project, &live.base());
    std::fs::remove_file(project.path("tenants/creds/secret")).unwrap();
    let out = project.plan(&[&rel]);
    let (_, stderr) = texts(&out);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr.matches("warning[unused-secret]").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("creds/secret"), "{stderr}");
}

/// The standard tenant with a second secret no action uses (a warning, nothing else).
fn with_an_unused_secret(project: &Project, domain: &str) -> String {
    let rel = project.tenant("acme", domain);
    let text = std::fs::read_to_string(project.path(&rel))
        .unwrap()
        .replace(
            "  CRM_API_KEY: { file: creds/crm }\n",
            "  CRM_API_KEY: { file: creds/crm }\n  SPARE: { file: creds/crm }\n",
        );
    std::fs::write(project.path(&rel), text).unwrap();
    rel
}

#[test]
fn warnings_of_a_valid_file_are_printed_once_with_the_plan() {
    let live = Live::start(options());
    let project = Project::new();
    let rel = with_an_unused_secret(&project, &live.base());
    let out = project.plan(&[&rel]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 0, "{stderr}");
    assert_eq!(
        stderr.matches("warning[unused-secret]").count(),
        1,
        "{stderr}"
    );
    assert!(stdout.contains("+ create"), "{stdout}");
}

/// Several files with errors: their diagnostics come out in the order the files were given,
/// however the work is spread. The first file is by far the largest, so that it is the slowest
/// to check.
#[test]
fn diagnostics_of_several_files_print_in_the_order_given() {
    let project = Project::new();
    let many: String = (0..400)
        .map(|i| format!("  filler-{i}:\n    kind: claims\n    namespace: https://acme.example.com/\n    claims:\n      - {{ name: c{i}, value: \"v\" }}\n"))
        .collect();
    let big = project.tenant_with("a", "http://127.0.0.1:9", "bogus_a: 1\n");
    let text = std::fs::read_to_string(project.path(&big))
        .unwrap()
        .replace("actions:\n", &format!("actions:\n{many}"));
    std::fs::write(project.path(&big), text).unwrap();
    let files: Vec<String> = std::iter::once(big)
        .chain(
            ["b", "c", "d", "e", "f"]
                .map(|n| project.tenant_with(n, "http://127.0.0.1:9", &format!("bogus_{n}: 1\n"))),
        )
        .collect();
    for command in ["plan", "apply"] {
        let mut args = vec![command];
        args.extend(files.iter().map(String::as_str));
        args.push("--yes");
        if command == "plan" {
            args.pop();
        }
        let out = crate::common::run_in(project.root(), &args);
        let (_, stderr) = texts(&out);
        assert_eq!(code(&out), 1, "{stderr}");
        let at: Vec<usize> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|n| {
                let needle = format!("unknown field `bogus_{n}`");
                stderr
                    .find(&needle)
                    .unwrap_or_else(|| panic!("{needle}: {stderr}"))
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{command}: {stderr}");
    }
}

/// `apply` over several tenants shows every plan, then asks once (here: refuses once, since
/// stdin is not a terminal), and writes nothing.
#[test]
fn apply_of_several_tenants_shows_every_plan_then_asks_once() {
    let a = Live::start(options());
    let b = Live::start(options());
    let project = Project::new();
    let ra = project.tenant("a", &a.base());
    let rb = project.tenant("b", &b.base());
    let out = crate::common::run_in(project.root(), &["apply", &ra, &rb]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(code(&out), 1, "{stdout}{stderr}");
    let first = stdout.find("Tenant tenants/a.yaml").expect(&stdout);
    let second = stdout.find("Tenant tenants/b.yaml").expect(&stdout);
    assert!(first < second, "{stdout}");
    assert_eq!(stderr.matches("not a terminal").count(), 1, "{stderr}");
    assert_eq!(writes(&a.stats()) + writes(&b.stats()), 0);
}
