//! What an action calls, read from its config (the one its code carries, so a live action's
//! calls are known too): hosts only, never a path, query or secret.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One thing an action reaches during a login.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Call {
    pub kind: CallKind,
    /// The host called, or for a Tinybird token the workspace it is for.
    pub target: String,
}

/// Kinds of call, as the diagram labels them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// Hasura's GraphQL endpoint (the user sync).
    Hasura,
    /// A backend an `enrich` action calls.
    Backend,
    /// A token endpoint (client credentials).
    TokenEndpoint,
    /// The Auth0 Management API (`profile`).
    ManagementApi,
    /// A Tinybird JWT the action signs itself: no request.
    TinybirdToken,
}

impl CallKind {
    /// The label of the called node.
    pub fn label(self) -> &'static str {
        match self {
            CallKind::Hasura => "Hasura",
            CallKind::Backend => "backend",
            CallKind::TokenEndpoint => "token endpoint",
            CallKind::ManagementApi => "Management API",
            CallKind::TinybirdToken => "Tinybird token",
        }
    }
}

/// The calls of an action with this config, sorted.
pub fn calls(config: &Value, tenant_domain: &str) -> Vec<Call> {
    let text = |path: &[&str]| -> Option<String> {
        let mut v = config;
        for key in path {
            v = v.get(key)?;
        }
        v.as_str().map(str::to_owned)
    };
    let call = |kind, target: Option<String>| target.map(|target| Call { kind, target });
    let mut out: Vec<Call> = match config["kind"].as_str() {
        Some("hasura") => vec![call(
            CallKind::Hasura,
            text(&["sync", "endpoint"]).map(host),
        )],
        Some("enrich") => vec![
            call(CallKind::Backend, text(&["url"]).map(host)),
            call(
                CallKind::TokenEndpoint,
                text(&["auth", "m2m", "token_url"]).map(host),
            ),
        ],
        Some("profile") => {
            let domain = text(&["domain"]).unwrap_or_else(|| tenant_domain.to_owned());
            vec![call(CallKind::ManagementApi, Some(host(domain)))]
        }
        Some("tinybird") => vec![call(CallKind::TinybirdToken, text(&["workspace_id"]))],
        _ => Vec::new(),
    }
    .into_iter()
    .flatten()
    .collect();
    out.sort();
    out.dedup();
    out
}

/// The host (and port) of a URL, or the text itself when it names only a host.
fn host(url: String) -> String {
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    // Credentials in a URL are never shown.
    let authority = &rest[..end];
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hosts_of_each_kind() {
        let enrich = json!({"kind": "enrich", "url": "https://u:p@api.acme.example.com:8443/v1?q=1",
            "auth": {"m2m": {"token_url": "https://acme.eu.auth0.com/oauth/token"}}});
        assert_eq!(
            calls(&enrich, "t"),
            [
                Call {
                    kind: CallKind::Backend,
                    target: "api.acme.example.com:8443".into()
                },
                Call {
                    kind: CallKind::TokenEndpoint,
                    target: "acme.eu.auth0.com".into()
                },
            ]
        );
        let profile = json!({"kind": "profile", "client_id": "x"});
        assert_eq!(
            calls(&profile, "acme.eu.auth0.com")[0].target,
            "acme.eu.auth0.com"
        );
        let hasura = json!({"kind": "hasura", "default_role": "user"});
        assert!(calls(&hasura, "t").is_empty());
        assert!(calls(&json!({"kind": "claims"}), "t").is_empty());
    }
}
