//! The apply harness: an emulator in the test, a tenant file in a temp dir pointing at it
//! (credentials and secrets from files), the real binary, and readers of the emulator's stats,
//! request log and live state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use loginflow_emulator::{Emulator, EmulatorOptions, RateLimitSpec};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{emulator_on_runtime, emulator_token, loginflow, texts};

/// One action of a generated tenant file.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    /// `kind: claims` with one literal claim `v` = `value`.
    Claims { name: String, value: String },
    /// `kind: custom` with code `code` (a body line) reading `secrets`.
    Custom {
        name: String,
        code: String,
        secrets: Vec<String>,
    },
}

impl Act {
    pub fn claims(name: &str, value: &str) -> Act {
        Act::Claims {
            name: name.into(),
            value: value.into(),
        }
    }

    pub fn custom(name: &str, code: &str, secrets: &[&str]) -> Act {
        Act::Custom {
            name: name.into(),
            code: code.into(),
            secrets: secrets.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Act::Claims { name, .. } | Act::Custom { name, .. } => name,
        }
    }
}

/// A tenant file's content.
#[derive(Debug, Clone, Default)]
pub struct Tenant {
    pub actions: Vec<Act>,
    /// The `post-login` binding order.
    pub flow: Vec<String>,
    /// Secret name → value (written to files).
    pub secrets: BTreeMap<String, String>,
    pub prune: bool,
    pub unmanaged: Option<&'static str>,
    pub rate_limit: Option<(u32, f64)>,
    /// `tenant.lock_ttl`.
    pub lock_ttl: Option<&'static str>,
    /// `tenant.owner`.
    pub owner: Option<&'static str>,
}

impl Tenant {
    /// Actions bound in the given order.
    pub fn new(actions: Vec<Act>) -> Tenant {
        let flow = actions.iter().map(|a| a.name().to_string()).collect();
        Tenant {
            actions,
            flow,
            ..Tenant::default()
        }
    }

    pub fn secret(mut self, name: &str, value: &str) -> Tenant {
        self.secrets.insert(name.into(), value.into());
        self
    }
}

/// An emulator plus a temp dir holding one tenant file.
pub struct Env {
    pub rt: tokio::runtime::Runtime,
    pub emu: Option<Emulator>,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    token: String,
}

/// The harness's emulator: no rate limit, and builds that take a little time (20 ms), so that
/// apply's waits for `built` are exercised.
pub fn options() -> EmulatorOptions {
    EmulatorOptions {
        build_ms: 20,
        ..EmulatorOptions::fast()
    }
}

impl Env {
    pub fn new() -> Env {
        Env::with(options())
    }

    pub fn with(opts: EmulatorOptions) -> Env {
        let (rt, emu) = emulator_on_runtime(opts);
        let base = emu.base_url();
        let http = crate::common::http();
        let token = rt.block_on(emulator_token(&base, "local"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("id"), "local").unwrap();
        std::fs::write(dir.path().join("secret"), "local").unwrap();
        Env {
            rt,
            emu: Some(emu),
            base,
            dir,
            http,
            token,
        }
    }

    pub fn file(&self) -> PathBuf {
        self.dir.path().join("tenant.yaml")
    }

    /// Writes the tenant file (and its code and secret files).
    pub fn write(&self, t: &Tenant) {
        self.write_as("tenant.yaml", t);
    }

    /// Writes tenant file `name` in the temp dir (and its code and secret files).
    pub fn write_as(&self, name: &str, t: &Tenant) {
        let d = self.dir.path();
        let mut y = format!(
            "version: 1\ntenant:\n  domain: {}\n  credentials: {{ client_id: {{ file: id }}, client_secret: {{ file: secret }} }}\n",
            self.base
        );
        if let Some((burst, per_second)) = t.rate_limit {
            y += &format!("  rate_limit: {{ burst: {burst}, per_second: {per_second} }}\n");
        }
        if let Some(ttl) = t.lock_ttl {
            y += &format!("  lock_ttl: {ttl}\n");
        }
        if let Some(owner) = t.owner {
            y += &format!("  owner: {owner}\n");
        }
        y += "defaults:\n  runtime: node22\n";
        if !t.secrets.is_empty() {
            y += "secrets:\n";
            std::fs::create_dir_all(d.join("secrets")).unwrap();
            for (name, value) in &t.secrets {
                std::fs::write(d.join("secrets").join(name), value).unwrap();
                y += &format!("  {name}: {{ file: secrets/{name} }}\n");
            }
        }
        // An empty map must be written as `{}`: a bare `actions:` is null, which is invalid.
        y += if t.actions.is_empty() {
            "actions: {}\n"
        } else {
            "actions:\n"
        };
        for a in &t.actions {
            match a {
                Act::Claims { name, value } => {
                    y += &format!(
                        "  {name}:\n    kind: claims\n    namespace: https://acme.example.com/\n    claims:\n      - {{ name: v, value: \"{value}\" }}\n"
                    );
                }
                Act::Custom {
                    name,
                    code,
                    secrets,
                } => {
                    let js = format!(
                        "exports.onExecutePostLogin = async (event, api) => {{\n  // {code}\n{}}};\n",
                        secrets
                            .iter()
                            .map(|s| format!("  api.idToken.setCustomClaim(\"https://acme.example.com/{s}\", Boolean(event.secrets.{s}));\n"))
                            .collect::<String>()
                    );
                    std::fs::write(d.join(format!("{name}.js")), js).unwrap();
                    y += &format!("  {name}:\n    kind: custom\n    code: {name}.js\n");
                    if !secrets.is_empty() {
                        y += &format!("    secrets: [{}]\n", secrets.join(", "));
                    }
                }
            }
        }
        y += &format!("flow:\n  post-login: [{}]\n", t.flow.join(", "));
        if let Some(u) = t.unmanaged {
            y += &format!("  unmanaged: {u}\n");
        }
        if t.prune {
            y += "  prune: true\n";
        }
        std::fs::write(d.join(name), y).unwrap();
    }

    /// Runs the binary in the temp dir with stdin closed.
    pub fn run(&self, args: &[&str]) -> Output {
        loginflow()
            .current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Starts `apply tenant.yaml --yes` in the background, output discarded (to kill it).
    pub fn spawn_apply(&self) -> std::process::Child {
        loginflow()
            .current_dir(self.dir.path())
            .args(["apply", "tenant.yaml", "--yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// `unlock tenant.yaml --force` (after a killed apply); panics unless it exits 0.
    pub fn unlock(&self) {
        let out = self.run(&["unlock", "tenant.yaml", "--force"]);
        let (o, e) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "unlock failed\n{o}\n{e}");
    }

    /// Starts `loginflow ARGS` in the background with its output captured.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        loginflow()
            .current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// `apply tenant.yaml --yes [extra]`; panics unless it exits 0.
    pub fn apply_ok(&self, extra: &[&str]) -> String {
        let mut args = vec!["apply", "tenant.yaml", "--yes"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let (o, e) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "apply failed\n{o}\n{e}");
        e
    }

    /// `plan --detailed-exitcode`'s exit code.
    pub fn plan_code(&self) -> i32 {
        let out = self.run(&["plan", "tenant.yaml", "--detailed-exitcode"]);
        let (o, e) = texts(&out);
        let code = out.status.code().unwrap();
        assert!(code == 0 || code == 2, "plan failed\n{o}\n{e}");
        code
    }

    /// Asserts that a fresh plan shows no changes.
    pub fn assert_converged(&self) {
        let out = self.run(&["plan", "tenant.yaml", "--detailed-exitcode"]);
        let (o, e) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "plan not empty\n{o}\n{e}");
    }

    pub fn emu(&self) -> &Emulator {
        self.emu.as_ref().unwrap()
    }

    /// Counts by `METHOD /template` since the last reset, without token requests.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.emu()
            .stats()
            .by_endpoint
            .into_iter()
            .filter(|(k, _)| !k.contains("/oauth/token"))
            .collect()
    }

    /// Write requests (anything but GET) by endpoint, token requests excluded.
    pub fn writes(&self) -> BTreeMap<String, u64> {
        self.counts()
            .into_iter()
            .filter(|(k, _)| !k.starts_with("GET "))
            .collect()
    }

    pub fn reset_stats(&self) {
        self.admin(Method::POST, "/__emulator/reset-stats", None);
    }

    /// Replaces the faults; prints the seed in effect, which replays random faults.
    pub fn set_faults(&self, spec: &str) {
        let v = self.admin(Method::PUT, "/__emulator/faults", Some(json!(spec)));
        if !spec.is_empty() {
            eprintln!("faults `{spec}`: seed={}", v["seed"]);
        }
    }

    /// The request log: `(method, template, path, status, body)`.
    pub fn log(&self) -> Vec<Value> {
        let v = self.admin(Method::GET, "/__emulator/requests", None);
        v["requests"].as_array().cloned().unwrap_or_default()
    }

    fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.rt.block_on(async {
            let mut req = self.http.request(method, format!("{}{path}", self.base));
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.unwrap();
            assert!(resp.status().is_success(), "{path}: {}", resp.status());
            let text = resp.text().await.unwrap();
            serde_json::from_str(&text).unwrap_or(Value::Null)
        })
    }

    /// An authenticated Management API call, as the dashboard would make it.
    pub fn api(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.rt.block_on(async {
            let mut req = self
                .http
                .request(method, format!("{}/api/v2{path}", self.base))
                .bearer_auth(&self.token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    /// Every live action (full objects).
    pub fn actions(&self) -> Vec<Value> {
        let (s, v) = self.api(Method::GET, "/actions/actions?per_page=100", None);
        assert_eq!(s, 200, "{v}");
        v["actions"].as_array().cloned().unwrap_or_default()
    }

    pub fn action(&self, name: &str) -> Value {
        let mut found: Vec<Value> = self
            .actions()
            .into_iter()
            .filter(|a| a["name"] == name)
            .collect();
        assert_eq!(found.len(), 1, "actions named {name}: {found:?}");
        found.remove(0)
    }

    pub fn action_names(&self) -> Vec<String> {
        let mut n: Vec<String> = self
            .actions()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    }

    /// The post-login bindings: `(binding id, action id, action name)` in order.
    pub fn bindings(&self) -> Vec<(String, String, String)> {
        let (s, v) = self.api(
            Method::GET,
            "/actions/triggers/post-login/bindings?per_page=100",
            None,
        );
        assert_eq!(s, 200, "{v}");
        v["bindings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|b| {
                (
                    b["id"].as_str().unwrap_or_default().to_string(),
                    b["action"]["id"].as_str().unwrap_or_default().to_string(),
                    b["action"]["name"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    pub fn bound_names(&self) -> Vec<String> {
        self.bindings().into_iter().map(|b| b.2).collect()
    }

    /// Creates (and optionally deploys) an action the tenant file does not own, as from the
    /// dashboard; returns its id.
    pub fn foreign(&self, name: &str, deploy: bool) -> String {
        let (s, v) = self.api(
            Method::POST,
            "/actions/actions",
            Some(json!({
                "name": name,
                "supported_triggers": [{"id": "post-login", "version": "v3"}],
                "code": format!("exports.onExecutePostLogin = async () => {{}}; // {name}"),
                "deploy": deploy,
            })),
        );
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        self.wait(|| {
            let a = self.action(name);
            a["status"] == "built" && (!deploy || a["deployed_version"]["status"] == "built")
        });
        id
    }

    /// Replaces the post-login bindings with these action names, as from the dashboard.
    pub fn bind(&self, names: &[&str]) {
        let refs: Vec<Value> = names
            .iter()
            .map(|n| json!({"ref": {"type": "action_name", "value": n}}))
            .collect();
        let (s, v) = self.api(
            Method::PATCH,
            "/actions/triggers/post-login/bindings",
            Some(json!({ "bindings": refs })),
        );
        assert_eq!(s, 200, "{v}");
    }

    /// Edits an action's draft without deploying, as from the dashboard.
    pub fn dashboard_edit(&self, name: &str, code: &str) {
        let id = self.action(name)["id"].as_str().unwrap().to_string();
        let (s, v) = self.api(
            Method::PATCH,
            &format!("/actions/actions/{id}"),
            Some(json!({ "code": code })),
        );
        assert_eq!(s, 200, "{v}");
    }

    pub fn wait(&self, mut ok: impl FnMut() -> bool) {
        for _ in 0..1000 {
            if ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("condition never held");
    }

    /// The invariants after any apply, finished or not: no duplicate names, and every bound
    /// action has a deployed version.
    pub fn assert_safe(&self) {
        let actions = self.actions();
        let mut names: Vec<&str> = actions
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate action names: {actions:?}");
        for (_, id, name) in self.bindings() {
            let a = actions.iter().find(|a| a["id"] == id.as_str());
            let a = a.unwrap_or_else(|| panic!("binding to a missing action {name}"));
            assert!(
                a["deployed_version"]["status"] == "built",
                "binding to undeployed action {name}: draft {}, deployed {}",
                a["status"],
                a["deployed_version"]["status"]
            );
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(e) = self.emu.take() {
            self.rt.block_on(e.shutdown());
        }
    }
}

/// A rate limit spec helper.
pub fn limit(burst: u32, per_second: f64) -> Option<RateLimitSpec> {
    Some(RateLimitSpec { burst, per_second })
}

/// The writes of an apply with changes: `items` plus taking (a create) and releasing (a delete)
/// the apply lock.
pub fn with_lock(items: &[(&str, u64)]) -> BTreeMap<String, u64> {
    let mut m = map(items);
    *m.entry("POST /api/v2/actions/actions".into()).or_default() += 1;
    *m.entry("DELETE /api/v2/actions/actions/{id}".into())
        .or_default() += 1;
    m
}

/// Counts as a sorted map literal: `counts(&[("POST /api/v2/actions/actions", 2)])`.
pub fn map(items: &[(&str, u64)]) -> BTreeMap<String, u64> {
    items.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// The path relative to a dir, for messages.
pub fn rel(p: &Path) -> String {
    p.display().to_string()
}
