//! The options of each action kind. These structs are flattened into [`super::action::Action`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::action::{Condition, Dependencies, Token};

fn default_privileged_roles() -> Vec<String> {
    vec!["admin".to_owned()]
}

fn default_tokens() -> Vec<Token> {
    vec![Token::Id, Token::Access]
}

/// `kind: claims` — custom claims from literals and event paths.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ClaimsSpec {
    /// A prefix for claim names that are not already URLs, e.g. `https://acme.com/`.
    pub namespace: Option<String>,
    /// The claims, set in order.
    pub claims: Vec<Claim>,
}

/// One custom claim.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The claim name (prefixed by `namespace` unless it is a URL).
    pub name: String,
    /// A literal value (any JSON value). Exactly one of `value` and `path`.
    pub value: Option<serde_json::Value>,
    /// A path into the post-login event, e.g. `user.app_metadata.org_id`.
    pub path: Option<String>,
    /// The value used when `path` is missing in the event; without it the claim is not set.
    pub default: Option<serde_json::Value>,
    /// Which tokens carry the claim. Default: both.
    #[serde(default = "default_tokens")]
    pub tokens: Vec<Token>,
    /// Set the claim only when this holds.
    pub when: Option<Condition>,
}

/// `kind: hasura` — the Hasura claims object, and optional user sync.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct HasuraSpec {
    /// The claim that carries the Hasura claims. Default: `https://hasura.io/jwt/claims`.
    pub namespace: Option<String>,
    /// `json` (an object) or `stringified_json` (a JSON string). Default: `json`.
    pub format: Option<HasuraFormat>,
    /// Which tokens carry the claims. Default: the access token only.
    pub tokens: Option<Vec<Token>>,
    /// Event path of `x-hasura-user-id`. Default: `user.user_id`.
    pub user_id: Option<String>,
    /// `x-hasura-default-role` when no rule matches.
    pub default_role: String,
    /// `x-hasura-allowed-roles` when no rule matches.
    pub allowed_roles: Vec<String>,
    /// Rules tried in order; the first that matches decides the roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub role_rules: Vec<HasuraRoleRule>,
    /// Roles that must never be granted on data the user can edit: a role rule whose `when`
    /// reads such data (e.g. `user.user_metadata`) and grants one of these is an error.
    /// Default: `[admin]`.
    #[serde(default = "default_privileged_roles")]
    pub privileged_roles: Vec<String>,
    /// Extra session variables: `x-hasura-*` name → event path. Values are sent as strings;
    /// arrays become Postgres array literals.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub session_variables: BTreeMap<String, String>,
    /// Skip the claims when the event has no `authorization` (e.g. some machine flows).
    #[serde(default)]
    pub require_authorization: bool,
    /// Upsert the user into Hasura on login.
    pub sync: Option<HasuraSync>,
    /// The Hasura project's metadata folder (the `hasura metadata export` layout), relative to
    /// the file declaring the action: `validate` checks roles and session variables against its
    /// permissions.
    pub metadata: Option<String>,
    /// Hasura's `HASURA_GRAPHQL_UNAUTHORIZED_ROLE`: its permissions serve requests without a
    /// token, so no rule needs to grant it.
    pub unauthorized_role: Option<String>,
}

/// Format of the Hasura claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HasuraFormat {
    Json,
    StringifiedJson,
}

/// A role rule of a `hasura` action.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HasuraRoleRule {
    /// When the rule applies.
    pub when: Condition,
    /// `x-hasura-default-role` under this rule.
    pub default_role: String,
    /// `x-hasura-allowed-roles` under this rule.
    pub allowed_roles: Vec<String>,
}

/// Upsert of the user into a Hasura table with `insert_<table>_one`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HasuraSync {
    /// The GraphQL endpoint, e.g. `https://hasura.acme.com/v1/graphql`.
    pub endpoint: String,
    /// Name of the secret that holds the Hasura admin secret.
    pub admin_secret: String,
    /// The table to upsert into.
    pub table: String,
    /// The unique constraint used by `on_conflict`.
    pub constraint: String,
    /// Columns updated when the row exists.
    pub update_columns: Vec<String>,
    /// Column → event path of the inserted values.
    pub columns: BTreeMap<String, String>,
    /// What a failed sync does. Default: the action's `on_failure`.
    pub on_failure: Option<super::action::FailurePolicy>,
    /// When the sync alone is skipped; the claims are still set (refreshed tokens need them).
    pub skip: Option<super::action::Skip>,
}

/// `kind: tinybird` — a Tinybird JWT signed for the user.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct TinybirdSpec {
    /// The Tinybird workspace id.
    pub workspace_id: String,
    /// Name of the secret holding the workspace admin token, which signs the JWT.
    pub signing_key: String,
    /// Token lifetime in seconds (positive).
    pub expires_in: i64,
    /// Prefix of the token's `name`, which is the prefix followed by `event.user.user_id`.
    pub name_prefix: Option<String>,
    /// The scopes of the token.
    pub scopes: Vec<TinybirdScope>,
    /// Requests per second allowed per token name.
    pub limits: Option<TinybirdLimits>,
    /// The claim that carries the token.
    pub claim: Option<String>,
    /// Which tokens carry the claim. Default: the access token.
    pub tokens: Option<Vec<Token>>,
    /// Also store the token in `app_metadata` under this key (it persists a credential).
    pub app_metadata_key: Option<String>,
    /// The Tinybird project folder (`*.pipe`, `*.datasource`), relative to the file declaring
    /// the action: `validate` checks the scopes against its datafiles.
    pub project: Option<String>,
    /// Pipe parameters (and data source columns) that separate tenants: a scope must fix each
    /// one its pipe reads. Default: `org_id`, `tenant_id`, `account_id`, `workspace_id`,
    /// `customer_id`.
    pub tenant_keys: Option<Vec<String>>,
}

/// A scope of a Tinybird JWT.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TinybirdScope {
    /// `PIPES:READ` or `DATASOURCES:READ`.
    #[serde(rename = "type")]
    pub scope_type: TinybirdScopeType,
    /// The pipe or data source name.
    pub resource: String,
    /// For `PIPES:READ`: parameter → event path; the user cannot override them (row-level security).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fixed_params: BTreeMap<String, String>,
    /// For `DATASOURCES:READ`: a SQL filter appended to every query.
    pub filter: Option<String>,
    /// Tenant keys this scope deliberately leaves to the caller (not fixed, not filtered): each
    /// acknowledges one row-level-security finding of `validate`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_unfixed: Vec<String>,
}

/// Tinybird scope types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum TinybirdScopeType {
    #[serde(rename = "PIPES:READ")]
    PipesRead,
    #[serde(rename = "DATASOURCES:READ")]
    DatasourcesRead,
}

/// Tinybird token limits.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TinybirdLimits {
    /// Requests per second per token name.
    pub rps: u32,
}

/// `kind: enrich` — call a backend and map its answer.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct EnrichSpec {
    /// The backend URL (https).
    pub url: String,
    /// HTTP method. Default: `GET` without `body`, `POST` with.
    pub method: Option<HttpMethod>,
    /// Query parameters: name → event path, or `{ value: … }` for a literal string, number or
    /// boolean.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, RequestValue>,
    /// JSON body fields: name → event path, or `{ value: … }` for a literal JSON value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub body: BTreeMap<String, RequestValue>,
    /// How the call authenticates.
    pub auth: Option<EnrichAuth>,
    /// Response field (dot path) → where it goes.
    pub map: Vec<FieldMapping>,
    /// Cache the mapped result in `app_metadata` and call the backend again only after a TTL.
    pub cache: Option<ResultCache>,
}

/// A query parameter or body field of `enrich`: an event path, or a literal value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RequestValue {
    /// An event path, e.g. `user.email`; left out when the event has no value there.
    Path(String),
    /// A literal sent as written, e.g. `{ value: true }`.
    Literal(Literal),
}

/// A literal value: `{ value: … }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Literal {
    /// The value, any JSON value (query parameters: a string, number or boolean).
    pub value: serde_json::Value,
}

/// A setting written in the file, or read from a secret at login:
/// `client_id: abc` or `client_id: { secret: CRM_CLIENT_ID }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TextOrSecret {
    /// The value as written.
    Text(String),
    /// The value of a declared secret, read from `event.secrets` at login.
    Secret(SecretRef),
}

/// `{ secret: NAME }`: the value of a declared secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// Name of the secret.
    pub secret: String,
}

impl TextOrSecret {
    /// The secret it reads, if any.
    pub fn secret(&self) -> Option<&str> {
        match self {
            TextOrSecret::Text(_) => None,
            TextOrSecret::Secret(s) => Some(&s.secret),
        }
    }

    /// The text as written, or `secret:NAME` (stable while the secret's value changes).
    pub fn key_part(&self) -> String {
        match self {
            TextOrSecret::Text(t) => t.clone(),
            TextOrSecret::Secret(s) => format!("secret:{}", s.secret),
        }
    }
}

/// HTTP methods for `enrich`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum HttpMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
}

/// Authentication of an outbound call.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum EnrichAuth {
    /// A client-credentials (M2M) token, cached with `api.cache` until shortly before it expires.
    M2m(M2mAuth),
    /// `Authorization: Bearer <secret>`.
    Bearer {
        /// Name of the secret holding the token.
        secret: String,
    },
    /// A header carrying a secret, e.g. an API key.
    Header {
        /// Header name.
        name: String,
        /// Name of the secret holding the value.
        secret: String,
    },
}

/// Client-credentials token settings.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct M2mAuth {
    /// The token endpoint, e.g. `https://acme.eu.auth0.com/oauth/token`, or `{ secret: NAME }`
    /// (its value must then be an https URL).
    pub token_url: TextOrSecret,
    /// The client id (not a secret), or `{ secret: NAME }` to keep it out of the file.
    pub client_id: TextOrSecret,
    /// Name of the secret holding the client secret.
    pub client_secret: String,
    /// The audience of the token.
    pub audience: String,
}

/// Where one field of a response goes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldMapping {
    /// Dot path into the response (or the user object for `profile`); `.` is the whole of it.
    pub from: String,
    /// The claim that receives it.
    pub claim: Option<String>,
    /// Which tokens carry the claim. Default: both.
    #[serde(default = "default_tokens")]
    pub tokens: Vec<Token>,
    /// The `app_metadata` key that receives it.
    pub app_metadata: Option<String>,
    /// The `user_metadata` key that receives it (the user can edit it: never trust it back).
    pub user_metadata: Option<String>,
}

/// A result cache in `app_metadata`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultCache {
    /// The `app_metadata` key holding `{ value, fetched_at }`.
    pub key: String,
    /// Seconds before the backend is called again.
    #[schemars(range(min = 1))]
    pub ttl_seconds: u64,
}

/// `kind: profile` — read the user through the Management API.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ProfileSpec {
    /// The Management API domain. Default: the tenant's domain.
    pub domain: Option<String>,
    /// Client id of the M2M application with `read:users` (not a secret), or `{ secret: NAME }`.
    pub client_id: TextOrSecret,
    /// Name of the secret holding its client secret.
    pub client_secret: String,
    /// User attribute (dot path into the user object) → where it goes.
    pub map: Vec<FieldMapping>,
    /// Keep the mapped attributes in `app_metadata` and read the user again only after a TTL
    /// (changes in the directory reach tokens up to `ttl_seconds` late).
    pub cache: Option<ResultCache>,
}

/// `kind: custom` — the user's own code.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct CustomSpec {
    /// Path of the JavaScript file, relative to the file that declares the action.
    pub code: String,
    /// npm dependencies: package → version.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependencies: Dependencies,
    /// Names of the secrets the code reads from `event.secrets`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}
