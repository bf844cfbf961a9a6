//! Walks an action and lists what the checks look at — event paths, claim names, secret
//! references, URLs — each with the pointer (below the action) where it is written.

use crate::config::action::{ActionConfig, Condition, Token};
use crate::config::kinds::{EnrichAuth, FieldMapping, RequestValue, TextOrSecret};
use crate::config::yaml_tree::escape_pointer;

/// Something found in an action, with its pointer relative to the action.
#[derive(Debug, Clone)]
pub struct Item<T> {
    pub ptr: String,
    pub value: T,
}

fn item<T>(ptr: impl Into<String>, value: T) -> Item<T> {
    Item {
        ptr: ptr.into(),
        value,
    }
}

/// A claim the action sets, with the tokens it goes on.
#[derive(Debug, Clone)]
pub struct ClaimUse {
    pub name: String,
    pub tokens: Vec<Token>,
    /// The literal value, when the claim is a literal.
    pub literal: Option<serde_json::Value>,
}

/// Every event path the action reads.
pub fn event_paths(action: &ActionConfig) -> Vec<Item<String>> {
    let mut out = Vec::new();
    match action {
        ActionConfig::Claims(a) => {
            for (i, c) in a.spec.claims.iter().enumerate() {
                if let Some(p) = &c.path {
                    out.push(item(format!("/claims/{i}/path"), p.clone()));
                }
                condition_paths(c.when.as_ref(), &format!("/claims/{i}/when"), &mut out);
            }
        }
        ActionConfig::Hasura(a) => {
            if let Some(p) = &a.spec.user_id {
                out.push(item("/user_id", p.clone()));
            }
            for (k, p) in &a.spec.session_variables {
                out.push(item(
                    format!("/session_variables/{}", escape_pointer(k)),
                    p.clone(),
                ));
            }
            for (i, r) in a.spec.role_rules.iter().enumerate() {
                condition_paths(Some(&r.when), &format!("/role_rules/{i}/when"), &mut out);
            }
            if let Some(s) = &a.spec.sync {
                for (k, p) in &s.columns {
                    out.push(item(
                        format!("/sync/columns/{}", escape_pointer(k)),
                        p.clone(),
                    ));
                }
            }
        }
        ActionConfig::Tinybird(a) => {
            for (i, s) in a.spec.scopes.iter().enumerate() {
                for (k, p) in &s.fixed_params {
                    out.push(item(
                        format!("/scopes/{i}/fixed_params/{}", escape_pointer(k)),
                        p.clone(),
                    ));
                }
            }
        }
        ActionConfig::Enrich(a) => {
            for (section, map) in [("query", &a.spec.query), ("body", &a.spec.body)] {
                for (k, v) in map {
                    if let RequestValue::Path(p) = v {
                        out.push(item(format!("/{section}/{}", escape_pointer(k)), p.clone()));
                    }
                }
            }
        }
        ActionConfig::Profile(_) | ActionConfig::Custom(_) => {}
    }
    out
}

fn condition_paths(c: Option<&Condition>, ptr: &str, out: &mut Vec<Item<String>>) {
    if let Some(p) = c.and_then(|c| c.path.as_ref()) {
        out.push(item(format!("{ptr}/path"), p.clone()));
    }
}

/// Every claim the action sets, with its final name (namespace applied).
pub fn claims(action: &ActionConfig) -> Vec<Item<ClaimUse>> {
    let claim = |name: String, tokens: Vec<Token>, literal| ClaimUse {
        name,
        tokens,
        literal,
    };
    let mut out = Vec::new();
    match action {
        ActionConfig::Claims(a) => {
            for (i, c) in a.spec.claims.iter().enumerate() {
                let name = namespaced(a.spec.namespace.as_deref(), &c.name);
                out.push(item(
                    format!("/claims/{i}/name"),
                    claim(name, c.tokens.clone(), c.value.clone()),
                ));
            }
        }
        ActionConfig::Hasura(a) => {
            let ns = a
                .spec
                .namespace
                .clone()
                .unwrap_or_else(|| "https://hasura.io/jwt/claims".into());
            let tokens = a.spec.tokens.clone().unwrap_or_else(|| vec![Token::Access]);
            let ptr = if a.spec.namespace.is_some() {
                "/namespace"
            } else {
                ""
            };
            out.push(item(ptr, claim(ns, tokens, None)));
        }
        ActionConfig::Tinybird(a) => {
            if let Some(c) = &a.spec.claim {
                let tokens = a.spec.tokens.clone().unwrap_or_else(|| vec![Token::Access]);
                out.push(item("/claim", claim(c.clone(), tokens, None)));
            }
        }
        ActionConfig::Enrich(a) => mapping_claims(&a.spec.map, &mut out),
        ActionConfig::Profile(a) => mapping_claims(&a.spec.map, &mut out),
        ActionConfig::Custom(_) => {}
    }
    out
}

fn mapping_claims(map: &[FieldMapping], out: &mut Vec<Item<ClaimUse>>) {
    for (i, m) in map.iter().enumerate() {
        if let Some(c) = &m.claim {
            let use_ = ClaimUse {
                name: c.clone(),
                tokens: m.tokens.clone(),
                literal: None,
            };
            out.push(item(format!("/map/{i}/claim"), use_));
        }
    }
}

/// A claim name with the namespace prefix applied unless the name is already a URL or URN.
pub fn namespaced(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !is_namespaced(name) => format!("{ns}{name}"),
        _ => name.to_string(),
    }
}

/// Whether a claim name is namespaced (an http(s) URL or a URN).
pub fn is_namespaced(name: &str) -> bool {
    name.starts_with("https://") || name.starts_with("http://") || name.starts_with("urn:")
}

/// Every secret the action references, by name.
pub fn secrets(action: &ActionConfig) -> Vec<Item<String>> {
    let mut out = Vec::new();
    match action {
        ActionConfig::Hasura(a) => {
            if let Some(s) = &a.spec.sync {
                out.push(item("/sync/admin_secret", s.admin_secret.clone()));
            }
        }
        ActionConfig::Tinybird(a) => out.push(item("/signing_key", a.spec.signing_key.clone())),
        ActionConfig::Enrich(a) => match &a.spec.auth {
            Some(EnrichAuth::M2m(m)) => {
                out.push(item("/auth/m2m/client_secret", m.client_secret.clone()));
                for (key, v) in [("client_id", &m.client_id), ("token_url", &m.token_url)] {
                    if let Some(s) = v.secret() {
                        out.push(item(format!("/auth/m2m/{key}/secret"), s.to_owned()));
                    }
                }
            }
            Some(EnrichAuth::Bearer { secret }) => {
                out.push(item("/auth/bearer/secret", secret.clone()))
            }
            Some(EnrichAuth::Header { secret, .. }) => {
                out.push(item("/auth/header/secret", secret.clone()))
            }
            None => {}
        },
        ActionConfig::Profile(a) => {
            out.push(item("/client_secret", a.spec.client_secret.clone()));
            if let Some(s) = a.spec.client_id.secret() {
                out.push(item("/client_id/secret", s.to_owned()));
            }
        }
        ActionConfig::Custom(a) => {
            for (i, s) in a.spec.secrets.iter().enumerate() {
                out.push(item(format!("/secrets/{i}"), s.clone()));
            }
        }
        ActionConfig::Claims(_) => {}
    }
    out
}

/// Every outbound URL the action calls.
pub fn urls(action: &ActionConfig) -> Vec<Item<String>> {
    match action {
        ActionConfig::Hasura(a) => a
            .spec
            .sync
            .iter()
            .map(|s| item("/sync/endpoint", s.endpoint.clone()))
            .collect(),
        ActionConfig::Enrich(a) => {
            let mut v = vec![item("/url", a.spec.url.clone())];
            // A token URL read from a secret is checked at login instead (https only).
            if let Some(EnrichAuth::M2m(m)) = &a.spec.auth
                && let TextOrSecret::Text(url) = &m.token_url
            {
                v.push(item("/auth/m2m/token_url", url.clone()));
            }
            v
        }
        _ => Vec::new(),
    }
}

/// The common options of an action, for checks that do not care about the kind.
pub fn trigger_of(action: &ActionConfig) -> crate::config::Trigger {
    action
        .common()
        .trigger
        .unwrap_or(crate::config::Trigger::PostLogin)
}
