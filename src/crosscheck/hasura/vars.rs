//! The session variables a permission reads. Hasura reads any string value of a boolean
//! expression (`_and`, `_or`, `_not`, `_exists`, column operators) or a preset (`set`) that
//! starts with `x-hasura-`, in any case, as a session variable; the walk visits every value.

use serde_json::Value;

use super::metadata::{Doc, VarUse, child, is_session_variable};

/// Every session variable under `v` (at `ptr` in `doc`), in document order.
pub fn collect(doc: &Doc, v: &Value, ptr: &str, out: &mut Vec<VarUse>) {
    match v {
        Value::String(s) if is_session_variable(s) => out.push(VarUse {
            name: s.clone(),
            at: doc.site(ptr),
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(doc, item, &format!("{ptr}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                collect(doc, item, &child(ptr, k), out);
            }
        }
        _ => {}
    }
}

/// Session variables named anywhere in a text (a remote schema's SDL presets), located at the
/// text's value.
pub fn scan_text(doc: &Doc, text: &str, ptr: &str, out: &mut Vec<VarUse>) {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("x-hasura-") {
        let start = from + i;
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(text.len(), |n| start + n);
        let name = &text[start..end];
        if is_session_variable(name) {
            out.push(VarUse {
                name: name.to_string(),
                at: doc.site(ptr),
            });
        }
        from = end.max(start + 1);
    }
}
