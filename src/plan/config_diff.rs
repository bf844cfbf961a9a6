//! An action's change in the config's own terms: the leaves of two config objects (as the
//! generated code carries them, `render::config`) that differ, each named by a path such as
//! `role_rules[0].allowed_roles`. Pure.
//!
//! Objects are compared key by key; lists of scalars as a whole (`[user] → [user, auditor]`);
//! lists holding objects element by element, matched by a diff so that inserting one claim shows
//! one claim added, not every later one changed.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// One config value that differs. `None` (JSON `null`): the side does not set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The differences between two configs, in the order of their keys (`before`'s first).
pub fn config_changes(before: &Value, after: &Value) -> Vec<ConfigChange> {
    let mut out = Vec::new();
    walk("", Some(before), Some(after), &mut out);
    out
}

fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<ConfigChange>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for key in keys {
                walk(&member(path, key), x.get(key), y.get(key), out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if structured(x) || structured(y) => {
            elements(path, x, y, out);
        }
        _ => out.push(ConfigChange {
            path: path.to_owned(),
            before: a.cloned(),
            after: b.cloned(),
        }),
    }
}

fn structured(list: &[Value]) -> bool {
    list.iter().any(|v| v.is_object() || v.is_array())
}

/// Lists of objects: unchanged elements matched by a diff, replaced ones compared in place.
fn elements(path: &str, x: &[Value], y: &[Value], out: &mut Vec<ConfigChange>) {
    let xs: Vec<String> = x.iter().map(Value::to_string).collect();
    let ys: Vec<String> = y.iter().map(Value::to_string).collect();
    let at = |i: usize| format!("{path}[{i}]");
    for op in capture_diff_slices(Algorithm::Myers, &xs, &ys) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => (old_index..old_index + old_len).for_each(|i| walk(&at(i), x.get(i), None, out)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => (new_index..new_index + new_len).for_each(|j| walk(&at(j), None, y.get(j), out)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for k in 0..old_len.max(new_len) {
                    let (i, j) = (old_index + k, new_index + k);
                    let before = (k < old_len).then(|| x.get(i)).flatten();
                    let after = (k < new_len).then(|| y.get(j)).flatten();
                    walk(&at(if k < new_len { j } else { i }), before, after, out);
                }
            }
        }
    }
}

/// `path.key`, or `path["odd key"]` for a key that is not a plain name.
fn member(path: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, path.is_empty()) {
        (true, true) => key.to_owned(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{}]", quote(key)),
    }
}

/// A value as a reader of the YAML expects it: `[user, org_admin]`, `{rps: 10}`, `(none)` for a
/// value that is not set. Strings are bare when that cannot be misread, else JSON-quoted, with
/// control characters escaped so that nothing reaches a terminal as a control sequence.
pub fn show(value: Option<&Value>) -> String {
    match value {
        None => "(none)".into(),
        Some(v) => show_value(v),
    }
}

fn show_value(value: &Value) -> String {
    match value {
        Value::String(s) => show_str(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(show_value).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", show_str(k), show_value(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

fn show_str(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:@+-".contains(c))
        && serde_json::from_str::<Value>(s).is_err()
        && !matches!(s, "null" | "true" | "false" | "(none)");
    if bare { s.to_owned() } else { quote(s) }
}

/// A JSON string literal with every control character (C0, DEL, C1) and line separator escaped.
fn quote(s: &str) -> String {
    let json = Value::from(s).to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(a: Value, b: Value) -> Vec<String> {
        config_changes(&a, &b)
            .iter()
            .map(|c| {
                format!(
                    "{}: {} → {}",
                    c.path,
                    show(c.before.as_ref()),
                    show(c.after.as_ref())
                )
            })
            .collect()
    }

    #[test]
    fn names_each_changed_leaf_in_config_terms() {
        let a = json!({"default_role": "user", "role_rules": [
            {"when": {"has_role": ["org-admin"]}, "allowed_roles": ["user", "org_admin"]}]});
        let b = json!({"default_role": "user", "role_rules": [
            {"when": {"has_role": ["org-admin"]}, "allowed_roles": ["user", "org_admin", "auditor"]}],
            "timeout_ms": 3000});
        assert_eq!(
            lines(a, b),
            [
                "role_rules[0].allowed_roles: [user, org_admin] → [user, org_admin, auditor]",
                "timeout_ms: (none) → 3000",
            ]
        );
    }

    #[test]
    fn an_inserted_element_is_one_change() {
        let a = json!({"claims": [{"name": "a"}, {"name": "b"}]});
        let b = json!({"claims": [{"name": "z", "value": 1}, {"name": "a"}, {"name": "b"}]});
        assert_eq!(lines(a, b), ["claims[0]: (none) → {name: z, value: 1}"]);
        let a = json!({"claims": [{"name": "a"}, {"name": "b"}]});
        let b = json!({"claims": [{"name": "a"}]});
        assert_eq!(lines(a, b), ["claims[1]: {name: b} → (none)"]);
    }

    #[test]
    fn odd_keys_and_strings_are_quoted_and_escaped() {
        let a = json!({"session_variables": {"x-hasura-org-id": "a", "a b": "true"}});
        let b = json!({"session_variables": {"x-hasura-org-id": "b\u{1b}[31m", "a b": true}});
        assert_eq!(
            lines(a, b),
            [
                r#"session_variables.x-hasura-org-id: a → "b\u001b[31m""#,
                r#"session_variables["a b"]: "true" → true"#,
            ]
        );
        assert_eq!(show(Some(&json!("\u{9b}2J"))), r#""\u009b2J""#);
    }

    #[test]
    fn equal_configs_have_no_changes() {
        let a = json!({"kind": "claims", "claims": [{"name": "a"}]});
        assert!(config_changes(&a, &a.clone()).is_empty());
    }
}
