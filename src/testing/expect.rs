//! Comparing what a case did with what it expected: one [`Mismatch`] per difference, each
//! readable on its own (`access_token["https://acme.com/plan"]: expected "pro", got "free"`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::matcher::{self, Ctx, Mode};
use super::pattern;
use crate::config::test_case::{Denied, Expect, ExpectedCall};
use crate::node::{CaseResult, HttpCall};

/// One difference between expected and actual, already worded for people. Secret values may
/// still be in it: the caller redacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Which expectation, e.g. `id_token["https://x/plan"]` or `http_calls[1]`.
    pub field: String,
    /// What differs, possibly over several lines.
    pub detail: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.detail)
    }
}

pub(super) fn mismatch(field: impl Into<String>, detail: impl Into<String>) -> Mismatch {
    Mismatch {
        field: field.into(),
        detail: detail.into(),
    }
}

/// Everything that makes the case fail: problems with the run itself (an unstubbed call, an
/// uncaught error, the time limit), then every unmet expectation. `secrets` are the case's
/// secret values (for `$jwt.verify`).
pub fn compare(
    expect: &Expect,
    result: &CaseResult,
    secrets: &BTreeMap<String, String>,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(problem) = &result.error {
        let detail = match problem.strip_prefix("unstubbed HTTP call: ") {
            Some(call) => format!(
                "the flow called {call}, which no stub matches; add an `http:` stub with that \
                 method and a URL pattern for it (`*` matches any run of characters)"
            ),
            None => problem.clone(),
        };
        out.push(mismatch("unstubbed call", detail));
    }
    // The thrown `fetch failed (unstubbed HTTP call …)` repeats the line above.
    let unstubbed = result.error.is_some();
    for err in result
        .errors
        .iter()
        .filter(|e| !(unstubbed && e.message.contains("unstubbed HTTP call")))
    {
        out.push(mismatch(
            "error",
            format!(
                "action `{}` failed and Auth0 would fail the login: {}",
                err.action, err.message
            ),
        ));
    }
    let claims = [
        ("id_token", &expect.id_token, &result.id_token, true),
        (
            "id_token",
            &expect.id_token_includes,
            &result.id_token,
            false,
        ),
        (
            "access_token",
            &expect.access_token,
            &result.access_token,
            true,
        ),
        (
            "access_token",
            &expect.access_token_includes,
            &result.access_token,
            false,
        ),
        (
            "app_metadata",
            &expect.app_metadata,
            &result.app_metadata,
            true,
        ),
        (
            "user_metadata",
            &expect.user_metadata,
            &result.user_metadata,
            true,
        ),
    ];
    let ctx = Ctx { secrets };
    for (label, want, got, exact) in claims {
        if let Some(want) = want {
            compare_map(label, want, got, exact, &ctx, &mut out);
        }
    }
    if let Some(denied) = &expect.denied {
        compare_denied(denied, result, &mut out);
    }
    if let Some(calls) = &expect.http_calls {
        compare_calls(calls, &result.http_calls, &mut out);
    }
    if let Some(keys) = &expect.cache_writes {
        compare_cache(keys, result, &mut out);
    }
    out
}

/// A map of claims or metadata keys. `exact`: no other keys may be present, at any depth;
/// otherwise (`*_includes`) the expected keys are a subset at every depth.
fn compare_map(
    label: &str,
    want: &Map<String, Value>,
    got: &Map<String, Value>,
    exact: bool,
    ctx: &Ctx,
    out: &mut Vec<Mismatch>,
) {
    let mode = if exact { Mode::Exact } else { Mode::Subset };
    let what = if label.ends_with("metadata") {
        "key"
    } else {
        "claim"
    };
    for (k, w) in want {
        let field = format!("{label}[{}]", quote(k));
        match got.get(k) {
            None => out.push(mismatch(
                field,
                format!("expected {}, but the {what} is not set", show(w)),
            )),
            Some(g) => matcher::compare(&field, w, g, mode, ctx, out),
        }
    }
    if exact {
        let hint = if what == "key" {
            " (list it)".to_owned()
        } else {
            format!(" (list it, or use `{label}_includes` to check a subset)")
        };
        for (k, g) in got.iter().filter(|(k, _)| !want.contains_key(*k)) {
            out.push(mismatch(
                format!("{label}[{}]", quote(k)),
                format!("not expected, got {}{hint}", show(g)),
            ));
        }
    }
}

fn compare_denied(want: &Denied, r: &CaseResult, out: &mut Vec<Mismatch>) {
    let by = r.denied_by.as_deref().unwrap_or("?");
    let reason = r
        .deny_reason
        .as_deref()
        .map_or("no reason".to_owned(), |s| format!("reason {}", quote(s)));
    match (want, r.denied) {
        (Denied::Flag(true), false) => out.push(mismatch(
            "denied",
            "expected the login to be denied, but it was allowed",
        )),
        (Denied::Flag(false), true) => out.push(mismatch(
            "denied",
            format!("expected the login to be allowed, but action `{by}` denied it ({reason})"),
        )),
        (Denied::Reason(w), false) => out.push(mismatch(
            "denied",
            format!(
                "expected a deny with reason {}, but the login was allowed",
                quote(w)
            ),
        )),
        (Denied::Reason(w), true) if r.deny_reason.as_deref() != Some(w.as_str()) => {
            out.push(mismatch(
                "denied",
                format!(
                    "expected reason {}, got {reason} (denied by action `{by}`)",
                    quote(w)
                ),
            ));
        }
        _ => {}
    }
}

fn compare_calls(want: &[ExpectedCall], got: &[HttpCall], out: &mut Vec<Mismatch>) {
    for i in 0..want.len().max(got.len()) {
        let field = format!("http_calls[{i}]");
        match (want.get(i), got.get(i)) {
            (Some(w), Some(g)) => {
                let method_ok = w.method.eq_ignore_ascii_case(&g.method);
                if !method_ok || !pattern::matches(&w.url, &g.url) {
                    out.push(mismatch(
                        field,
                        format!(
                            "expected {} {}, got {}",
                            w.method.to_uppercase(),
                            w.url,
                            describe_call(g)
                        ),
                    ));
                }
            }
            (Some(w), None) => out.push(mismatch(
                field,
                format!(
                    "expected {} {}, but only {} call(s) were made",
                    w.method.to_uppercase(),
                    w.url,
                    got.len()
                ),
            )),
            (None, Some(g)) => out.push(mismatch(
                field,
                format!("not expected, got {}", describe_call(g)),
            )),
            (None, None) => {}
        }
    }
}

/// A recorded call: method, URL, the action that made it and its headers (the caller redacts
/// secret values).
fn describe_call(call: &HttpCall) -> String {
    let mut text = format!(
        "{} {} (from action `{}`)",
        call.method, call.url, call.action
    );
    if !call.headers.is_empty() {
        let headers: Vec<String> = call
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        text.push_str(&format!("\n  headers: {}", headers.join(", ")));
    }
    text
}

fn compare_cache(want: &[String], r: &CaseResult, out: &mut Vec<Mismatch>) {
    let written: Vec<&str> = r
        .cache_writes
        .iter()
        .filter(|w| w.error.is_none())
        .map(|w| w.key.as_str())
        .collect();
    let ok = want.len() == written.len()
        && want
            .iter()
            .zip(&written)
            .all(|(w, g)| pattern::matches(w, g));
    if !ok {
        let mut detail = format!(
            "expected {}, got {}",
            show(&serde_json::json!(want)),
            show(&serde_json::json!(written))
        );
        for refused in r.cache_writes.iter().filter(|w| w.error.is_some()) {
            detail.push_str(&format!(
                "\n  refused by api.cache: {} ({})",
                quote(&refused.key),
                refused.error.as_deref().unwrap_or_default()
            ));
        }
        out.push(mismatch("cache_writes", detail));
    }
}

/// A string as a JSON literal.
pub(super) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// A JSON value: compact when short, else pretty-printed on its own indented lines.
pub fn show(v: &Value) -> String {
    let compact = serde_json::to_string(v).unwrap_or_default();
    if compact.len() <= 60 {
        return compact;
    }
    format!("\n    {}", matcher::indent(v))
}
