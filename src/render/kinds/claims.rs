//! Template data of `kind: claims`.

use serde_json::{Value, json};

use crate::config::kinds::ClaimsSpec;
use crate::render::data;
use crate::render::error::RenderError;

pub fn data(action: &str, spec: &ClaimsSpec) -> Result<Value, RenderError> {
    let mut claims = Vec::with_capacity(spec.claims.len());
    for claim in &spec.claims {
        if claim.value.is_some() == claim.path.is_some() {
            return Err(RenderError::Invalid {
                action: action.to_owned(),
                message: format!(
                    "claim `{}` needs exactly one of `value` and `path`",
                    claim.name
                ),
            });
        }
        claims.push(data::object([
            (
                "name",
                Some(json!(data::claim_name(
                    spec.namespace.as_deref(),
                    &claim.name
                ))),
            ),
            ("tokens", Some(data::tokens(&claim.tokens))),
            ("path", claim.path.as_deref().map(data::path)),
            ("value", claim.value.clone()),
            ("default", claim.default.clone()),
            (
                "when",
                claim.when.as_ref().map(|w| data::condition(Some(w))),
            ),
        ]));
    }
    Ok(json!({ "claims": claims }))
}
