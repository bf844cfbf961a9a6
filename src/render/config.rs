//! The action's config, carried in its generated code so that a plan can read what a live action
//! was configured with and show a change in the config's own terms (`role_rules[0].allowed_roles`)
//! rather than only as a code diff.
//!
//! One comment line opens the body of every generated action, right after the managed header (and
//! the apply record):
//!
//! ```text
//! // loginflow-config: {"kind":"hasura","default_role":"user","allowed_roles":["user"]}
//! ```
//!
//! It is the action as written, with the tenant's `defaults` folded in (`on_failure`,
//! `timeout_ms`, `skip`), null fields left out, and without what is not deployed
//! (`description`, the validation-only `privileged_roles` and cross-check folders: `metadata`,
//! `unauthorized_role`, `project`, `tenant_keys`) or deployed as an API field rather than
//! code (`trigger`, `runtime`). Secrets appear by name only: the config never holds a value. The
//! JSON is ASCII, so no character can end the comment. `custom` actions carry none: their code is
//! the user's file, exactly.

use serde_json::{Map, Value};

use crate::config::action::ActionConfig;
use crate::config::model::Defaults;

/// The start of the config line.
const PREFIX: &str = "// loginflow-config: ";
/// The longest config line written. Auth0 refuses code above 100 kB: a config whose literals are
/// large (big claim values) is left out rather than doubling the code, and its plans show the
/// code diff only. Ordinary configs take a few hundred bytes.
pub const MAX_LINE: usize = 8 * 1024;
/// Keys left out of the config line (see the module documentation).
const LEFT_OUT: [&str; 8] = [
    "description",
    "privileged_roles",
    "metadata",
    "unauthorized_role",
    "project",
    "tenant_keys",
    "trigger",
    "runtime",
];
/// Keys whose values are the user's JSON literals: their nulls are values, never pruned.
const LITERALS: [&str; 4] = ["value", "default", "equals", "in"];

/// The config of a generated action as its code carries it; `None` for `custom`.
pub fn action_config(action: &ActionConfig, defaults: &Defaults) -> Option<Value> {
    if matches!(action, ActionConfig::Custom(_)) {
        return None;
    }
    let mut value = serde_json::to_value(action).ok()?;
    let map = value.as_object_mut()?;
    for key in LEFT_OUT {
        map.shift_remove(key);
    }
    let fold = |map: &mut Map<String, Value>, key: &str, default: Option<Value>| {
        if map.get(key).is_none_or(Value::is_null)
            && let Some(d) = default
        {
            map.insert(key.to_owned(), d);
        }
    };
    fold(map, "on_failure", to_value(defaults.on_failure));
    fold(map, "timeout_ms", to_value(defaults.timeout_ms));
    fold(map, "skip", to_value(defaults.skip.as_ref()));
    prune(&mut value);
    Some(value)
}

fn to_value<T: serde::Serialize>(v: Option<T>) -> Option<Value> {
    v.and_then(|v| serde_json::to_value(v).ok())
}

/// Removes null object members, except inside the user's literal values.
fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for (key, v) in map.iter_mut() {
                if !LITERALS.contains(&key.as_str()) {
                    prune(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

/// The config line, `\n` included; `None` when it would be longer than [`MAX_LINE`].
pub fn config_line(config: &Value) -> Option<String> {
    let line = format!("{PREFIX}{}\n", ascii_json(config));
    (line.len() <= MAX_LINE).then_some(line)
}

/// Compact JSON with `<` and every character outside ASCII escaped as `\uXXXX` (they only occur
/// inside strings, where the escape means the same): no line terminator, no `</script>`.
fn ascii_json(value: &Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        if ch.is_ascii() && ch != '\u{7f}' && ch != '<' {
            out.push(ch);
        } else {
            let mut buf = [0u16; 2];
            for unit in ch.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// The config a generated action's code carries; `None` for unmanaged or `custom` code, and for
/// code deployed by a loginflow that did not write the line.
pub fn read_config(code: &str) -> Option<Value> {
    let header = super::parse_header(code)?;
    if header.kind == "custom" {
        return None;
    }
    let body = super::strip_header(code);
    let line = body.lines().next()?.strip_prefix(PREFIX)?;
    let value: Value = serde_json::from_str(line).ok()?;
    value.is_object().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ManagedHeader;

    fn action(yaml: &str) -> ActionConfig {
        serde_saphyr::from_str(yaml).expect("action")
    }

    #[test]
    fn folds_defaults_and_leaves_out_nulls_and_undeployed_fields() {
        let a = action(
            "kind: hasura\ndescription: note\nruntime: node18\ndefault_role: user\nallowed_roles: [user]\n\
             role_rules: [{ when: { has_role: [a] }, default_role: a, allowed_roles: [a] }]\n",
        );
        let defaults: Defaults =
            serde_saphyr::from_str("timeout_ms: 3000\non_failure: deny\n").expect("defaults");
        let config = action_config(&a, &defaults).expect("generated kind");
        assert_eq!(
            config.to_string(),
            r#"{"kind":"hasura","on_failure":"deny","timeout_ms":3000,"default_role":"user","allowed_roles":["user"],"role_rules":[{"when":{"has_role":["a"]},"default_role":"a","allowed_roles":["a"]}],"require_authorization":false}"#
        );
    }

    #[test]
    fn literal_values_keep_their_nulls_and_the_line_is_ascii() {
        let a = action(
            "kind: claims\nclaims: [{ name: \"é\\u2028\", value: { a: null }, tokens: [id] }]\n",
        );
        let config = action_config(&a, &Defaults::default()).expect("config");
        let line = config_line(&config).expect("small");
        assert!(line.is_ascii() && line.ends_with('\n') && line.lines().count() == 1);
        assert!(line.contains(r#""value":{"a":null}"#), "{line}");
        let header = ManagedHeader {
            owner: crate::config::model::DEFAULT_OWNER.into(),
            action: "c".into(),
            kind: "claims".into(),
            secrets: Default::default(),
        };
        let code = format!("{}{line}\"use strict\";\n", header.render());
        assert_eq!(read_config(&code), Some(config));
    }

    #[test]
    fn a_config_larger_than_the_cap_is_left_out() {
        let big = "x".repeat(MAX_LINE);
        let a = action(&format!(
            "kind: claims\nclaims: [{{ name: a, value: {big} }}]\n"
        ));
        let config = action_config(&a, &Defaults::default()).expect("config");
        assert_eq!(config_line(&config), None);
    }

    #[test]
    fn custom_unmanaged_and_legacy_code_carry_none() {
        let custom = action("kind: custom\ncode: a.js\n");
        assert_eq!(action_config(&custom, &Defaults::default()), None);
        assert_eq!(read_config("// loginflow-config: {}\n"), None);
        let mut header = ManagedHeader {
            owner: crate::config::model::DEFAULT_OWNER.into(),
            action: "c".into(),
            kind: "claims".into(),
            secrets: Default::default(),
        };
        assert_eq!(
            read_config(&format!("{}\"use strict\";\n", header.render())),
            None
        );
        header.kind = "custom".into();
        let code = format!("{}// loginflow-config: {{}}\n", header.render());
        assert_eq!(read_config(&code), None);
    }
}
