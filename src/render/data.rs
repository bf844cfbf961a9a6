//! Small conversions from the config model to the plain JSON values the templates print.
//!
//! Templates only ever print these values through JSON auto-escaping; nothing here builds code.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::error::RenderError;
use crate::config::action::{Condition, Skip, Token};

/// An event path (`user.app_metadata.org_id`) as the list of keys the generated code follows.
/// The empty path means the whole object (e.g. a whole backend response).
pub fn path(text: &str) -> Value {
    if text.is_empty() {
        return Value::from(Vec::<String>::new());
    }
    Value::from(text.split('.').map(str::to_owned).collect::<Vec<_>>())
}

/// Token names as the generated code expects them (`"id"`, `"access"`), deduplicated.
pub fn tokens(list: &[Token]) -> Value {
    let mut names: Vec<&str> = list
        .iter()
        .map(|t| match t {
            Token::Id => "id",
            Token::Access => "access",
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    json!(names)
}

/// A skip rule with every field present, or `null`.
pub fn skip(skip: Option<&Skip>) -> Value {
    match skip {
        None => Value::Null,
        Some(s) => json!({
            "refresh_token": s.refresh_token,
            "protocols": s.protocols,
            "clients": s.clients,
            "only_clients": s.only_clients,
            "only_connections": s.only_connections,
        }),
    }
}

/// A condition with every field present (so the template never meets an undefined), or `null`.
pub fn condition(when: Option<&Condition>) -> Value {
    match when {
        None => Value::Null,
        Some(c) => json!({
            "has_role": c.has_role,
            "connection": c.connection,
            "client": c.client,
            "email_verified": c.email_verified,
            "path": c.path.as_deref().map(path),
            "has_equals": c.equals.is_some(),
            "equals": c.equals,
            "in": c.in_,
            "exists": c.exists,
        }),
    }
}

/// A claim name with the namespace prefixed, unless the name is already a URL.
pub fn claim_name(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !name.starts_with("http://") && !name.starts_with("https://") => {
            format!("{ns}{name}")
        }
        _ => name.to_owned(),
    }
}

/// A short `api.cache` key for an M2M token. Auth0 allows 64 bytes per key, so the token
/// endpoint, client and audience are hashed rather than written out. Actions that share a
/// client and audience share the entry, which saves the 20 entries per trigger.
pub fn m2m_cache_key(token_url: &str, client_id: &str, audience: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [token_url, client_id, audience] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("loginflow:m2m:{hex}")
}

/// Checks a GraphQL name (table, constraint, column) before it goes into a query document.
pub fn graphql_name(action: &str, what: &str, name: &str) -> Result<(), RenderError> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(RenderError::Invalid {
            action: action.to_owned(),
            message: format!("{what} `{name}` is not a GraphQL name ([A-Za-z_][A-Za-z0-9_]*)"),
        })
    }
}
