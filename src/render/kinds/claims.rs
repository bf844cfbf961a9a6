//! Template data of `kind: claims`.

use serde_json::{Value, json};

use crate::config::kinds::ClaimsSpec;
use crate::render::data;
use crate::render::error::RenderError;

pub fn data(action: &str, spec: &ClaimsSpec) -> Result<Value, RenderError> {
    let mut claims = Vec::with_capacity(spec.claims.len());
    for claim in &spec.claims {
        let (from_path, path) = match (&claim.value, &claim.path) {
            (Some(_), None) => (false, Value::Null),
            (None, Some(p)) => (true, data::path(p)),
            _ => {
                return Err(RenderError::Invalid {
                    action: action.to_owned(),
                    message: format!(
                        "claim `{}` needs exactly one of `value` and `path`",
                        claim.name
                    ),
                });
            }
        };
        claims.push(json!({
            "name": data::claim_name(spec.namespace.as_deref(), &claim.name),
            "tokens": data::tokens(&claim.tokens),
            "from_path": from_path,
            "path": path,
            "value": claim.value,
            "has_default": claim.default.is_some(),
            "default": claim.default,
            "when": data::condition(claim.when.as_ref()),
        }));
    }
    Ok(json!({ "claims": claims }))
}
