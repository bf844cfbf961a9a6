//! YAML text of a merged configuration (`config show`), optionally with a comment after every
//! value naming where it was set. Block style throughout; a string is written plain when every
//! YAML reader reads it back as the same string, else as a JSON string (valid YAML).

use serde_json::Value;

use super::yaml_tree::escape_pointer;

/// The document as YAML; `note(pointer)` gives the comment written after the value at `pointer`.
pub fn yaml(doc: &Value, note: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut ptr = String::new();
    match doc {
        Value::Object(m) if !m.is_empty() => map(m, &mut ptr, 0, &mut out, note),
        Value::Array(a) if !a.is_empty() => list(a, &mut ptr, 0, &mut out, note),
        v => line(&mut out, 0, "", v, &ptr, note),
    }
    out
}

fn map(
    m: &serde_json::Map<String, Value>,
    ptr: &mut String,
    indent: usize,
    out: &mut String,
    note: &dyn Fn(&str) -> Option<String>,
) {
    for (k, v) in m {
        let len = ptr.len();
        ptr.push('/');
        ptr.push_str(&escape_pointer(k));
        let key = format!("{}:", scalar_text(k));
        nested(&key, v, ptr, indent, out, note);
        ptr.truncate(len);
    }
}

fn list(
    a: &[Value],
    ptr: &mut String,
    indent: usize,
    out: &mut String,
    note: &dyn Fn(&str) -> Option<String>,
) {
    for (i, v) in a.iter().enumerate() {
        let len = ptr.len();
        ptr.push('/');
        ptr.push_str(&i.to_string());
        nested("-", v, ptr, indent, out, note);
        ptr.truncate(len);
    }
}

/// `lead` (`key:` or `-`) and its value: on one line for a scalar or an empty collection, else
/// the collection below (a list item's first entry on the `-` line).
fn nested(
    lead: &str,
    v: &Value,
    ptr: &mut String,
    indent: usize,
    out: &mut String,
    note: &dyn Fn(&str) -> Option<String>,
) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            if lead == "-" {
                let mut inner = String::new();
                map(m, ptr, indent + 2, &mut inner, note);
                out.push_str(&pad);
                out.push_str("- ");
                out.push_str(&inner[indent + 2..]);
            } else {
                out.push_str(&format!("{pad}{lead}\n"));
                map(m, ptr, indent + 2, out, note);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str(&format!("{pad}{lead}\n"));
            list(a, ptr, indent + 2, out, note);
        }
        v => line(out, indent, lead, v, ptr, note),
    }
}

fn line(
    out: &mut String,
    indent: usize,
    lead: &str,
    v: &Value,
    ptr: &str,
    note: &dyn Fn(&str) -> Option<String>,
) {
    let text = match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_text(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    };
    let sep = if lead.is_empty() { "" } else { " " };
    out.push_str(&format!("{}{lead}{sep}{text}", " ".repeat(indent)));
    if let Some(n) = note(ptr) {
        out.push_str("  # ");
        out.push_str(&n);
    }
    out.push('\n');
}

/// The pointer of every leaf (scalar or empty collection) of a document, in document order.
pub fn leaves(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, ptr: &mut String, out: &mut Vec<String>) {
        let children: Vec<(String, &Value)> = match v {
            Value::Object(m) => m.iter().map(|(k, v)| (escape_pointer(k), v)).collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => Vec::new(),
        };
        if children.is_empty() {
            out.push(ptr.clone());
        }
        for (seg, child) in children {
            let len = ptr.len();
            ptr.push('/');
            ptr.push_str(&seg);
            walk(child, ptr, out);
            ptr.truncate(len);
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut String::new(), &mut out);
    out
}

/// A string as a YAML scalar: plain when safe, else a JSON string.
fn scalar_text(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !first.is_whitespace()
        && !s.ends_with(char::is_whitespace)
        && !s.ends_with(':')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.chars().any(char::is_control)
        && !super::yaml_compat::interesting(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn writes_yaml_that_reads_back_the_same() {
        let doc = serde_json::json!({
            "a": {"b": [1, "yes", {"c": "x: y", "d": []}], "e": {}},
            "f": ["- x", "012", "", "line\nbreak", null, true],
            "g h": "https://acme.com/#x"
        });
        let text = yaml(&doc, &|_| None);
        let back = super::super::yaml_tree::parse(&text).unwrap().value;
        assert_eq!(back, doc, "{text}");
    }

    #[test]
    fn notes_every_value() {
        let doc = serde_json::json!({"a": {"b": [1, {"c": 2}]}});
        let text = yaml(&doc, &|p| Some(p.to_string()));
        assert_eq!(
            text,
            "a:\n  b:\n    - 1  # /a/b/0\n    - c: 2  # /a/b/1/c\n"
        );
    }
}
