//! Byte-exact responses: the emulator's JSON bodies (key order, omitted keys, escaping) are
//! recorded from a fixed tenant and compared byte for byte, so a change in how bodies are built
//! or serialized cannot change what clients receive.
//!
//! The tenant is loaded from a state file with fixed ids and timestamps. Builds and versions
//! are placed in 2001 (finished) or 2099 (still pending), so every status is deterministic
//! without controlling the clock. Reads are recorded verbatim; the answers to writes, which
//! carry fresh UUIDs and the current time, are recorded with those two replaced by `[uuid]` and
//! `[now]` (the fixed ids are not version-4 UUIDs and the fixed times are not in 2020–2089, so
//! the filters never touch them). The state file written after the writes is recorded the same
//! way, which pins its format too.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;

use loginflow_emulator::{EmulatorOptions, RateLimitSpec};
use reqwest::Method;
use serde_json::{Value, json};

use super::support::Client;

/// 2001-09-09T01:46:40Z: builds and versions that are over.
const PAST: u64 = 1_000_000_000_000_000_000;
/// 2099-01-01T00:00:00Z: builds and versions still pending.
const FUTURE: u64 = 4_070_908_800_000_000_000;

const A_BUILT: &str = "00000000-0000-0000-0000-0000000000a1";
const A_PENDING: &str = "00000000-0000-0000-0000-0000000000a2";
const A_FAILED: &str = "00000000-0000-0000-0000-0000000000a3";
const A_LIVE: &str = "00000000-0000-0000-0000-0000000000a4";
const A_WAITING: &str = "00000000-0000-0000-0000-0000000000a5";

/// Code with everything JSON escaping has to handle: quotes, backslashes, newlines, tabs, a
/// carriage return, control characters, non-ASCII (left as UTF-8) and U+2028.
const TRICKY_CODE: &str = "/* \"quoted\" \\ back\\slash */\nexports.onExecutePostLogin = async (event, api) => {\n\tapi.idToken.setClaim(\"https://x/claim\", 'é 🚀 </script>\u{2028}');\r\n\tconst ctl = \"\u{1}\u{1f}\u{7f}\";\n};\n";

fn trigger(id: &str, version: &str) -> Value {
    json!([{ "id": id, "version": version }])
}

fn secret(name: &str, at: u64) -> Value {
    json!({ "name": name, "value": format!("value of {name}"), "updated_at": at })
}

/// A version; `built_at` decides whether it is `built` (past) or `pending` (future).
fn version(n: u32, action: char, code: &str, built_at: u64, fails: bool) -> Value {
    json!({
        "id": vid(action, n),
        "number": n,
        "code": code,
        "dependencies": [{ "name": "lodash", "version": "4.17.21", "registry_url": "https://registry.example.com/" }],
        "runtime": "node22",
        "secrets": [secret("API_KEY", PAST + 5)],
        "supported_triggers": trigger("post-login", "v3"),
        "created_at": PAST + u64::from(n),
        "built_at": built_at,
        "fails": fails,
    })
}

fn vid(action: char, n: u32) -> String {
    format!("00000000-0000-0000-000{action}-00000000000{n}")
}

#[allow(clippy::too_many_arguments)]
fn action(
    id: &str,
    name: &str,
    code: &str,
    build: (u64, u64, bool),
    triggers: Value,
    versions: Vec<Value>,
    deployed: Option<String>,
    all_changes_deployed: bool,
) -> Value {
    json!({
        "id": id,
        "name": name,
        "supported_triggers": triggers,
        "created_at": PAST + 123_456_789,
        "updated_at": PAST + 987_654_321,
        "code": code,
        "dependencies": [
            { "name": "lodash", "version": "4.17.21", "registry_url": "https://registry.example.com/" },
            { "name": "axios", "version": "1.7.2" },
        ],
        "runtime": "node22",
        "secrets": [secret("API_KEY", PAST + 5), secret("OTHER", PAST + 6)],
        "build": { "started": build.0, "duration_ms": build.1, "fails": build.2 },
        "all_changes_deployed": all_changes_deployed,
        "versions": versions,
        "deployed": deployed,
    })
}

/// Five actions covering every status the views distinguish, and bindings on two triggers
/// (one pointing at an action that no longer exists, which the list skips).
fn fixture() -> Value {
    let post_login = trigger("post-login", "v3");
    let actions = vec![
        // Built draft, three versions: v2 live, v3 (current) still pending.
        action(
            A_BUILT,
            "built",
            TRICKY_CODE,
            (PAST, 0, false),
            post_login.clone(),
            vec![
                version(1, 'a', "// v1\n", PAST + 11, false),
                version(2, 'a', TRICKY_CODE, PAST + 22, false),
                version(3, 'a', "// v3 \"next\"\n", FUTURE, false),
            ],
            Some(vid('a', 2)),
            false,
        ),
        // Draft still building, never deployed, empty code: `registry_url` still shown.
        action(
            A_PENDING,
            "pending",
            "",
            (FUTURE, 1000, false),
            post_login.clone(),
            vec![],
            None,
            false,
        ),
        // Failed build on another trigger, its only version failed and live.
        action(
            A_FAILED,
            "failed",
            "require('crypto');",
            (PAST, 1000, true),
            trigger("credentials-exchange", "v2"),
            vec![version(1, 'c', "require('crypto');", PAST + 33, true)],
            Some(vid('c', 1)),
            true,
        ),
        // Everything deployed: draft equals the live version.
        action(
            A_LIVE,
            "live",
            "// live\n",
            (PAST, 50, false),
            post_login.clone(),
            vec![version(1, 'd', "// live\n", PAST + 44, false)],
            Some(vid('d', 1)),
            true,
        ),
        // Created with `deploy: true`, build not finished: live version pending.
        action(
            A_WAITING,
            "waiting",
            "// waiting\n",
            (FUTURE, 50, false),
            post_login,
            vec![version(1, 'e', "// waiting\n", FUTURE, false)],
            Some(vid('e', 1)),
            true,
        ),
    ];
    let binding = |n: u32, action: &str, display: &str| {
        json!({
            "id": format!("00000000-0000-0000-000b-00000000000{n}"),
            "action_id": action,
            "display_name": display,
            "created_at": PAST + u64::from(n) * 77,
        })
    };
    json!({
        "format": "loginflow-emulator-state",
        "version": 1,
        "state": {
            "actions": actions,
            "bindings": {
                "post-login": [
                    binding(1, A_BUILT, "built"),
                    binding(2, "00000000-0000-0000-0000-0000000000ff", "gone"),
                    binding(3, A_LIVE, "Live \"one\""),
                    binding(4, A_WAITING, "waiting"),
                ],
                "credentials-exchange": [binding(5, A_FAILED, "failed")],
            },
            "users": {},
        },
    })
}

/// Requests sent, with their status, content type and exact body, one block each.
struct Transcript {
    c: Client,
    text: String,
}

impl Transcript {
    async fn send(&mut self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .c
            .http
            .request(method.clone(), format!("{}{path}", self.c.base))
            .bearer_auth(&self.c.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        let body = std::str::from_utf8(&bytes).unwrap();
        // One line per body keeps the transcript's lines in step with the bytes.
        assert!(!body.contains('\n'), "compact JSON expected: {body}");
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_string());
        let rate_headers = [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ]
        .iter()
        .all(|h| header(h).is_some());
        writeln!(
            self.text,
            "{method} {path} -> {status}; content-type: {}; x-ratelimit-*: {rate_headers}\n{body}\n",
            header("content-type").unwrap_or_default(),
        )
        .unwrap();
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    async fn get(&mut self, path: &str) -> Value {
        self.send(Method::GET, path, None).await
    }
}

fn snapshot_settings(filter_fresh: bool) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    if filter_fresh {
        settings.add_filter(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
            "[uuid]",
        );
        settings.add_filter(r"20[2-8]\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", "[now]");
        // Raw nanoseconds in the state file: 1.7e18 to 2e18 is 2023 to 2033.
        settings.add_filter(r"\b1[7-9]\d{17}\b", "[now-nanos]");
    }
    settings
}

#[tokio::test]
async fn responses_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenant.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&fixture()).unwrap()).unwrap();
    let c = Client::start(EmulatorOptions {
        state_file: Some(path.clone()),
        rate_limit: Some(RateLimitSpec {
            burst: 100_000,
            per_second: 1000.0,
        }),
        ..EmulatorOptions::fast()
    })
    .await;
    let mut t = Transcript {
        c,
        text: String::new(),
    };
    record_reads(&mut t).await;
    snapshot_settings(false).bind(|| insta::assert_snapshot!("golden_reads", t.text));

    t.text.clear();
    record_writes(&mut t).await;
    let state = std::fs::read_to_string(&path).unwrap();
    snapshot_settings(true).bind(|| {
        insta::assert_snapshot!("golden_writes", t.text);
        insta::assert_snapshot!("golden_state_file", state);
    });
    t.c.emu.shutdown().await;
}

/// Every read view: lists (with paging and filters), single actions, versions, bindings.
async fn record_reads(t: &mut Transcript) {
    for query in [
        "",
        "?per_page=2&page=1",
        "?page=9",
        "?per_page=0",
        "?deployed=true&triggerId=post-login",
        "?actionName=failed",
    ] {
        t.get(&format!("/api/v2/actions/actions{query}")).await;
    }
    for id in [A_BUILT, A_PENDING, A_FAILED, A_LIVE, A_WAITING] {
        t.get(&format!("/api/v2/actions/actions/{id}")).await;
    }
    for (id, query) in [
        (A_BUILT, ""),
        (A_BUILT, "?per_page=1&page=1"),
        (A_BUILT, "?page=5"),
        (A_PENDING, ""),
        (A_FAILED, ""),
        (A_WAITING, ""),
    ] {
        t.get(&format!("/api/v2/actions/actions/{id}/versions{query}"))
            .await;
    }
    for (id, action, n) in [
        (A_BUILT, 'a', 1),
        (A_BUILT, 'a', 2),
        (A_BUILT, 'a', 3),
        (A_FAILED, 'c', 1),
        (A_WAITING, 'e', 1),
    ] {
        t.get(&format!(
            "/api/v2/actions/actions/{id}/versions/{}",
            vid(action, n)
        ))
        .await;
    }
    for path in [
        "post-login/bindings",
        "post-login/bindings?per_page=1&page=1",
        "post-login/bindings?page=7",
        "credentials-exchange/bindings",
        "pre-user-registration/bindings",
    ] {
        t.get(&format!("/api/v2/actions/triggers/{path}")).await;
    }
}

/// The answers of writes that render the model, then reads of what they changed.
async fn record_writes(t: &mut Transcript) {
    let post_login = json!([{ "id": "post-login", "version": "v3" }]);
    t.send(
        Method::POST,
        "/api/v2/actions/actions",
        Some(json!({
            "name": "fresh",
            "supported_triggers": post_login,
            "code": TRICKY_CODE,
            "dependencies": [{ "name": "lodash", "version": "4.17.21", "registry_url": "https://registry.example.com/" }],
            "secrets": [{ "name": "B", "value": "1" }, { "name": "A", "value": "2" }],
        })),
    )
    .await;
    t.send(
        Method::POST,
        "/api/v2/actions/actions",
        Some(json!({
            "name": "fresh-deployed",
            "supported_triggers": post_login,
            "code": "// deployed at once\n",
            "runtime": "node22",
            "deploy": true,
        })),
    )
    .await;
    let built = format!("/api/v2/actions/actions/{A_BUILT}");
    t.send(
        Method::PATCH,
        &built,
        Some(json!({
            "code": "// patched \"code\"\n",
            "secrets": [{ "name": "API_KEY" }, { "name": "NEW", "value": "n" }],
        })),
    )
    .await;
    t.send(
        Method::PATCH,
        &format!("/api/v2/actions/actions/{A_LIVE}"),
        Some(json!({ "code": "// live\n" })),
    )
    .await;
    t.send(Method::POST, &format!("{built}/deploy"), None).await;
    t.send(
        Method::POST,
        &format!("{built}/versions/{}/deploy", vid('a', 1)),
        Some(json!({ "update_draft": true })),
    )
    .await;
    t.send(
        Method::PATCH,
        "/api/v2/actions/triggers/post-login/bindings",
        Some(json!({ "bindings": [
            { "ref": { "type": "action_name", "value": "live" }, "display_name": "renamed" },
            { "ref": { "type": "binding_id", "value": "00000000-0000-0000-000b-000000000001" } },
        ] })),
    )
    .await;
    t.get("/api/v2/actions/actions?per_page=100").await;
    t.get(&built).await;
    t.get(&format!("{built}/versions")).await;
    t.get("/api/v2/actions/triggers/post-login/bindings").await;
}
