//! Shared helpers: render an action from YAML, build realistic events, run a flow in Node.

use std::collections::BTreeMap;

use loginflow::config::ActionConfig;
use loginflow::config::model::Defaults;
use loginflow::config::test_case::HttpStub;
use loginflow::node::{CaseResult, Job, JobAction, JobCase, run_batch};
use loginflow::render::{RenderContext, RenderedAction, render_action};
use serde_json::{Value, json};

/// Renders one action written as YAML, against `acme.eu.auth0.com`.
pub fn render(name: &str, yaml: &str) -> RenderedAction {
    let action: ActionConfig = serde_saphyr::from_str(yaml).expect("action YAML");
    render_config(name, &action)
}

pub fn render_config(name: &str, action: &ActionConfig) -> RenderedAction {
    let defaults = Defaults::default();
    let fingerprints = BTreeMap::new();
    let ctx = RenderContext {
        tenant_domain: "acme.eu.auth0.com",
        owner: loginflow::config::model::DEFAULT_OWNER,
        defaults: &defaults,
        secret_fingerprints: &fingerprints,
        template_dir: None,
        custom_code: None,
    };
    render_action(&ctx, name, action).expect("render")
}

/// A realistic post-login event (fields of the Auth0 post-login event reference).
pub fn event() -> Value {
    json!({
        "transaction": { "id": "txn_7Gm2", "protocol": "oidc-basic-profile", "locale": "en",
            "requested_scopes": ["openid", "profile", "email"], "redirect_uri": "https://app.acme.example.com/callback" },
        "user": {
            "user_id": "auth0|5f7c8ec7c33c6c004bbafe82",
            "email": "ada@acme.example.com",
            "email_verified": true,
            "name": "Ada Lovelace",
            "nickname": "ada",
            "picture": "https://s.gravatar.com/avatar/ada.png",
            "phone_number": "+447700900123",
            "created_at": "2024-02-11T09:30:00.000Z",
            "updated_at": "2026-01-05T08:00:00.000Z",
            "app_metadata": { "org_id": "org_42", "plan": "pro", "team_ids": [3, 9] },
            "user_metadata": { "theme": "dark" },
            "identities": [{ "provider": "auth0", "connection": "Username-Password-Authentication", "isSocial": false }]
        },
        "authorization": { "roles": ["org-admin"] },
        "client": { "client_id": "k3Vb8NqT2mW9xY4zA1cD6fG0hJ5lP7sR", "name": "Acme Web", "metadata": {} },
        "connection": { "id": "con_Wq8z", "name": "Username-Password-Authentication", "strategy": "auth0", "metadata": {} },
        "tenant": { "id": "acme" },
        "request": { "ip": "203.0.113.7", "method": "POST", "hostname": "acme.eu.auth0.com",
            "user_agent": "Mozilla/5.0", "language": "en", "body": {}, "query": {},
            "geoip": { "countryCode": "GB", "cityName": "London" } },
        "stats": { "logins_count": 12 },
        "secrets": {}
    })
}

/// Sets `value` at the dot path `path` of `event` (creating objects on the way).
pub fn set(event: &mut Value, path: &str, value: Value) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().expect("path");
    let mut cur = event;
    for p in parts {
        cur = cur
            .as_object_mut()
            .expect("object")
            .entry(p)
            .or_insert_with(|| json!({}));
    }
    cur.as_object_mut()
        .expect("object")
        .insert(last.into(), value);
}

/// Removes the dot path `path` from `event`.
pub fn remove(event: &mut Value, path: &str) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().expect("path");
    let mut cur = event;
    for p in parts {
        cur = cur.get_mut(p).expect("path exists");
    }
    cur.as_object_mut().expect("object").remove(last);
}

/// A stub answering `method url` with `status` and a JSON body.
pub fn stub(method: &str, url: &str, status: u16, body: Value) -> HttpStub {
    HttpStub {
        method: Some(method.into()),
        url: url.into(),
        status: Some(status),
        body: Some(body),
        raw_body: None,
        delay_ms: None,
        network_error: false,
    }
}

pub fn raw_stub(method: &str, url: &str, raw: &str) -> HttpStub {
    HttpStub {
        raw_body: Some(raw.into()),
        body: None,
        ..stub(method, url, 200, Value::Null)
    }
}

pub fn down_stub(method: &str, url: &str) -> HttpStub {
    HttpStub {
        network_error: true,
        ..stub(method, url, 200, Value::Null)
    }
}

pub fn slow_stub(method: &str, url: &str, delay_ms: u64, body: Value) -> HttpStub {
    HttpStub {
        delay_ms: Some(delay_ms),
        ..stub(method, url, 200, body)
    }
}

/// A case with an event, secrets and stubs.
pub fn case(name: &str, event: Value, secrets: &[(&str, &str)], stubs: Vec<HttpStub>) -> JobCase {
    JobCase {
        name: name.into(),
        event,
        secrets: secrets
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        http_stubs: stubs,
        cache: BTreeMap::new(),
        now_ms: None,
        flow: None,
    }
}

/// Runs cases through a flow of rendered actions (each sees only its own secrets).
pub fn run(actions: &[&RenderedAction], cases: Vec<JobCase>) -> Vec<CaseResult> {
    let job = Job {
        actions: actions
            .iter()
            .map(|a| JobAction {
                name: a.name.clone(),
                code: a.code.clone(),
                secrets: Some(a.secrets.clone()),
            })
            .collect(),
        cases,
        ..Job::default()
    };
    let results = run_batch(&job).expect("node harness");
    for r in &results {
        assert!(
            r.errors.is_empty(),
            "{}: uncaught error: {:?}",
            r.name,
            r.errors
        );
        assert!(r.error.is_none(), "{}: {:?}", r.name, r.error);
        for w in &r.cache_writes {
            assert!(w.error.is_none(), "{}: cache limit broken: {w:?}", r.name);
        }
    }
    results
}

/// Runs one case through one action.
pub fn run_one(action: &RenderedAction, case: JobCase) -> CaseResult {
    run(&[action], vec![case]).remove(0)
}

/// The log lines of a result, joined.
pub fn logs(result: &CaseResult) -> String {
    result
        .logs
        .iter()
        .map(|l| l.message.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(method, url)` of every HTTP call.
pub fn calls(result: &CaseResult) -> Vec<(String, String)> {
    result
        .http_calls
        .iter()
        .map(|c| (c.method.clone(), c.url.clone()))
        .collect()
}

/// Writes `code` to a temporary file and runs `node --check` on it.
pub fn node_check(code: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("action.js");
    std::fs::write(&path, code).expect("write");
    let out = std::process::Command::new("node")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("node is installed");
    assert!(
        out.status.success(),
        "node --check failed:\n{}\n{code}",
        String::from_utf8_lossy(&out.stderr)
    );
}
