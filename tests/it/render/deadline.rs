//! The login deadline shared by the generated actions: the first records its start in the
//! transaction metadata, later ones wait only for what is left of the login's budget, so a slow
//! first backend shortens the second action's timeout.
//!
//! The budget is 18 s in the generated code; the two-action tests scale it down to 1.5 s by
//! rewriting that one constant (the only change to the rendered code), so they run in seconds.

use std::time::{SystemTime, UNIX_EPOCH};

use loginflow::render::RenderedAction;
use serde_json::{Value, json};

use super::support::*;

const BUDGET_LINE: &str = "const LF_LOGIN_BUDGET_MS = 18000;";

fn backend(name: &str, host: &str, scaled_budget: Option<u32>) -> RenderedAction {
    let mut action = render(
        name,
        &format!(
            "kind: enrich\nurl: https://{host}/profile\ntimeout_ms: 5000\n\
             map: [{{ from: tier, claim: https://acme.example.com/{name} }}]\n"
        ),
    );
    assert!(action.code.contains(BUDGET_LINE), "{}", action.code);
    if let Some(ms) = scaled_budget {
        action.code = action
            .code
            .replace(BUDGET_LINE, &format!("const LF_LOGIN_BUDGET_MS = {ms};"));
    }
    action
}

/// The milliseconds in `… timed out after N ms (what was left of the login's time budget)`.
fn shortened_timeout(logs: &str) -> Option<u64> {
    let rest = logs.split("timed out after ").nth(1)?;
    let (ms, tail) = rest.split_once(" ms")?;
    tail.starts_with(" (what was left of the login's time budget)")
        .then(|| ms.parse().ok())?
}

fn claim(result: &loginflow::node::CaseResult, name: &str) -> Option<Value> {
    result
        .id_token
        .get(&format!("https://acme.example.com/{name}"))
        .cloned()
}

#[test]
fn a_slow_first_backend_shortens_the_second_actions_timeout() {
    let first = backend("first", "one.example.com", Some(1500));
    let second = backend("second", "two.example.com", Some(1500));
    let stubs = |first_delay| {
        vec![
            slow_stub(
                "GET",
                "https://one.example.com/*",
                first_delay,
                json!({ "tier": "a" }),
            ),
            slow_stub(
                "GET",
                "https://two.example.com/*",
                1200,
                json!({ "tier": "b" }),
            ),
        ]
    };
    let results = run(
        &[&first, &second],
        vec![
            case("fast first", event(), &[], stubs(0)),
            case("slow first", event(), &[], stubs(1000)),
        ],
    );
    // A fast first backend leaves the second almost the whole budget: it answers after 1.2 s.
    assert_eq!(claim(&results[0], "first"), Some(json!("a")));
    assert_eq!(
        claim(&results[0], "second"),
        Some(json!("b")),
        "{}",
        logs(&results[0])
    );
    // After a 1 s first backend only ~0.5 s is left: the second call gives up then, not after
    // its own 5 s, and the login goes on without its claim.
    let slow = &results[1];
    assert_eq!(claim(slow, "first"), Some(json!("a")));
    assert_eq!(claim(slow, "second"), None);
    let ms = shortened_timeout(&logs(slow)).unwrap_or_else(|| panic!("{}", logs(slow)));
    assert!(
        (100..=500).contains(&ms),
        "second timeout {ms} ms:\n{}",
        logs(slow)
    );
}

fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    u64::try_from(since.as_millis()).expect("ms fit")
}

fn with_started_at(started_at: Value) -> Value {
    let mut ev = event();
    set(
        &mut ev,
        "transaction.metadata",
        json!({ "loginflow_started_at": started_at }),
    );
    ev
}

#[test]
fn a_start_recorded_by_an_earlier_action_is_honoured_and_a_spent_budget_sends_nothing() {
    let action = backend("only", "one.example.com", None);
    let stub = || {
        vec![slow_stub(
            "GET",
            "https://one.example.com/*",
            4000,
            json!({ "tier": "a" }),
        )]
    };
    // 16 s of the 18 s already spent by earlier actions: under 2 s left (Node's start counts).
    let late = run_one(
        &action,
        case(
            "late",
            with_started_at(json!(now_ms() - 16_000)),
            &[],
            stub(),
        ),
    );
    let ms = shortened_timeout(&logs(&late)).unwrap_or_else(|| panic!("{}", logs(&late)));
    assert!(ms <= 2000, "{ms} ms, not the action's own 5000 ms");
    assert_eq!(claim(&late, "only"), None);
    // Nothing left: the call is not sent at all.
    let spent = run_one(
        &action,
        case(
            "spent",
            with_started_at(json!(now_ms() - 18_500)),
            &[],
            stub(),
        ),
    );
    assert!(spent.http_calls.is_empty(), "{:?}", calls(&spent));
    assert!(
        logs(&spent).contains("backend not sent: the login's time budget is spent"),
        "{}",
        logs(&spent)
    );
}

#[test]
fn a_start_that_is_not_this_logins_is_ignored() {
    let action = backend("only", "one.example.com", None);
    let stub = || {
        vec![slow_stub(
            "GET",
            "https://one.example.com/*",
            50,
            json!({ "tier": "a" }),
        )]
    };
    // Older than Auth0's 20 s (another login's), or not a number: start afresh.
    for started_at in [json!(now_ms() - 60_000), json!("soon")] {
        let r = run_one(
            &action,
            case("stale", with_started_at(started_at.clone()), &[], stub()),
        );
        assert_eq!(
            claim(&r, "only"),
            Some(json!("a")),
            "{started_at}: {}",
            logs(&r)
        );
    }
}

#[test]
fn a_call_without_a_deadline_keeps_the_actions_own_timeout() {
    // What an override of enrich.js.j2 written before the deadline existed would call.
    let mut action = backend("only", "one.example.com", None);
    let with = r#"lfFetchJson("backend", url.toString(), init, deadline)"#;
    assert!(action.code.contains(with), "{}", action.code);
    action.code = action
        .code
        .replace(with, r#"lfFetchJson("backend", url.toString(), init)"#);
    let stubs = vec![slow_stub(
        "GET",
        "https://one.example.com/*",
        50,
        json!({ "tier": "a" }),
    )];
    let r = run_one(&action, case("no deadline", event(), &[], stubs));
    assert_eq!(claim(&r, "only"), Some(json!("a")), "{}", logs(&r));
}
