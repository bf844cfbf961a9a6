//! What can go wrong talking to a tenant, with enough context to act on it.
//!
//! Every variant names the request (method and path *template*, so ids and queries do not turn
//! messages into noise) and the host. None may carry a token, a client secret or a secret value:
//! server messages are passed through [`super::redact::redact_known`] before they are stored here.

use std::fmt;

use serde::Deserialize;

/// The scopes a deployer's client grant needs on the Management API.
pub const DEPLOYER_SCOPES: &str = "read:actions create:actions update:actions delete:actions";

/// One Management API operation, as it appears in messages: `GET /api/v2/actions/actions/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Auth0's error body: `{statusCode, error, message, errorCode}` from the Management API, or
/// `{error, error_description}` from `/oauth/token`. Every field is optional in practice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ApiErrorBody {
    #[serde(rename = "statusCode")]
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub message: Option<String>,
    #[serde(rename = "errorCode")]
    pub error_code: Option<String>,
    pub error_description: Option<String>,
}

impl ApiErrorBody {
    /// The most useful human text in the body.
    pub fn text(&self) -> &str {
        self.message
            .as_deref()
            .or(self.error_description.as_deref())
            .or(self.error.as_deref())
            .unwrap_or("no message")
    }
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())?;
        if let Some(code) = &self.error_code {
            write!(f, " (errorCode `{code}`)")?;
        }
        Ok(())
    }
}

/// A failed tenant operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "missing Management API credentials: {}\n  hint: set `AUTH0_CLIENT_ID` and `AUTH0_CLIENT_SECRET` (or `AUTH0_ACCESS_TOKEN`), or name their sources under `tenant.credentials`",
        missing.join("; ")
    )]
    MissingCredentials { missing: Vec<String> },

    #[error("invalid tenant URL `{url}`: {reason}")]
    BadBaseUrl { url: String, reason: String },

    #[error("could not set up the HTTP client: {0}")]
    Setup(String),

    #[error(
        "could not get an access token from `{host}`: HTTP {status}: {body}\n  hint: check the client id and secret, and that the application has a client grant for the Management API"
    )]
    TokenRejected {
        host: String,
        status: u16,
        body: Box<ApiErrorBody>,
    },

    #[error(
        "{endpoint} on `{host}`: HTTP 401: the access token was rejected ({body})\n  hint: check the tenant's credentials; a given `AUTH0_ACCESS_TOKEN` may have expired"
    )]
    Unauthorized {
        endpoint: Endpoint,
        host: String,
        body: Box<ApiErrorBody>,
    },

    #[error(
        "{endpoint} on `{host}`: HTTP 403: the client lacks the scope {}\n  hint: grant it to the application under APIs → Auth0 Management API; a deployer needs `{DEPLOYER_SCOPES}`",
        scope_list(scopes)
    )]
    MissingScope {
        endpoint: Endpoint,
        host: String,
        scopes: Vec<String>,
    },

    #[error("{endpoint} on `{host}`: HTTP {status}: {body}")]
    Api {
        endpoint: Endpoint,
        host: String,
        status: u16,
        body: Box<ApiErrorBody>,
    },

    #[error("{endpoint} on `{host}`: still rate limited (HTTP 429) after {attempts} attempts")]
    RateLimited {
        endpoint: Endpoint,
        host: String,
        attempts: u32,
    },

    #[error(
        "cannot resolve host `{host}` (DNS lookup failed)\n  hint: check `tenant.domain` and the network"
    )]
    Dns { host: String },

    #[error(
        "connection to `{host}` refused\n  hint: is the tenant URL right, and is the emulator running?"
    )]
    ConnectionRefused { host: String },

    #[error(
        "TLS handshake with `{host}` failed: {detail}\n  hint: the server's certificate is not trusted for this host"
    )]
    Tls { host: String, detail: String },

    #[error("{endpoint} on `{host}`: timed out")]
    Timeout { endpoint: Endpoint, host: String },

    #[error("{endpoint} on `{host}`: connection failed: {detail}")]
    Connection {
        endpoint: Endpoint,
        host: String,
        detail: String,
    },

    /// A non-idempotent write whose outcome is unknown: the request may or may not have been
    /// applied. The caller must look the object up before trying again.
    #[error(
        "{endpoint} on `{host}`: the outcome is unknown ({cause}); look the object up before retrying"
    )]
    AmbiguousWrite {
        endpoint: Endpoint,
        host: String,
        cause: String,
    },

    #[error("{endpoint} on `{host}`: unexpected response: {detail}")]
    Decode {
        endpoint: Endpoint,
        host: String,
        detail: String,
    },

    #[error(
        "the tenant `{host}` has {count} actions named `{name}`; rename or delete the extra ones"
    )]
    DuplicateName {
        host: String,
        name: String,
        count: usize,
    },
}

fn scope_list(scopes: &[String]) -> String {
    if scopes.is_empty() {
        return "it needs (the server did not say which)".into();
    }
    scopes
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

impl Error {
    /// The HTTP status of an answered request, if this error is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::TokenRejected { status, .. } => Some(*status),
            Error::Unauthorized { .. } => Some(401),
            Error::MissingScope { .. } => Some(403),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}

/// The scopes named by a 403 `insufficient_scope` message such as
/// `Insufficient scope, expected any of: read:actions,create:actions`.
pub fn scopes_in_message(message: &str) -> Vec<String> {
    let Some((_, list)) = message.split_once(':') else {
        return Vec::new();
    };
    list.split([',', ' '])
        .map(|s| s.trim().trim_end_matches('.'))
        .filter(|s| s.contains(':'))
        .map(str::to_owned)
        .collect()
}

/// Words of rustls and hyper messages that mean the TLS layer failed ("corrupt message" is what
/// rustls says when the server does not speak TLS at all).
const TLS_SIGNS: &[&str] = &[
    "certificate",
    "tls",
    "handshake",
    "corrupt message",
    "peer misbehaved",
    "alert received",
];

/// How a request failed below HTTP, decided from reqwest's flags and its error chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFailure {
    Dns,
    Refused,
    Tls(String),
    Timeout,
    Other(String),
}

impl TransportFailure {
    /// Classifies a failure from the messages of its source chain (outermost first). Strings are
    /// the only stable interface here: hyper, rustls and the resolver do not share error types.
    pub fn classify(is_timeout: bool, chain: &[String]) -> TransportFailure {
        let all = chain.join(": ");
        let lower = all.to_ascii_lowercase();
        if lower.contains("dns error")
            || lower.contains("failed to lookup address")
            || lower.contains("name or service not known")
            || lower.contains("no such host")
        {
            TransportFailure::Dns
        } else if lower.contains("connection refused") {
            TransportFailure::Refused
        } else if TLS_SIGNS.iter().any(|sign| lower.contains(sign)) {
            TransportFailure::Tls(chain.last().cloned().unwrap_or_default())
        } else if is_timeout || lower.contains("timed out") {
            TransportFailure::Timeout
        } else {
            TransportFailure::Other(all)
        }
    }

    /// The user-facing error for this failure.
    pub fn into_error(self, endpoint: Endpoint, host: &str) -> Error {
        let host = host.to_owned();
        match self {
            TransportFailure::Dns => Error::Dns { host },
            TransportFailure::Refused => Error::ConnectionRefused { host },
            TransportFailure::Tls(detail) => Error::Tls { host, detail },
            TransportFailure::Timeout => Error::Timeout { endpoint, host },
            TransportFailure::Other(detail) => Error::Connection {
                endpoint,
                host,
                detail,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    const GET: Endpoint = Endpoint {
        method: "GET",
        path: "/api/v2/actions/actions",
    };

    fn chain(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn classifies_transport_failures() {
        let dns = chain(&[
            "error sending request",
            "client error (Connect)",
            "dns error",
            "failed to lookup address information: Name or service not known",
        ]);
        assert_eq!(
            TransportFailure::classify(false, &dns),
            TransportFailure::Dns
        );
        let refused = chain(&[
            "client error (Connect)",
            "tcp connect error",
            "Connection refused (os error 111)",
        ]);
        assert_eq!(
            TransportFailure::classify(false, &refused),
            TransportFailure::Refused
        );
        let tls = chain(&[
            "client error (Connect)",
            "invalid peer certificate: UnknownIssuer",
        ]);
        assert!(
            matches!(TransportFailure::classify(false, &tls), TransportFailure::Tls(d) if d.contains("UnknownIssuer"))
        );
        let plain_http = chain(&[
            "client error (Connect)",
            "received corrupt message of type InvalidContentType",
        ]);
        assert!(matches!(
            TransportFailure::classify(false, &plain_http),
            TransportFailure::Tls(_)
        ));
        assert_eq!(
            TransportFailure::classify(true, &chain(&["operation timed out"])),
            TransportFailure::Timeout
        );
        assert!(matches!(
            TransportFailure::classify(false, &chain(&["connection reset"])),
            TransportFailure::Other(_)
        ));
    }

    #[test]
    fn messages_name_the_host_and_request() {
        let e = TransportFailure::Dns.into_error(GET, "nope.example");
        assert!(e.to_string().contains("`nope.example`"));
        let e = TransportFailure::Timeout.into_error(GET, "h");
        assert_eq!(
            e.to_string(),
            "GET /api/v2/actions/actions on `h`: timed out"
        );
    }

    #[test]
    fn parses_the_missing_scope() {
        assert_eq!(
            scopes_in_message("Insufficient scope, expected any of: read:actions"),
            vec!["read:actions"]
        );
        assert_eq!(
            scopes_in_message(
                "Insufficient scope, expected any of: create:actions,update:actions."
            ),
            vec!["create:actions", "update:actions"]
        );
        assert!(scopes_in_message("Forbidden").is_empty());
        let e = Error::MissingScope {
            endpoint: GET,
            host: "h".into(),
            scopes: vec!["read:actions".into()],
        };
        let text = e.to_string();
        assert!(text.contains("lacks the scope `read:actions`"), "{text}");
        assert!(text.contains(DEPLOYER_SCOPES));
    }

    #[test]
    fn api_error_text_prefers_the_message() {
        let body: ApiErrorBody = serde_json::from_str(
            r#"{"statusCode":404,"error":"Not Found","message":"That action does not exist."}"#,
        )
        .unwrap();
        assert_eq!(body.to_string(), "That action does not exist.");
        let token: ApiErrorBody =
            serde_json::from_str(r#"{"error":"access_denied","error_description":"Unauthorized"}"#)
                .unwrap();
        assert_eq!(token.text(), "Unauthorized");
    }
}
