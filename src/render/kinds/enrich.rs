//! Template data of `kind: enrich`.

use serde_json::{Value, json};

use crate::config::kinds::{EnrichAuth, EnrichSpec, HttpMethod, M2mAuth};
use crate::render::data;

pub fn data(spec: &EnrichSpec) -> Value {
    let method = match spec.method {
        Some(HttpMethod::Get) => "GET",
        Some(HttpMethod::Post) => "POST",
        None if spec.body.is_empty() => "GET",
        None => "POST",
    };
    json!({
        "url": spec.url,
        "method": method,
        "query": super::request_values(&spec.query),
        "body": if method == "POST" { super::request_values(&spec.body) } else { Value::Null },
        "auth": spec.auth.as_ref().map(auth),
        "map": super::mappings(&spec.map),
        "cache": spec.cache.as_ref().map(super::result_cache),
    })
}

fn auth(auth: &EnrichAuth) -> Value {
    match auth {
        EnrichAuth::M2m(m) => m2m(m),
        EnrichAuth::Bearer { secret } => json!({ "type": "bearer", "secret": secret }),
        EnrichAuth::Header { name, secret } => {
            json!({ "type": "header", "name": name, "secret": secret })
        }
    }
}

/// Client-credentials settings as the shared M2M helper of the templates expects them.
pub fn m2m(m: &M2mAuth) -> Value {
    json!({
        "type": "m2m",
        "token_url": m.token_url,
        "client_id": m.client_id,
        "client_secret": m.client_secret,
        "audience": m.audience,
        "cache_key": data::m2m_cache_key(&m.token_url.key_part(), &m.client_id.key_part(), &m.audience),
    })
}
