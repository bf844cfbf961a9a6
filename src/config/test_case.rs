//! Test cases of `loginflow test`: an event, secrets, HTTP stubs and expectations.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One test case of the login flow.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// The case's name, unique in the tenant.
    pub name: String,
    /// Post-login event fields; unset fields get realistic defaults.
    #[serde(default)]
    pub event: serde_json::Map<String, serde_json::Value>,
    /// Secret values for this case, by secret name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, String>,
    /// Stubbed HTTP responses, matched in order by method and URL pattern.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpStub>,
    /// Entries present in `api.cache` before the flow runs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cache: BTreeMap<String, String>,
    /// What must hold after the flow ran.
    pub expect: Expect,
}

/// A stubbed HTTP response.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpStub {
    /// HTTP method to match. Default: any.
    pub method: Option<String>,
    /// URL to match; `*` matches any run of characters.
    pub url: String,
    /// Response status. Default: 200.
    pub status: Option<u16>,
    /// Response JSON body.
    pub body: Option<serde_json::Value>,
    /// A raw response body instead of JSON (e.g. to test malformed JSON).
    pub raw_body: Option<String>,
    /// Delay before answering, in milliseconds.
    pub delay_ms: Option<u64>,
    /// Fail the request with a network error instead of answering.
    #[serde(default)]
    pub network_error: bool,
}

/// Expectations of a test case. Only what is set is checked.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The exact custom claims of the ID token.
    pub id_token: Option<serde_json::Map<String, serde_json::Value>>,
    /// Claims the ID token must carry, among others.
    pub id_token_includes: Option<serde_json::Map<String, serde_json::Value>>,
    /// The exact custom claims of the access token.
    pub access_token: Option<serde_json::Map<String, serde_json::Value>>,
    /// Claims the access token must carry, among others.
    pub access_token_includes: Option<serde_json::Map<String, serde_json::Value>>,
    /// The `app_metadata` keys set by the flow (a key set to `null` is removed).
    pub app_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// The `user_metadata` keys set by the flow.
    pub user_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// Whether the login is denied, and optionally with which reason.
    pub denied: Option<Denied>,
    /// The HTTP calls made, in order (method and URL pattern).
    pub http_calls: Option<Vec<ExpectedCall>>,
    /// Keys written to `api.cache`.
    pub cache_writes: Option<Vec<String>>,
}

/// A deny expectation: `false`, `true`, or the exact reason.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Denied {
    /// Denied or not, whatever the reason.
    Flag(bool),
    /// Denied with exactly this reason.
    Reason(String),
}

/// An expected outbound call.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCall {
    /// HTTP method.
    pub method: String,
    /// URL pattern; `*` matches any run of characters.
    pub url: String,
}
