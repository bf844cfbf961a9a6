//! `/__emulator/*`: the emulator's own control endpoints for tests and benchmarks. They need no
//! token, are not rate-limited, faulted or counted.
//!
//! | endpoint | effect |
//! |---|---|
//! | `GET /__emulator/stats` | request counts (see [`crate::Stats`]) |
//! | `GET /__emulator/requests` | `{"requests":[{method, template, path, status, body}]}` |
//! | `POST /__emulator/reset-stats` | zero the counters and the log (204) |
//! | `PUT /__emulator/faults` | replace the fault spec; body in `--faults` syntax; answers the seed in effect, `{"seed": N}` (200) |
//! | `PUT /__emulator/users/{id}` | seed a user object for `GET /api/v2/users/{id}` (200) |

use serde_json::{Value, json};

use super::{Reply, Req};
use crate::errors::ApiError;
use crate::faults::FaultSpec;
use crate::shared::{Shared, lock};

/// Handles an `/__emulator/…` request; `rest` is the path after the prefix.
pub fn handle(shared: &Shared, req: &Req, rest: &[String]) -> Result<Reply, ApiError> {
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (req.method.as_str(), rest.as_slice()) {
        ("GET", ["stats"]) => {
            let stats = shared.stats();
            Ok(Reply::ok(
                serde_json::to_value(stats).unwrap_or(Value::Null),
            ))
        }
        ("GET", ["requests"]) => {
            let log = lock(&shared.recorder).log();
            Ok(Reply::ok(json!({ "requests": log })))
        }
        ("POST", ["reset-stats"]) => {
            lock(&shared.recorder).reset();
            lock(&shared.store).versions_created = 0;
            Ok(Reply {
                status: 204,
                body: None,
                changed: false,
            })
        }
        ("PUT", ["faults"]) => set_faults(shared, req),
        ("PUT", ["users", id]) => {
            let user: Value =
                serde_json::from_slice(&req.body).map_err(|_| ApiError::bad_json())?;
            if !user.is_object() {
                return Err(ApiError::payload(
                    "Expected type object but found type array",
                    "",
                ));
            }
            lock(&shared.store)
                .state
                .users
                .insert((*id).to_string(), user.clone());
            Ok(Reply::write(200, Some(user)))
        }
        _ => Err(ApiError::not_found_route()),
    }
}

/// The body is the `--faults` syntax, raw or as a JSON string.
fn set_faults(shared: &Shared, req: &Req) -> Result<Reply, ApiError> {
    let text = String::from_utf8_lossy(&req.body).into_owned();
    let text = serde_json::from_str::<String>(&text).unwrap_or(text);
    let spec: FaultSpec = text
        .parse()
        .map_err(|e: String| ApiError::boom(400, e, Some("invalid_body")))?;
    let seed = {
        let mut faults = lock(&shared.faults);
        faults.replace(spec);
        faults.seed
    };
    shared.apply_build_faults();
    Ok(Reply::ok(json!({ "seed": seed })))
}
