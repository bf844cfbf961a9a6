//! The raw configuration model: a tenant file (or an included fragment) exactly as written.
//!
//! These types mirror the YAML one to one and derive both `Deserialize` and `JsonSchema`, so the
//! checked-in JSON Schema is generated from them. They hold no spans: locations come from
//! [`super::source_index::SourceIndex`] by JSON Pointer. Semantic checks live in `validate`, above this module.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::action::ActionConfig;
use super::test_case::TestCase;

/// A tenant file, or a fragment pulled in with `include`.
///
/// A tenant file sets `version` and `tenant`; a fragment (a base shared by several tenants) holds
/// everything else. An including file changes what it includes under `overrides`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Version of the configuration language. Always `1`.
    #[schemars(range(min = 1, max = 1))]
    pub version: Option<u32>,
    /// Which Auth0 tenant this file manages and how to reach it.
    pub tenant: Option<TenantConfig>,
    /// Shared fragments merged into this file, relative to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Defaults applied to every action that does not set the option itself.
    pub defaults: Option<Defaults>,
    /// Secrets the actions need, by name, with where their values come from. Values never live in YAML.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, SecretSource>,
    /// The actions, by name. The name is the Action's name in Auth0.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub actions: BTreeMap<String, ActionConfig>,
    /// The order in which actions are bound to each trigger.
    pub flow: Option<Flow>,
    /// Test cases run by `loginflow test` against the rendered flow, without a tenant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestCase>,
    /// Changes to what the included files declare; this file wins. Mappings merge deeply, lists
    /// and scalars are replaced whole, `null` removes a key (or a whole action or secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Overrides>,
    /// Variables that strings use as `${var.NAME}`, each with a type and an optional default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, Variable>,
    /// Values of variables for this tenant; they win over those of the files this one includes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, VarValue>,
}

/// Changes to included declarations, by section.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Fields to change in included actions, by action name; `null` removes the action.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub actions: BTreeMap<String, Option<serde_json::Map<String, serde_json::Value>>>,
    /// Included secrets whose source changes (replaced whole); `null` removes the secret.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, Option<SecretSource>>,
    /// Fields to change in the included `defaults`.
    pub defaults: Option<Defaults>,
    /// Fields to change in the included `flow` (a trigger's list is replaced whole).
    pub flow: Option<Flow>,
}

/// A variable's declaration.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    /// The type of its values.
    #[serde(rename = "type")]
    pub ty: VariableType,
    /// The value when the tenant file does not set one under `vars`.
    pub default: Option<VarValue>,
    /// A note for people.
    pub description: Option<String>,
}

/// The type of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VariableType {
    String,
    Number,
    Boolean,
}

/// A variable's value: substituted into strings as its text.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum VarValue {
    Bool(bool),
    Number(f64),
    String(String),
}

/// The tenant target.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The tenant's domain (`acme.eu.auth0.com`), `local` for the embedded local tenant, or
    /// `http://127.0.0.1:PORT` / `http://localhost:PORT` for a standalone emulator
    /// (`https://` for one serving `--tls`, trusted through `LOGINFLOW_CA_CERT`).
    pub domain: String,
    /// Which owner this file is on its tenant: a stable id written in the managed header of every
    /// action it deploys (1–64 of `a-z`, `0-9`, `.`, `_`, `-`, starting with a letter or digit).
    /// Files that manage one tenant declare distinct owners, and each leaves the other's actions
    /// alone. Default: `default`, whose header carries no owner line.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub owner: Option<String>,
    /// Where the Management API client credentials come from. Default: the environment variables
    /// `AUTH0_CLIENT_ID` / `AUTH0_CLIENT_SECRET`, or `AUTH0_ACCESS_TOKEN`.
    pub credentials: Option<Credentials>,
    /// A client-side cap on requests to this tenant.
    pub rate_limit: Option<RateLimit>,
    /// How long `apply`'s lock on this tenant stays valid when its holder dies without releasing
    /// it (`30s`, `15m`, `1h`; default `15m`). Longer than your longest apply; `--lock-ttl`
    /// overrides it.
    #[schemars(regex(pattern = r"^[1-9][0-9]*(ms|s|m|h)$"))]
    pub lock_ttl: Option<String>,
    /// A folder of templates that override the built-in ones, by kind (`claims.js.j2`, ...),
    /// relative to this file.
    pub templates: Option<String>,
}

/// The owner of a tenant file that declares none (and of every header without an owner line).
pub const DEFAULT_OWNER: &str = "default";

impl ConfigFile {
    /// The file's owner on its tenant: `tenant.owner`, or [`DEFAULT_OWNER`].
    pub fn owner(&self) -> &str {
        self.tenant
            .as_ref()
            .and_then(|t| t.owner.as_deref())
            .unwrap_or(DEFAULT_OWNER)
    }
}

/// Management API credentials. Never literal values: each comes from the environment or a file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// The client id of a machine-to-machine application authorised for the Management API.
    pub client_id: Option<SecretSource>,
    /// Its client secret.
    pub client_secret: Option<SecretSource>,
    /// A ready access token, instead of client credentials.
    pub access_token: Option<SecretSource>,
}

/// Where a secret value comes from at plan/apply time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum SecretSource {
    /// An environment variable.
    Env(String),
    /// A file whose content (without a trailing newline) is the value, relative to the tenant
    /// file; it must resolve inside the repository root.
    File(String),
    /// An absolute path to a file mounted outside the repository (`/run/secrets/x`): the one
    /// place a tenant file may name a file outside the root. Its value is never shown.
    MountedFile(String),
}

/// A client-side request budget for one tenant.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second.
    #[schemars(range(min = 0.1))]
    pub per_second: f64,
    /// Requests that may be sent at once after a pause.
    #[schemars(range(min = 1))]
    pub burst: u32,
}

/// Defaults for every action.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Node runtime of the Actions.
    pub runtime: Option<super::action::Runtime>,
    /// What an action does when a call it depends on fails.
    pub on_failure: Option<super::action::FailurePolicy>,
    /// Timeout of each outbound call, in milliseconds.
    #[schemars(range(min = 100, max = 20000))]
    pub timeout_ms: Option<u32>,
    /// When actions are skipped.
    pub skip: Option<super::action::Skip>,
}

/// Bindings per trigger, in execution order, and how to treat what this file does not own.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Actions bound to the post-login trigger, in order.
    #[serde(rename = "post-login")]
    pub post_login: Option<Vec<String>>,
    /// Actions bound to the credentials-exchange trigger, in order.
    #[serde(rename = "credentials-exchange")]
    pub credentials_exchange: Option<Vec<String>>,
    /// Actions bound to the pre-user-registration trigger, in order.
    #[serde(rename = "pre-user-registration")]
    pub pre_user_registration: Option<Vec<String>>,
    /// Actions bound to the post-user-registration trigger, in order.
    #[serde(rename = "post-user-registration")]
    pub post_user_registration: Option<Vec<String>>,
    /// Actions bound to the post-change-password trigger, in order.
    #[serde(rename = "post-change-password")]
    pub post_change_password: Option<Vec<String>>,
    /// What to do with bound actions this file does not own.
    #[serde(default)]
    pub unmanaged: UnmanagedPolicy,
    /// Delete managed actions that are no longer in this file (also `apply --prune`).
    #[serde(default)]
    pub prune: bool,
}

impl Flow {
    /// The triggers this flow manages, with their ordered action lists, in a fixed order.
    pub fn triggers(&self) -> Vec<(super::action::Trigger, &[String])> {
        use super::action::Trigger;
        [
            (Trigger::PostLogin, &self.post_login),
            (Trigger::CredentialsExchange, &self.credentials_exchange),
            (Trigger::PreUserRegistration, &self.pre_user_registration),
            (Trigger::PostUserRegistration, &self.post_user_registration),
            (Trigger::PostChangePassword, &self.post_change_password),
        ]
        .into_iter()
        .filter_map(|(t, list)| list.as_deref().map(|l| (t, l)))
        .collect()
    }
}

/// Policy for bindings of actions that this file does not own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnmanagedPolicy {
    /// Leave them bound; ours are placed after those that came before our first binding.
    #[default]
    Keep,
    /// Unbind them (the actions themselves are never deleted).
    Remove,
    /// Refuse to plan while any is bound.
    Error,
}
