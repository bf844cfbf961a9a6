//! Template data of `kind: profile`: an M2M token for the Management API, then the user.

use serde_json::{Value, json};

use crate::config::kinds::{M2mAuth, ProfileSpec, TextOrSecret};

pub fn data(spec: &ProfileSpec, tenant_domain: &str) -> Value {
    let domain = spec.domain.as_deref().unwrap_or(tenant_domain);
    // A standalone emulator target is a full URL; an Auth0 domain is a bare host name.
    let base = if domain.starts_with("http://") || domain.starts_with("https://") {
        domain.trim_end_matches('/').to_owned()
    } else {
        format!("https://{domain}")
    };
    let m2m = M2mAuth {
        token_url: TextOrSecret::Text(format!("{base}/oauth/token")),
        client_id: spec.client_id.clone(),
        client_secret: spec.client_secret.clone(),
        audience: format!("{base}/api/v2/"),
    };
    // Ask only for the top-level fields the mappings read: smaller, faster responses.
    // A mapping of the whole user (`from: .`) needs every field: no filter then.
    let mut fields: Vec<&str> = spec
        .map
        .iter()
        .filter_map(|m| m.from.split('.').next())
        .collect();
    fields.sort_unstable();
    fields.dedup();
    if fields.contains(&"") {
        fields.clear();
    }
    json!({
        "users_url": format!("{base}/api/v2/users/"),
        "fields": fields.join(","),
        "m2m": super::enrich::m2m(&m2m),
        "map": super::mappings(&spec.map),
        "cache": spec.cache.as_ref().map(super::result_cache),
    })
}
