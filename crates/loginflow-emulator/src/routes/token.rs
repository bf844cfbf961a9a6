//! `POST /oauth/token` (client credentials, JSON or form body) and bearer-token checks.
//!
//! Tokens are opaque random strings valid for 86400 s, held in memory only: a restarted
//! emulator forgets them, as clients re-authenticate on 401 anyway.

use serde_json::{Value, json};

use super::{Reply, Req};
use crate::clock;
use crate::errors::ApiError;
use crate::ids;
use crate::shared::{Shared, lock};
use crate::validate::form_decode;

/// Lifetime of an access token, as the Management API's default.
const EXPIRES_IN: u64 = 86_400;

/// The scopes granted to the emulator's main client.
const SCOPE: &str = "read:actions create:actions update:actions delete:actions read:users";

/// The token request's fields, from either body encoding.
fn fields(req: &Req) -> Result<Vec<(String, String)>, ApiError> {
    let ct = req
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        return Ok(form_decode(&String::from_utf8_lossy(&req.body)));
    }
    if !ct.starts_with("application/json") {
        return Err(ApiError::unsupported_media_type());
    }
    let v: Value = serde_json::from_slice(&req.body).map_err(|_| ApiError::bad_json())?;
    let map = v.as_object().ok_or_else(ApiError::bad_json)?;
    Ok(map
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect())
}

pub fn issue(shared: &Shared, req: &Req) -> Result<Reply, ApiError> {
    let f = fields(req)?;
    let get = |k: &str| f.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    match get("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            let msg = format!("Unsupported grant type: {other}");
            return Err(ApiError::oauth(400, "unsupported_grant_type", &msg));
        }
        None => {
            return Err(ApiError::oauth(
                400,
                "invalid_request",
                "Missing required parameter: grant_type",
            ));
        }
    }
    let (id, secret) = (get("client_id"), get("client_secret"));
    let scope = if id == Some(shared.client_id.as_str())
        && secret == Some(shared.client_secret.as_str())
    {
        SCOPE.to_string()
    } else {
        shared
            .clients
            .iter()
            .find(|c| id == Some(c.client_id.as_str()) && secret == Some(c.client_secret.as_str()))
            .map(|c| c.scope.clone())
            .ok_or_else(|| ApiError::oauth(401, "access_denied", "Unauthorized"))?
    };
    match get("audience") {
        Some(aud) if aud.ends_with("/api/v2/") => {}
        Some(aud) => {
            return Err(ApiError::oauth(
                403,
                "access_denied",
                &format!("Service not found: {aud}"),
            ));
        }
        None => {
            let msg =
                "No audience parameter was provided, and no default audience has been configured";
            return Err(ApiError::oauth(403, "access_denied", msg));
        }
    }
    let token = ids::token();
    let expiry = clock::now().saturating_add(EXPIRES_IN * 1_000_000_000);
    let mut tokens = lock(&shared.tokens);
    let now = clock::now();
    tokens.retain(|_, (exp, _)| *exp > now);
    tokens.insert(token.clone(), (expiry, scope.clone()));
    Ok(Reply::ok(json!({
        "access_token": token,
        "scope": scope,
        "expires_in": EXPIRES_IN,
        "token_type": "Bearer",
    })))
}

/// Checks `Authorization: Bearer <token>` against issued, unexpired tokens; returns the scopes
/// the token was granted.
pub fn authenticate(shared: &Shared, req: &Req) -> Result<String, ApiError> {
    let header = req
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::missing_auth)?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(ApiError::missing_auth)?
        .trim();
    match lock(&shared.tokens).get(token) {
        Some((exp, scope)) if *exp > clock::now() => Ok(scope.clone()),
        Some(_) => Err(ApiError::invalid_token(
            "Expired token received for JSON Web Token validation",
        )),
        None => Err(ApiError::invalid_token("Invalid token")),
    }
}
