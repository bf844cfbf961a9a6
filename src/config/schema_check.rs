//! The JSON Schema pass: every structural problem of a file at once (unknown keys, types, enums,
//! ranges), each turned into a [`Finding`] at the right node with a hint where one helps.
//!
//! `anyOf`/`oneOf` failures are unpicked: branches that do not even have the value's type are
//! dropped, and if one branch is left its own errors are reported, so `runtime: node99` reads as
//! "not one of node18, node22" rather than "matches none of the alternatives".

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::yaml_tree::escape_pointer;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Code, Finding};

/// The schema as `loginflow schema` prints it, from the copy checked in under `schema/` (a test
/// keeps the two identical): parsing it is faster than generating it from the types, and every
/// command that reads a tenant file needs it.
const CHECKED_IN: &str = include_str!("../../schema/loginflow.schema.json");

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(CHECKED_IN).unwrap_or_else(|_| super::schema::json_schema())
    })
}

fn validator() -> Option<&'static Validator> {
    static VALIDATOR: OnceLock<Option<Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::validator_for(schema()).ok())
        .as_ref()
}

/// Starts compiling the schema on a thread of its own (once per process), so that it is ready
/// by the time the file has been read and parsed: compiling it takes about as long as parsing a
/// 50-action file.
pub fn compile_in_background() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        // If no thread can be started, `check` compiles it when it needs it.
        let _ = std::thread::Builder::new()
            .name("schema".into())
            .spawn(|| validator().is_some());
    });
}

/// Checks a parsed file against the schema.
pub fn check(value: &Value) -> Vec<Finding> {
    let Some(validator) = validator() else {
        return vec![Finding::error(
            Code::Type,
            "",
            "internal error: the schema does not compile",
        )];
    };
    let mut out = Vec::new();
    for err in validator.iter_errors(value) {
        push(&err, value, &mut out);
    }
    out.sort_by(|a, b| {
        a.pointer
            .cmp(&b.pointer)
            .then(a.diag.message.cmp(&b.diag.message))
    });
    out.dedup_by(|a, b| a.pointer == b.pointer && a.diag.message == b.diag.message);
    out
}

fn push(err: &ValidationError<'_>, root: &Value, out: &mut Vec<Finding>) {
    let ptr = err.instance_path().as_str().to_string();
    let instance = err.instance();
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = allowed_keys(root, &ptr);
            for key in unexpected {
                let hint = did_you_mean(key, allowed.iter().map(String::as_str));
                let at = format!("{ptr}/{}", escape_pointer(key));
                out.push(
                    Finding::error(
                        Code::UnknownField,
                        at,
                        format!("unknown field `{key}`{}", context(&ptr)),
                    )
                    .on_key()
                    .hint(hint),
                );
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            out.push(
                Finding::error(
                    Code::MissingField,
                    ptr.clone(),
                    format!("missing field `{name}`{}", context(&ptr)),
                )
                .on_key(),
            );
        }
        ValidationErrorKind::Type { kind } => out.push(Finding::error(
            Code::Type,
            ptr,
            format!(
                "expected {}, found {}",
                type_names(kind),
                describe(instance)
            ),
        )),
        ValidationErrorKind::Enum { options } => out.push(enum_finding(&ptr, instance, options)),
        ValidationErrorKind::Constant { expected_value } => out.push(Finding::error(
            Code::InvalidValue,
            ptr,
            format!(
                "expected `{}`, found {}",
                short(expected_value),
                describe(instance)
            ),
        )),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            branches(&ptr, instance, context, root, out);
        }
        _ => out.push(Finding::error(Code::InvalidValue, ptr, err.to_string())),
    }
}

fn enum_finding(ptr: &str, instance: &Value, options: &Value) -> Finding {
    let names: Vec<String> = options
        .as_array()
        .map(|a| a.iter().map(short).collect())
        .unwrap_or_default();
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let is_kind = ptr.ends_with("/kind") && ptr.starts_with("/actions/");
    let code = if is_kind {
        Code::UnknownKind
    } else {
        Code::InvalidValue
    };
    let hint = instance
        .as_str()
        .and_then(|s| did_you_mean(s, names.iter().map(String::as_str)));
    Finding::error(
        code,
        ptr,
        format!("{} is not one of {list}", describe(instance)),
    )
    .hint(hint)
}

fn branches(
    ptr: &str,
    instance: &Value,
    context: &[Vec<ValidationError<'static>>],
    root: &Value,
    out: &mut Vec<Finding>,
) {
    let same_type = |errs: &Vec<ValidationError<'static>>| {
        !errs.iter().any(|e| {
            e.instance_path().as_str() == ptr
                && matches!(e.kind(), ValidationErrorKind::Type { .. })
        })
    };
    let viable: Vec<&Vec<ValidationError<'static>>> =
        context.iter().filter(|e| same_type(e)).collect();
    if let [only] = viable.as_slice() {
        for e in only.iter() {
            push(e, root, out);
        }
        return;
    }
    let forms = schema_forms(root, ptr);
    out.push(Finding::error(
        Code::Type,
        ptr,
        format!("expected {}, found {}", forms, describe(instance)),
    ));
}

/// A short description of the forms a node accepts, from its schema (`{env: …} or {file: …}`).
fn schema_forms(root: &Value, ptr: &str) -> String {
    let Some(node) = schema_at(root, ptr) else {
        return "another form".into();
    };
    let alts = node
        .get("oneOf")
        .or_else(|| node.get("anyOf"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let forms: Vec<String> = alts.iter().filter_map(form_of).collect();
    if forms.is_empty() {
        "another form".into()
    } else {
        forms.join(" or ")
    }
}

fn form_of(branch: &Value) -> Option<String> {
    let branch = resolve(branch);
    if let Some(req) = branch.get("required").and_then(Value::as_array)
        && let [one] = req.as_slice()
    {
        return Some(format!("`{{{}: …}}`", one.as_str()?));
    }
    match branch.get("type")? {
        Value::String(t) if t == "null" => None,
        Value::String(t) => Some(article(t)),
        _ => None,
    }
}

fn context(ptr: &str) -> String {
    if ptr.is_empty() {
        " at the top level".into()
    } else {
        format!(" in `{}`", display_pointer(ptr))
    }
}

/// `/actions/hasura-claims/sync` → `actions.hasura-claims.sync`.
pub fn display_pointer(ptr: &str) -> String {
    ptr.trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

fn type_names(kind: &TypeKind) -> String {
    let names: Vec<String> = match kind {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .filter(|t| t != "null")
            .collect(),
    };
    names
        .iter()
        .map(|n| article(n))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn article(t: &str) -> String {
    match t {
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "integer" => "an integer".into(),
        "null" => "nothing".into(),
        other => format!("a {other}"),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::String(s) => format!("`{}`", truncate(s)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => truncate(s),
        other => other.to_string(),
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The keys the schema allows at `ptr` (for "did you mean").
fn allowed_keys(root: &Value, ptr: &str) -> Vec<String> {
    schema_at(root, ptr)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The schema node that governs the instance at `ptr`, following `$ref`, nullable `anyOf` and the
/// `kind` selection of actions.
fn schema_at<'s>(root_value: &Value, ptr: &str) -> Option<&'s Value> {
    let mut node = resolve(schema());
    let mut instance = root_value;
    for raw in ptr.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        node = select(node, instance);
        node = if let Some(p) = node.get("properties").and_then(|p| p.get(&seg)) {
            p
        } else if let Some(items) = node.get("items") {
            items
        } else {
            node.get("additionalProperties").filter(|a| a.is_object())?
        };
        node = resolve(node);
        instance = match instance {
            Value::Object(m) => m.get(&seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(select(node, instance))
}

/// Picks the branch of a node that applies to `instance`: the non-null side of a nullable `anyOf`,
/// or the `then` of the `if` whose `kind` matches.
fn select<'s>(node: &'s Value, instance: &Value) -> &'s Value {
    if let Some(alts) = node.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = alts
            .iter()
            .filter(|a| a.get("type") != Some(&Value::from("null")))
            .collect();
        if let [one] = non_null.as_slice() {
            return select(resolve(one), instance);
        }
    }
    if let Some(all) = node.get("allOf").and_then(Value::as_array) {
        let kind = instance.get("kind");
        for branch in all {
            if branch.pointer("/if/properties/kind/const") == kind
                && let Some(then) = branch.get("then")
            {
                return resolve(then);
            }
        }
    }
    node
}

fn resolve(node: &Value) -> &Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| schema().pointer(p))
            .map_or(node, resolve),
        None => node,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(v: Value) -> Vec<(String, String, Option<String>)> {
        check(&v)
            .into_iter()
            .map(|f| (f.pointer, f.diag.message, f.diag.hint))
            .collect()
    }

    #[test]
    fn unknown_key_in_a_kind_gets_a_hint() {
        let doc = json!({"version": 1, "actions": {"h": {"kind": "hasura", "defualt_role": "user", "allowed_roles": ["user"]}}});
        let m = messages(doc);
        assert!(
            m.contains(&(
                "/actions/h/defualt_role".into(),
                "unknown field `defualt_role` in `actions.h`".into(),
                Some("did you mean `default_role`?".into())
            )),
            "{m:?}"
        );
        assert!(
            m.iter().any(
                |(p, msg, _)| p == "/actions/h" && msg.contains("missing field `default_role`")
            )
        );
    }

    #[test]
    fn nullable_enum_reports_the_enum() {
        let doc =
            json!({"actions": {"a": {"kind": "custom", "code": "a.js", "runtime": "node99"}}});
        let m = messages(doc);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].0, "/actions/a/runtime");
        assert!(
            m[0].1.contains("`node99` is not one of `node18`, `node22`"),
            "{m:?}"
        );
    }

    #[test]
    fn unknown_kind_has_a_hint() {
        let m = messages(json!({"actions": {"a": {"kind": "hasrua"}}}));
        assert_eq!(m[0].2.as_deref(), Some("did you mean `hasura`?"));
    }

    #[test]
    fn secret_source_forms() {
        let m = messages(json!({"secrets": {"A": {"envv": "X"}}}));
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].1.contains("`{env: …}` or `{file: …}`"), "{m:?}");
    }
}
