//! API error bodies in Auth0's hapi/Boom shape: `{statusCode, error, message, errorCode?}`.
//!
//! Messages are the ones recorded from, or reported about, the real service; see
//! `reference/auth0-management-api.md` section 1.9. Each constructor names one situation.

use serde_json::{Map, Value, json};

/// An error answer: status code plus JSON body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub body: Value,
}

impl ApiError {
    /// The Boom shape; `error` is the HTTP reason phrase of `status`.
    pub fn boom(status: u16, message: impl Into<String>, code: Option<&str>) -> Self {
        let mut body = Map::new();
        body.insert("statusCode".into(), json!(status));
        body.insert("error".into(), json!(reason(status)));
        body.insert("message".into(), json!(message.into()));
        if let Some(code) = code {
            body.insert("errorCode".into(), json!(code));
        }
        ApiError {
            status,
            body: Value::Object(body),
        }
    }

    pub fn action_not_found() -> Self {
        Self::boom(404, "That action does not exist.", None)
    }

    pub fn version_not_found() -> Self {
        Self::boom(404, "That action version does not exist.", None)
    }

    pub fn execution_not_found() -> Self {
        Self::boom(404, "That execution does not exist.", None)
    }

    pub fn user_not_found() -> Self {
        Self::boom(404, "The user does not exist.", Some("inexistent_user"))
    }

    pub fn trigger_not_found(id: &str) -> Self {
        Self::boom(404, format!("Trigger '{id}' does not exist."), None)
    }

    pub fn not_found_route() -> Self {
        Self::boom(404, "Not Found", None)
    }

    /// `Payload validation error: '<detail>'[ on property <path>].`
    pub fn payload(detail: &str, property: &str) -> Self {
        let message = if property.is_empty() {
            format!("Payload validation error: '{detail}'.")
        } else {
            format!("Payload validation error: '{detail}' on property {property}.")
        };
        Self::boom(400, message, Some("invalid_body"))
    }

    /// `Query validation error: '<detail>'.`
    pub fn query(detail: &str) -> Self {
        Self::boom(
            400,
            format!("Query validation error: '{detail}'."),
            Some("invalid_query_string"),
        )
    }

    pub fn bad_json() -> Self {
        Self::boom(400, "Invalid request payload JSON format", None)
    }

    pub fn unsupported_media_type() -> Self {
        Self::boom(415, "Unsupported Media Type", None)
    }

    pub fn too_large() -> Self {
        Self::boom(
            413,
            "Payload content length greater than maximum allowed: 1048576",
            None,
        )
    }

    pub fn not_built() -> Self {
        Self::boom(
            400,
            "A draft must be in the 'built' state before it can be deployed.",
            None,
        )
    }

    pub fn binding_not_deployed() -> Self {
        Self::boom(
            400,
            "Trying to create a binding for an action that has not been deployed yet",
            None,
        )
    }

    pub fn bound_action() -> Self {
        Self::boom(409, "Unable to delete an action bound to a trigger.", None)
    }

    pub fn duplicate_name() -> Self {
        Self::boom(
            409,
            "An action with that name already exists.",
            Some("action_conflict"),
        )
    }

    /// The body recorded on a real 429 (terraform `eee61dfe/TestAccAction.yaml` #5).
    pub fn rate_limited() -> Self {
        Self::boom(
            429,
            "Global limit has been reached",
            Some("too_many_requests"),
        )
    }

    pub fn missing_auth() -> Self {
        Self::boom(401, "Missing authentication", None)
    }

    /// The 401 for a bad or expired token, with Auth0's extra `attributes` object.
    pub fn invalid_token(message: &str) -> Self {
        let mut err = Self::boom(401, message, None);
        if let Value::Object(map) = &mut err.body {
            map.insert("attributes".into(), json!({ "error": message }));
        }
        err
    }

    /// An injected server fault.
    pub fn injected(status: u16) -> Self {
        Self::boom(status, "Injected fault (loginflow emulator)", None)
    }

    /// An OAuth error body (`/oauth/token` does not use the Boom shape).
    pub fn oauth(status: u16, error: &str, description: &str) -> Self {
        ApiError {
            status,
            body: json!({ "error": error, "error_description": description }),
        }
    }
}

/// The HTTP reason phrase Boom puts in `error`.
pub fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}
