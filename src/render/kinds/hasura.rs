//! Template data of `kind: hasura`: the claims object and the optional user upsert.

use serde_json::{Value, json};

use crate::config::action::Token;
use crate::config::kinds::{HasuraFormat, HasuraSpec, HasuraSync};
use crate::render::data;
use crate::render::error::RenderError;

/// Hasura's default `claims_namespace`.
pub const DEFAULT_NAMESPACE: &str = "https://hasura.io/jwt/claims";

pub fn data(action: &str, spec: &HasuraSpec) -> Result<Value, RenderError> {
    let rules: Vec<Value> = spec
        .role_rules
        .iter()
        .map(|r| {
            json!({
                "when": data::condition(Some(&r.when)),
                "default_role": r.default_role,
                "allowed_roles": r.allowed_roles,
            })
        })
        .collect();
    let sync = match &spec.sync {
        None => Value::Null,
        Some(sync) => sync_data(action, sync)?,
    };
    Ok(json!({
        "namespace": spec.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE),
        "stringified": spec.format == Some(HasuraFormat::StringifiedJson),
        "tokens": data::tokens(spec.tokens.as_deref().unwrap_or(&[Token::Access])),
        "user_id": data::path(spec.user_id.as_deref().unwrap_or("user.user_id")),
        "default_role": spec.default_role,
        "allowed_roles": spec.allowed_roles,
        "rules": rules,
        "session_variables": super::named_paths(&spec.session_variables),
        "require_authorization": spec.require_authorization,
        "sync": sync,
    }))
}

fn sync_data(action: &str, sync: &HasuraSync) -> Result<Value, RenderError> {
    data::graphql_name(action, "sync table", &sync.table)?;
    data::graphql_name(action, "sync constraint", &sync.constraint)?;
    for column in sync.update_columns.iter().chain(sync.columns.keys()) {
        data::graphql_name(action, "sync column", column)?;
    }
    Ok(json!({
        "endpoint": sync.endpoint,
        "admin_secret": sync.admin_secret,
        "query": upsert_mutation(sync),
        "columns": super::named_paths(&sync.columns),
        "on_failure": sync.on_failure,
        "skip": data::skip(sync.skip.as_ref()),
    }))
}

/// The GraphQL upsert. Only checked GraphQL names go into the document; every value travels in
/// the `$object` variable, never inside the query text.
fn upsert_mutation(sync: &HasuraSync) -> String {
    format!(
        "mutation LoginflowSyncUser($object: {table}_insert_input!) {{ \
         insert_{table}_one(object: $object, on_conflict: {{constraint: {constraint}, \
         update_columns: [{columns}]}}) {{ __typename }} }}",
        table = sync.table,
        constraint = sync.constraint,
        columns = sync.update_columns.join(", "),
    )
}
