//! The template data of each generated kind: what the kind's template prints, already checked
//! and normalised (paths split, names namespaced, defaults applied).

mod claims;
mod enrich;
mod hasura;
mod profile;
mod tinybird;

use serde_json::Value;

use super::error::RenderError;
use crate::config::action::ActionConfig;

/// The kind-specific data of a generated action; `None` for `custom`, which has no template.
pub fn spec_data(
    name: &str,
    action: &ActionConfig,
    tenant_domain: &str,
) -> Result<Option<Value>, RenderError> {
    Ok(Some(match action {
        ActionConfig::Claims(a) => claims::data(name, &a.spec)?,
        ActionConfig::Hasura(a) => hasura::data(name, &a.spec)?,
        ActionConfig::Tinybird(a) => tinybird::data(&a.spec),
        ActionConfig::Enrich(a) => enrich::data(&a.spec),
        ActionConfig::Profile(a) => profile::data(&a.spec, tenant_domain),
        ActionConfig::Custom(_) => return Ok(None),
    }))
}

/// The field mappings of `enrich` and `profile`: where each response field goes.
fn mappings(map: &[crate::config::kinds::FieldMapping]) -> Value {
    Value::from(
        map.iter()
            .map(|m| {
                super::data::object([
                    ("from", Some(from_path(&m.from))),
                    ("key", Some(Value::from(m.from.as_str()))),
                    ("claim", m.claim.as_deref().map(Value::from)),
                    ("tokens", Some(super::data::tokens(&m.tokens))),
                    ("app_metadata", m.app_metadata.as_deref().map(Value::from)),
                    ("user_metadata", m.user_metadata.as_deref().map(Value::from)),
                ])
            })
            .collect::<Vec<_>>(),
    )
}

/// A `map[].from` path as a list of keys; `.` (the whole response) is the empty list.
fn from_path(from: &str) -> Value {
    if from == "." {
        return Value::from(Vec::<String>::new());
    }
    super::data::path(from)
}

/// A result cache in `app_metadata` as the templates expect it.
fn result_cache(cache: &crate::config::kinds::ResultCache) -> Value {
    serde_json::json!({ "key": cache.key, "ttl_seconds": cache.ttl_seconds })
}

/// `{name, path}` pairs of a name → event path map, in the map's (sorted) order.
fn named_paths(map: &std::collections::BTreeMap<String, String>) -> Value {
    Value::from(
        map.iter()
            .map(
                |(name, path)| serde_json::json!({ "name": name, "path": super::data::path(path) }),
            )
            .collect::<Vec<_>>(),
    )
}

/// `{name, path}` (an event path) or `{name, value}` (a literal) per entry of a request map, in
/// the map's (sorted) order.
fn request_values(
    map: &std::collections::BTreeMap<String, crate::config::kinds::RequestValue>,
) -> Value {
    use crate::config::kinds::RequestValue;
    Value::from(
        map.iter()
            .map(|(name, v)| match v {
                RequestValue::Path(path) => {
                    serde_json::json!({ "name": name, "path": super::data::path(path) })
                }
                RequestValue::Literal(l) => serde_json::json!({ "name": name, "value": l.value }),
            })
            .collect::<Vec<_>>(),
    )
}
