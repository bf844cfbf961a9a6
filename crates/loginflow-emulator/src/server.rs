//! The HTTP/1.1 server: accepts loopback connections and runs each request through the pipeline
//! faults → rate limit (Management API routes) → latency → body limits → authentication → route →
//! faults after the fact (the answer lost) → stats.
//!
//! Built on hyper directly (not axum's router) for two reasons: every error must carry the real
//! API's body, and a "dropped connection" fault needs to close the socket without any response,
//! which hyper does when the service returns an error.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};

use super::errors::ApiError;
use super::rate_limit::Verdict;
use super::routes::{self, Reply, Req, admin, token};
use super::shared::{Injected, Shared, lock};
use super::stats::LoggedRequest;
use super::validate::{form_decode, path_decode};

/// The largest accepted body: Auth0 (hapi) answers 413 above 1 MB.
pub const MAX_BODY: usize = 1024 * 1024;

/// Marks a request whose connection is to be dropped.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

type Resp = Response<Full<Bytes>>;

/// Serves one request.
pub async fn serve(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Dropped> {
    let method = req.method().as_str().to_string();
    let raw = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let segs: Vec<String> = req
        .uri()
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(path_decode)
        .collect();
    if segs.first().map(String::as_str) == Some("__emulator") {
        let req = read(req, &method).await;
        let reply = match req {
            Ok(r) => admin::handle(&shared, &r, &segs[1..]).map(|reply| (reply, r)),
            Err(e) => Err(e),
        };
        return Ok(match reply {
            Ok((reply, _)) => finish(&shared, reply, None),
            Err(e) => error_response(&e, None),
        });
    }
    let matched = routes::route(&method, &segs);
    let template = matched.as_ref().map_or("UNMATCHED", |(_, t)| t).to_string();
    let log = |status: u16, body: &Bytes, faulted: bool| {
        let entry = LoggedRequest {
            method: method.clone(),
            template: template.clone(),
            path: raw.clone(),
            status,
            body: super::redact::logged_body(body),
        };
        lock(&shared.recorder).record(entry, faulted);
    };
    let injected = lock(&shared.faults).next();
    if injected == Some(Injected::Drop) {
        log(0, &Bytes::new(), true);
        return Err(Dropped);
    }
    // `/oauth/token` is the Authentication API, which has limits of its own; Auth0's global
    // Management API bucket covers `/api/v2` only, so the token request neither spends from it
    // nor reports it.
    let is_token = matches!(matched, Some((routes::Route::Token, _)));
    let verdict = if is_token { None } else { shared.rate_limit() };
    let latency = shared.latency_ms + lock(&shared.faults).spec.latency_ms;
    if latency > 0 {
        delay(Duration::from_millis(latency)).await;
    }
    let req = match read(req, &method).await {
        Ok(r) => r,
        Err(e) => {
            log(e.status, &Bytes::new(), false);
            return Ok(error_response(&e, verdict));
        }
    };
    let outcome = pipeline(&shared, injected, verdict, matched.map(|(r, _)| r), &req);
    let (resp, faulted) = match outcome {
        Ok(reply) => (finish(&shared, reply, verdict), false),
        Err((e, faulted)) => (error_response(&e, verdict), faulted),
    };
    // The request was applied (and saved); now its answer is lost.
    match injected {
        Some(Injected::DropAfter) => {
            log(0, &req.body, true);
            Err(Dropped)
        }
        Some(Injected::StatusAfter) => {
            log(503, &req.body, true);
            Ok(error_response(&ApiError::injected(503), verdict))
        }
        _ => {
            log(resp.status().as_u16(), &req.body, faulted);
            Ok(resp)
        }
    }
}

/// Waits `latency` from now, to within a fraction of a millisecond, on a blocking-pool thread
/// rather than tokio's timer: the timer rounds every deadline up to the next millisecond and
/// wakes the request on the worker that drove it, where it can wait behind a large response
/// being built (a 50 ms latency measured 51 to 54 ms). A wake from another thread goes to the
/// shared queue, which any idle worker takes.
async fn delay(latency: Duration) {
    let until = std::time::Instant::now() + latency;
    let slept = tokio::task::spawn_blocking(move || {
        std::thread::sleep(until.saturating_duration_since(std::time::Instant::now()));
    })
    .await;
    if slept.is_err() {
        tokio::time::sleep_until(until.into()).await;
    }
}

/// Everything after the body is read: faults, rate limit, auth, the route itself.
fn pipeline(
    shared: &Shared,
    injected: Option<Injected>,
    verdict: Option<Verdict>,
    route: Option<routes::Route>,
    req: &Req,
) -> Result<Reply, (ApiError, bool)> {
    match injected {
        Some(Injected::Status(429)) => return Err((ApiError::rate_limited(), false)),
        Some(Injected::Status(s)) => return Err((ApiError::injected(s), true)),
        _ => {}
    }
    if verdict.is_some_and(|v| !v.allowed) {
        return Err((ApiError::rate_limited(), false));
    }
    let route = route.ok_or((ApiError::not_found_route(), false))?;
    if route != routes::Route::Token {
        let granted = token::authenticate(shared, req).map_err(|e| (e, false))?;
        let needed = routes::scope(&route);
        let missing = (!granted.split(' ').any(|s| s == needed)).then(|| needed.to_string());
        if let Some(scope) = missing.or_else(|| lock(&shared.faults).spec.deny_scope.clone()) {
            let message = format!("Insufficient scope, expected any of: {scope}");
            return Err((
                ApiError::boom(403, message, Some("insufficient_scope")),
                true,
            ));
        }
    }
    routes::dispatch(shared, route, req).map_err(|e| (e, false))
}

/// Reads the whole request, refusing bodies over 1 MB with 413.
async fn read(req: Request<Incoming>, method: &str) -> Result<Req, ApiError> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(ApiError::too_large());
    }
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|_| ApiError::too_large())?
        .to_bytes();
    Ok(Req {
        method: method.to_string(),
        query: form_decode(parts.uri.query().unwrap_or("")),
        headers: parts.headers,
        body,
    })
}

/// Turns a reply into a response, persisting the state first when the tenant changed.
fn finish(shared: &Shared, reply: Reply, verdict: Option<Verdict>) -> Resp {
    if reply.changed
        && let Err(e) = shared.persist()
    {
        tracing::error!("could not save the emulator state: {e}");
        let err = ApiError::boom(500, "Could not save the emulator state.", None);
        return error_response(&err, verdict);
    }
    let body = reply.body.map(routes::Body::into_bytes);
    respond(reply.status, body.unwrap_or_default(), verdict)
}

fn error_response(e: &ApiError, verdict: Option<Verdict>) -> Resp {
    respond(e.status, routes::value_bytes(&e.body), verdict)
}

/// A JSON response with Auth0's content type and the rate-limit headers.
fn respond(status: u16, bytes: Bytes, verdict: Option<Verdict>) -> Resp {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8");
    if let Some(v) = verdict {
        builder = builder
            .header("x-ratelimit-limit", v.limit)
            .header("x-ratelimit-remaining", v.remaining)
            .header("x-ratelimit-reset", v.reset);
    }
    builder
        .body(Full::new(bytes))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
