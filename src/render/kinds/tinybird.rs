//! Template data of `kind: tinybird`.

use serde_json::{Value, json};

use crate::config::action::Token;
use crate::config::kinds::{TinybirdScopeType, TinybirdSpec};
use crate::render::data;

pub fn data(spec: &TinybirdSpec) -> Value {
    let scopes: Vec<Value> = spec
        .scopes
        .iter()
        .map(|s| {
            data::object([
                (
                    "type",
                    Some(Value::from(match s.scope_type {
                        TinybirdScopeType::PipesRead => "PIPES:READ",
                        TinybirdScopeType::DatasourcesRead => "DATASOURCES:READ",
                    })),
                ),
                ("resource", Some(Value::from(s.resource.as_str()))),
                (
                    "fixed_params",
                    (!s.fixed_params.is_empty()).then(|| super::named_paths(&s.fixed_params)),
                ),
                ("filter", s.filter.as_deref().map(Value::from)),
            ])
        })
        .collect();
    json!({
        "workspace_id": spec.workspace_id,
        "signing_key": spec.signing_key,
        "expires_in": spec.expires_in,
        "name_prefix": spec.name_prefix.as_deref().unwrap_or(""),
        "scopes": scopes,
        "limits": spec.limits.map(|l| json!({ "rps": l.rps })),
        "claim": spec.claim,
        "tokens": data::tokens(spec.tokens.as_deref().unwrap_or(&[Token::Access])),
        "app_metadata_key": spec.app_metadata_key,
    })
}
