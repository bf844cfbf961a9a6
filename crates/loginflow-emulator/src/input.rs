//! Typed request bodies, parsed from JSON with the spec's schemas (see `validate`).

use serde_json::Value;

use super::errors::ApiError;
use super::model::{Dependency, TriggerRef};
use super::validate::{array, boolean, object, string};

/// A secret as sent: `value` may be absent; extra keys (go-auth0 sends `updated_at`) are allowed.
#[derive(Debug, Clone)]
pub struct SecretInput {
    pub name: String,
    pub value: Option<String>,
}

/// The body of `POST` (create) or `PATCH` (update) on an action; every field optional here,
/// the create handler checks the required ones.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub name: Option<String>,
    pub supported_triggers: Option<Vec<TriggerRef>>,
    pub code: Option<String>,
    pub dependencies: Option<Vec<Dependency>>,
    pub runtime: Option<String>,
    pub secrets: Option<Vec<SecretInput>>,
    pub deploy: bool,
}

const ACTION_KEYS: &[&str] = &[
    "name",
    "supported_triggers",
    "code",
    "dependencies",
    "runtime",
    "secrets",
    "modules",
];

/// Parses a create (`create = true`: `deploy` allowed, name and triggers required) or update body.
pub fn action(v: &Value, create: bool) -> Result<ActionInput, ApiError> {
    let mut allowed = ACTION_KEYS.to_vec();
    if create {
        allowed.push("deploy");
    }
    let required: &[&str] = if create {
        &["name", "supported_triggers"]
    } else {
        &[]
    };
    let map = object(v, "", &allowed, required, false)?;
    let supported_triggers = match array(map, "supported_triggers", "")? {
        None => None,
        Some(items) if items.is_empty() => {
            return Err(ApiError::payload(
                "Array is too short (0), minimum 1",
                "supported_triggers",
            ));
        }
        Some(items) => Some(
            items
                .iter()
                .map(|(p, t)| trigger(t, p))
                .collect::<Result<_, _>>()?,
        ),
    };
    let dependencies = match array(map, "dependencies", "")? {
        None => None,
        Some(items) => Some(
            items
                .iter()
                .map(|(p, d)| dependency(d, p))
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(ActionInput {
        name: string(map, "name", "")?,
        supported_triggers,
        code: string(map, "code", "")?,
        dependencies,
        runtime: string(map, "runtime", "")?,
        secrets: secrets(map)?,
        deploy: boolean(map, "deploy", "")?.unwrap_or(false),
    })
}

fn secrets(map: &serde_json::Map<String, Value>) -> Result<Option<Vec<SecretInput>>, ApiError> {
    let Some(items) = array(map, "secrets", "")? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(items.len());
    for (path, item) in items {
        let m = object(item, &path, &[], &["name"], true)?;
        out.push(SecretInput {
            name: string(m, "name", &path)?.unwrap_or_default(),
            value: string(m, "value", &path)?,
        });
    }
    Ok(Some(out))
}

fn trigger(v: &Value, path: &str) -> Result<TriggerRef, ApiError> {
    let allowed = [
        "id",
        "version",
        "status",
        "runtimes",
        "default_runtime",
        "compatible_triggers",
        "binding_policy",
    ];
    let m = object(v, path, &allowed, &["id"], false)?;
    Ok(TriggerRef {
        id: string(m, "id", path)?.unwrap_or_default(),
        version: string(m, "version", path)?.unwrap_or_default(),
    })
}

fn dependency(v: &Value, path: &str) -> Result<Dependency, ApiError> {
    let m = object(v, path, &["name", "version", "registry_url"], &[], false)?;
    Ok(Dependency {
        name: string(m, "name", path)?.unwrap_or_default(),
        version: string(m, "version", path)?.unwrap_or_default(),
        registry_url: string(m, "registry_url", path)?,
    })
}

/// How a binding names its action.
#[derive(Debug, Clone, PartialEq)]
pub enum Ref {
    ActionId(String),
    ActionName(String),
    BindingId(String),
}

/// One item of `PATCH …/bindings`.
#[derive(Debug, Clone)]
pub struct BindingInput {
    pub reference: Ref,
    pub display_name: Option<String>,
}

/// Parses `{"bindings":[{ref:{type,value}, display_name?, secrets?}]}`. A missing `bindings`
/// key means an empty list, as the schema makes it optional.
pub fn bindings(v: &Value) -> Result<Vec<BindingInput>, ApiError> {
    let map = object(v, "", &["bindings"], &[], false)?;
    let items = array(map, "bindings", "")?.unwrap_or_default();
    items
        .iter()
        .map(|(path, item)| binding(item, path))
        .collect()
}

fn binding(v: &Value, path: &str) -> Result<BindingInput, ApiError> {
    // A wrong shape such as `{id_type, id_value}` gets the recorded oneOf message.
    let one_of = || ApiError::payload("Data does not match any schemas from 'oneOf'", path);
    let m = object(
        v,
        path,
        &["ref", "display_name", "secrets"],
        &["ref"],
        false,
    )
    .map_err(|_| one_of())?;
    let r = m.get("ref").and_then(Value::as_object).ok_or_else(one_of)?;
    let value = r.get("value").and_then(Value::as_str).ok_or_else(one_of)?;
    let reference = match r.get("type").and_then(Value::as_str) {
        Some("action_id") => Ref::ActionId(value.into()),
        Some("action_name") => Ref::ActionName(value.into()),
        Some("binding_id") => Ref::BindingId(value.into()),
        _ => return Err(one_of()),
    };
    Ok(BindingInput {
        reference,
        display_name: string(m, "display_name", path)?,
    })
}

/// The optional rollback body `{"update_draft": bool}` (or `null`).
pub fn rollback(v: &Value) -> Result<bool, ApiError> {
    if v.is_null() {
        return Ok(false);
    }
    let map = object(v, "", &["update_draft"], &[], false)?;
    Ok(boolean(map, "update_draft", "")?.unwrap_or(false))
}
