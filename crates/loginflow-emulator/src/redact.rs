//! What the request log keeps of a body: the body as sent, with every secret value (an action's
//! or binding's `secrets[].value`, the token request's `client_secret`) replaced by its
//! fingerprint, so that the log (`GET /__emulator/requests`) never holds a secret.

use serde_json::Value;

use super::model::fingerprint;
use super::validate::form_decode;

/// The body as text (lossy UTF-8), secret values replaced by their fingerprints.
pub fn logged_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let Ok(mut v) = serde_json::from_str::<Value>(&text) {
        if redact_json(&mut v) {
            return v.to_string();
        }
        return text.into_owned();
    }
    if text.contains("client_secret") {
        return form_decode(&text)
            .into_iter()
            .map(|(k, v)| {
                let v = if k == "client_secret" {
                    fingerprint(&v)
                } else {
                    v
                };
                format!("{}={}", encode(&k), encode(&v))
            })
            .collect::<Vec<_>>()
            .join("&");
    }
    text.into_owned()
}

/// Replaces secret values in a JSON body; true when it replaced any.
fn redact_json(v: &mut Value) -> bool {
    let Some(map) = v.as_object_mut() else {
        return false;
    };
    let mut changed = false;
    if let Some(Value::String(s)) = map.get_mut("client_secret") {
        *s = fingerprint(s);
        changed = true;
    }
    if let Some(Value::Array(secrets)) = map.get_mut("secrets") {
        for secret in secrets.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(Value::String(s)) = secret.get_mut("value") {
                *s = fingerprint(s);
                changed = true;
            }
        }
    }
    if let Some(Value::Array(bindings)) = map.get_mut("bindings") {
        for binding in bindings.iter_mut() {
            changed |= redact_json(binding);
        }
    }
    changed
}

/// Form encoding of one key or value (unreserved characters kept, the rest `%XX`).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_replaced_by_fingerprints() {
        let fp = fingerprint("canary");
        let body = br#"{"code":"x","secrets":[{"name":"A","value":"canary"},{"name":"B"}]}"#;
        assert_eq!(
            logged_body(body),
            format!(r#"{{"code":"x","secrets":[{{"name":"A","value":"{fp}"}},{{"name":"B"}}]}}"#)
        );
        let bindings = br#"{"bindings":[{"ref":{},"secrets":[{"name":"A","value":"canary"}]}]}"#;
        assert!(!logged_body(bindings).contains("canary"));
        let token = br#"{"client_id":"local","client_secret":"canary"}"#;
        assert!(!logged_body(token).contains("canary"));
        let form = b"grant_type=client_credentials&client_secret=can%61ry&client_id=local";
        let logged = logged_body(form);
        assert!(
            !logged.contains("canary") && logged.contains("client_id=local"),
            "{logged}"
        );
        assert_eq!(logged_body(br#"{"code":"y"}"#), r#"{"code":"y"}"#);
    }
}
