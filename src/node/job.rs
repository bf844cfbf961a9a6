//! The JSON exchanged with the Node harness.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::test_case::HttpStub;

/// A batch: the flow's actions, in order, and the cases to run through it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Job {
    pub actions: Vec<JobAction>,
    /// More flows, for a batch that spans several tenants: a case with `flow: Some(i)` runs
    /// through `flows[i]` instead of `actions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Vec<JobAction>>,
    pub cases: Vec<JobCase>,
    /// Time budget of the whole flow of one case, in milliseconds. Default: 20000 (Auth0's
    /// budget per trigger execution); running out fails the login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_limit_ms: Option<u64>,
}

/// One action of the flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobAction {
    pub name: String,
    pub code: String,
    /// The secrets this action may read; `None` lets it see every secret of the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<String>>,
}

/// One login to run through the flow.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JobCase {
    pub name: String,
    /// The full post-login event (`secrets` is filled in by the harness).
    pub event: serde_json::Value,
    pub secrets: BTreeMap<String, String>,
    pub http_stubs: Vec<HttpStub>,
    /// `api.cache` entries present before the flow.
    pub cache: BTreeMap<String, String>,
    /// A fixed `Date.now()` for the actions, in milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now_ms: Option<u64>,
    /// Index into [`Job::flows`]; `None` runs [`Job::actions`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<usize>,
}

/// What one case did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    pub name: String,
    /// Actions that started, in order (the flow stops after a deny or an uncaught error).
    pub actions_run: Vec<String>,
    pub id_token: serde_json::Map<String, serde_json::Value>,
    pub access_token: serde_json::Map<String, serde_json::Value>,
    pub scopes_added: Vec<String>,
    pub scopes_removed: Vec<String>,
    /// `app_metadata` keys set by the flow (`null` removes a key).
    pub app_metadata: serde_json::Map<String, serde_json::Value>,
    pub user_metadata: serde_json::Map<String, serde_json::Value>,
    pub denied: bool,
    pub deny_reason: Option<String>,
    pub denied_by: Option<String>,
    pub http_calls: Vec<HttpCall>,
    pub cache_reads: Vec<CacheRead>,
    pub cache_writes: Vec<CacheWrite>,
    pub cache_deletes: Vec<CacheDelete>,
    pub logs: Vec<LogLine>,
    /// Uncaught errors (Auth0 fails the login on these).
    pub errors: Vec<ThrownError>,
    /// A problem with the case itself, e.g. an unstubbed HTTP call.
    pub error: Option<String>,
    /// Wall time of the case in the harness, in milliseconds.
    #[serde(default)]
    pub duration_ms: f64,
}

/// An outbound call. Headers are kept as sent (they may hold secrets; callers redact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpCall {
    pub action: String,
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheRead {
    pub action: String,
    pub key: String,
    pub hit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheWrite {
    pub action: String,
    pub key: String,
    pub value: serde_json::Value,
    pub ttl: Option<f64>,
    pub expires_at: Option<f64>,
    /// Set when the write broke an `api.cache` limit and was refused.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheDelete {
    pub action: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub action: String,
    pub level: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThrownError {
    pub action: String,
    pub message: String,
}
