//! Redaction of request and response bodies before they reach a log line.
//!
//! Two layers, because either alone can miss: a structural pass over JSON (credential fields
//! anywhere, and `value` inside every `secrets` array, which is how create/update carry Action
//! secret values) and a textual pass that replaces every value the client knows to be secret
//! (client secret, access token) wherever it appears, even in a non-JSON body. This module only
//! transforms text; it must not log anything itself.

use serde_json::Value;

/// What replaces a secret in logs.
pub const REDACTED: &str = "[redacted]";

/// Bodies longer than this are cut in logs; a trace log is for shapes, not megabytes of code.
const MAX_LOGGED_CHARS: usize = 4096;

/// Field names whose values are credentials wherever they appear.
const CREDENTIAL_KEYS: &[&str] = &[
    "client_secret",
    "access_token",
    "id_token",
    "refresh_token",
    "password",
    "authorization",
    "client_assertion",
];

/// Replaces credential fields and `secrets[].value` in a JSON document, in place.
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let key = key.to_ascii_lowercase();
                if CREDENTIAL_KEYS.contains(&key.as_str()) {
                    *child = Value::String(REDACTED.into());
                } else if key == "secrets" {
                    redact_secret_list(child);
                } else {
                    redact_json(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn redact_secret_list(list: &mut Value) {
    let Value::Array(items) = list else {
        return redact_json(list);
    };
    for item in items {
        if let Value::Object(map) = item
            && let Some(v) = map.get_mut("value")
        {
            *v = Value::String(REDACTED.into());
        }
        redact_json(item);
    }
}

/// The values of every `secrets[].value` in a request body: a server may echo them back in an
/// error message, where only a textual pass can find them.
pub fn secret_values(body: &[u8]) -> Vec<String> {
    fn walk(value: &Value, inside_secrets: bool, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match child {
                        Value::String(s) if inside_secrets && key == "value" => out.push(s.clone()),
                        _ => walk(child, key == "secrets", out),
                    }
                }
            }
            Value::Array(items) => items
                .iter()
                .for_each(|item| walk(item, inside_secrets, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        walk(&json, false, &mut out);
    }
    out
}

/// Replaces every occurrence of each known secret in `text`.
pub fn redact_known(text: &str, known: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in known.iter().filter(|s| !s.is_empty()) {
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

/// A body as it may appear in a trace log: structurally redacted when it is JSON, then textually
/// redacted, then cut to a readable length.
pub fn loggable_body(body: &[u8], known: &[&str]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut json) => {
            redact_json(&mut json);
            json.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    truncate(redact_known(&text, known))
}

fn truncate(mut text: String) -> String {
    if text.chars().count() <= MAX_LOGGED_CHARS {
        return text;
    }
    let cut = text
        .char_indices()
        .nth(MAX_LOGGED_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let total = text.len();
    text.truncate(cut);
    text.push_str(&format!("… ({total} bytes in all)"));
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_secret_values_and_credentials_but_keeps_names() {
        let mut body = json!({
            "name": "a",
            "secrets": [{"name": "TOKEN", "value": "s3cr3t"}],
            "nested": {"client_secret": "cs", "Access_Token": "tok", "keep": "me"},
        });
        redact_json(&mut body);
        assert_eq!(
            body,
            json!({
                "name": "a",
                "secrets": [{"name": "TOKEN", "value": "[redacted]"}],
                "nested": {"client_secret": "[redacted]", "Access_Token": "[redacted]", "keep": "me"},
            })
        );
    }

    #[test]
    fn value_outside_secrets_is_not_touched() {
        let mut body = json!({"bindings": [{"ref": {"type": "action_id", "value": "abc"}}]});
        let before = body.clone();
        redact_json(&mut body);
        assert_eq!(body, before);
    }

    #[test]
    fn known_values_are_removed_from_any_text() {
        let out = loggable_body(
            b"not json: Bearer tok123 and cs-456",
            &["tok123", "cs-456", ""],
        );
        assert_eq!(out, "not json: Bearer [redacted] and [redacted]");
    }

    #[test]
    fn finds_the_secret_values_of_a_request() {
        let body = json!({"secrets": [{"name": "A", "value": "x1"}, {"name": "B", "value": "x2"}],
                          "bindings": [{"ref": {"value": "not-a-secret"}}]});
        assert_eq!(secret_values(body.to_string().as_bytes()), vec!["x1", "x2"]);
        assert!(secret_values(b"not json").is_empty());
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(MAX_LOGGED_CHARS + 10);
        let out = loggable_body(body.as_bytes(), &[]);
        assert!(out.ends_with(&format!("… ({} bytes in all)", MAX_LOGGED_CHARS + 10)));
    }
}
