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

/// A JSON object of the entries that are set, in order: generated constants leave out null and
/// empty fields (the templates treat a missing field as its empty value), so a code diff is as
/// small as the change.
pub fn object<const N: usize>(entries: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect(),
    )
}

/// A list, or `None` when it is empty.
fn non_empty(list: &[String]) -> Option<Value> {
    (!list.is_empty()).then(|| json!(list))
}

/// A skip rule with only the fields that are set, or `null`.
pub fn skip(skip: Option<&Skip>) -> Value {
    match skip {
        None => Value::Null,
        Some(s) => object([
            (
                "refresh_token",
                s.refresh_token.then_some(Value::Bool(true)),
            ),
            ("protocols", non_empty(&s.protocols)),
            ("clients", non_empty(&s.clients)),
            ("only_clients", non_empty(&s.only_clients)),
            ("only_connections", non_empty(&s.only_connections)),
        ]),
    }
}

/// A condition with only the fields that are set, or `null`. `equals` and `in` are kept as
/// written, even when empty: they are values to compare with.
pub fn condition(when: Option<&Condition>) -> Value {
    match when {
        None => Value::Null,
        Some(c) => object([
            ("has_role", non_empty(&c.has_role)),
            ("connection", non_empty(&c.connection)),
            ("client", non_empty(&c.client)),
            ("email_verified", c.email_verified.map(Value::Bool)),
            ("path", c.path.as_deref().map(path)),
            ("equals", c.equals.clone()),
            ("in", c.in_.clone().map(Value::Array)),
            ("exists", c.exists.map(Value::Bool)),
        ]),
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
