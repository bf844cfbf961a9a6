//! One action of a tenant file: its kind, the options common to every kind, and the small enums
//! they share.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kinds::{ClaimsSpec, CustomSpec, EnrichSpec, HasuraSpec, ProfileSpec, TinybirdSpec};

/// An action, tagged by `kind`.
// Read once per file and kept in a map: the size of the largest kind costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionConfig {
    /// Sets custom claims from literals and event paths, optionally under conditions.
    Claims(Action<ClaimsSpec>),
    /// Sets the Hasura claims object and optionally upserts the user into Hasura.
    Hasura(Action<HasuraSpec>),
    /// Signs a Tinybird JWT for the user.
    Tinybird(Action<TinybirdSpec>),
    /// Calls a backend and maps its answer to claims and metadata.
    Enrich(Action<EnrichSpec>),
    /// Reads the user through the Management API and maps attributes to claims.
    Profile(Action<ProfileSpec>),
    /// The user's own JavaScript file, deployed unchanged.
    Custom(Action<CustomSpec>),
}

/// The options every kind shares, and the kind's own options beside them.
///
/// No `deny_unknown_fields` here: serde does not support it with `flatten`. Unknown keys are
/// caught by the JSON Schema pass instead, which sees the merged object (see `config::schema`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct Action<S> {
    /// The trigger this action runs on. Default: `post-login`.
    pub trigger: Option<Trigger>,
    /// Node runtime. Default: `defaults.runtime`, else `node22`.
    pub runtime: Option<Runtime>,
    /// A note for people; not deployed.
    pub description: Option<String>,
    /// When the action does nothing.
    pub skip: Option<Skip>,
    /// What the action does when a call it depends on fails. Default: `defaults.on_failure`, else `continue`.
    pub on_failure: Option<FailurePolicy>,
    /// The message given to `api.access.deny` under `on_failure: deny`.
    pub deny_message: Option<String>,
    /// Timeout of each outbound call, in milliseconds. Default: `defaults.timeout_ms`, else 5000.
    #[schemars(range(min = 100, max = 20000))]
    pub timeout_ms: Option<u32>,
    /// The kind's own options.
    #[serde(flatten)]
    pub spec: S,
}

impl ActionConfig {
    /// The kind's name as written in YAML.
    pub fn kind(&self) -> &'static str {
        match self {
            ActionConfig::Claims(_) => "claims",
            ActionConfig::Hasura(_) => "hasura",
            ActionConfig::Tinybird(_) => "tinybird",
            ActionConfig::Enrich(_) => "enrich",
            ActionConfig::Profile(_) => "profile",
            ActionConfig::Custom(_) => "custom",
        }
    }

    /// The options common to every kind.
    pub fn common(&self) -> Common<'_> {
        macro_rules! common {
            ($a:expr) => {
                Common {
                    trigger: $a.trigger,
                    runtime: $a.runtime,
                    skip: $a.skip.as_ref(),
                    on_failure: $a.on_failure,
                    deny_message: $a.deny_message.as_deref(),
                    timeout_ms: $a.timeout_ms,
                }
            };
        }
        match self {
            ActionConfig::Claims(a) => common!(a),
            ActionConfig::Hasura(a) => common!(a),
            ActionConfig::Tinybird(a) => common!(a),
            ActionConfig::Enrich(a) => common!(a),
            ActionConfig::Profile(a) => common!(a),
            ActionConfig::Custom(a) => common!(a),
        }
    }
}

/// A borrowed view of the options every kind shares.
#[derive(Debug, Clone, Copy)]
pub struct Common<'a> {
    pub trigger: Option<Trigger>,
    pub runtime: Option<Runtime>,
    pub skip: Option<&'a Skip>,
    pub on_failure: Option<FailurePolicy>,
    pub deny_message: Option<&'a str>,
    pub timeout_ms: Option<u32>,
}

/// An Auth0 Actions trigger.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    PostLogin,
    CredentialsExchange,
    PreUserRegistration,
    PostUserRegistration,
    PostChangePassword,
}

impl Trigger {
    /// The trigger id used by the Management API.
    pub fn id(self) -> &'static str {
        match self {
            Trigger::PostLogin => "post-login",
            Trigger::CredentialsExchange => "credentials-exchange",
            Trigger::PreUserRegistration => "pre-user-registration",
            Trigger::PostUserRegistration => "post-user-registration",
            Trigger::PostChangePassword => "post-change-password",
        }
    }

    /// The trigger version current deployments target.
    pub fn version(self) -> &'static str {
        match self {
            Trigger::PostLogin => "v3",
            _ => "v2",
        }
    }

    /// Looks a trigger up by its API id.
    pub fn from_id(id: &str) -> Option<Trigger> {
        [
            Trigger::PostLogin,
            Trigger::CredentialsExchange,
            Trigger::PreUserRegistration,
            Trigger::PostUserRegistration,
            Trigger::PostChangePassword,
        ]
        .into_iter()
        .find(|t| t.id() == id)
    }
}

/// A Node runtime of Auth0 Actions. `node12` and `node16` reached end of life in 2025 and are
/// refused; `node18` is what the API reports as `node18-actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    Node18,
    Node22,
}

impl Runtime {
    /// The runtime string the Management API uses.
    pub fn api_name(self) -> &'static str {
        match self {
            Runtime::Node18 => "node18-actions",
            Runtime::Node22 => "node22",
        }
    }

    /// Reads a runtime string from the API; `None` for runtimes this tool does not manage.
    pub fn from_api(name: &str) -> Option<Runtime> {
        match name {
            "node18" | "node18-actions" => Some(Runtime::Node18),
            "node22" => Some(Runtime::Node22),
            _ => None,
        }
    }
}

/// What an action does when a call it depends on fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// Log and go on without the action's claims: the login succeeds.
    Continue,
    /// Refuse the login with `api.access.deny`.
    Deny,
}

/// Which tokens a claim goes on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Token {
    /// The ID token.
    Id,
    /// The access token.
    Access,
}

/// When an action does nothing. Any matching rule skips it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Skip {
    /// Skip refresh-token exchanges (`event.transaction.protocol` = `oauth2-refresh-token`).
    #[serde(default)]
    pub refresh_token: bool,
    /// Skip these `event.transaction.protocol` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<String>,
    /// Skip logins through these client ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    /// Run only for these client ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only_clients: Vec<String>,
    /// Run only for these connection names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only_connections: Vec<String>,
}

/// A condition on the login event. Every field that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The user has at least one of these Auth0 roles (`event.authorization.roles`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub has_role: Vec<String>,
    /// The connection name is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connection: Vec<String>,
    /// The client id is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client: Vec<String>,
    /// The user's email is (or is not) verified.
    pub email_verified: Option<bool>,
    /// An event path tested with `equals`, `in` or `exists`.
    pub path: Option<String>,
    /// The value at `path` equals this.
    pub equals: Option<serde_json::Value>,
    /// The value at `path` is one of these.
    #[serde(rename = "in")]
    pub in_: Option<Vec<serde_json::Value>>,
    /// The value at `path` is present (not null or undefined), or absent.
    pub exists: Option<bool>,
}

/// npm dependencies of a `custom` action: package name → exact version.
pub type Dependencies = BTreeMap<String, String>;
