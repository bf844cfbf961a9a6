//! Handlers for `/api/v2/actions/actions…`: list, create, read, update, delete, deploy, test,
//! versions and rollback.

use serde_json::json;

use super::{Reply, Req, json_body, no_query};
use crate::clock;
use crate::errors::ApiError;
use crate::input;
use crate::render;
use crate::shared::{Shared, lock};
use crate::validate::{QueryType, param, query};

/// Auth0's default page size; 100 is the largest accepted.
pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;

/// `page` and `per_page` from a validated query.
pub fn paging(req: &Req) -> (u64, u64) {
    let num = |k| param(&req.query, k).and_then(|v| v.parse::<u64>().ok());
    (
        num("page").unwrap_or(0),
        num("per_page").unwrap_or(DEFAULT_PER_PAGE),
    )
}

/// Items `page * per_page ..` of a list.
pub fn page_of<T>(items: Vec<T>, page: u64, per_page: u64) -> Vec<T> {
    let skip = usize::try_from(page.saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    items.into_iter().skip(skip).take(take).collect()
}

pub fn list(shared: &Shared, req: &Req) -> Result<Reply, ApiError> {
    query(
        &req.query,
        &[
            ("triggerId", QueryType::Str),
            ("actionName", QueryType::Str),
            ("deployed", QueryType::Bool),
            ("page", QueryType::Int(u64::MAX)),
            ("per_page", QueryType::Int(MAX_PER_PAGE)),
            ("installed", QueryType::Bool),
        ],
    )?;
    let (page, per_page) = paging(req);
    let name = param(&req.query, "actionName");
    let trigger = param(&req.query, "triggerId");
    let deployed = param(&req.query, "deployed").map(|v| v == "true");
    // Only marketplace integrations are "installed"; the emulator has none.
    let installed_only = param(&req.query, "installed") == Some("true");
    let now = clock::now();
    let store = lock(&shared.store);
    let matching: Vec<_> = store
        .state
        .actions
        .iter()
        .filter(|a| name.is_none_or(|n| a.name == n))
        .filter(|a| trigger.is_none_or(|t| a.supported_triggers.iter().any(|s| s.id == t)))
        .filter(|a| deployed.is_none_or(|d| a.deployed.is_some() == d))
        .filter(|_| !installed_only)
        .collect();
    let total = matching.len();
    let items = page_of(matching, page, per_page)
        .into_iter()
        .map(|a| render::action(a, now, None))
        .collect();
    Reply::ok_json(&render::list("actions", items, total, page, per_page))
}

pub fn create(shared: &Shared, req: &Req) -> Result<Reply, ApiError> {
    no_query(req)?;
    let body = json_body(req)?;
    let input = input::action(&body, true)?;
    let mut store = lock(&shared.store);
    Reply::write_json(201, &store.create(input, clock::now())?)
}

pub fn get(shared: &Shared, req: &Req, id: &str) -> Result<Reply, ApiError> {
    no_query(req)?;
    let store = lock(&shared.store);
    Reply::ok_json(&render::action(store.action(id)?, clock::now(), None))
}

pub fn update(shared: &Shared, req: &Req, id: &str) -> Result<Reply, ApiError> {
    no_query(req)?;
    let body = json_body(req)?;
    let mut store = lock(&shared.store);
    store.action(id)?;
    let input = input::action(&body, false)?;
    Reply::write_json(200, &store.update(id, input, clock::now())?)
}

pub fn delete(shared: &Shared, req: &Req, id: &str) -> Result<Reply, ApiError> {
    query(&req.query, &[("force", QueryType::Bool)])?;
    let force = param(&req.query, "force") == Some("true");
    lock(&shared.store).delete(id, force)?;
    Ok(Reply::write(204, None))
}

pub fn deploy(shared: &Shared, req: &Req, id: &str) -> Result<Reply, ApiError> {
    no_query(req)?;
    // The spec allows no body; go-auth0 sends `null`. Anything else is ignored like Auth0 does.
    let mut store = lock(&shared.store);
    Reply::write_json(200, &store.deploy(id, clock::now())?)
}

/// `POST …/{id}/test`: the emulator does not run JavaScript, so it answers the recorded shape
/// (`{payload: {error, stats}}` with status 200) with an explanatory error.
pub fn test(shared: &Shared, req: &Req, id: &str) -> Result<Reply, ApiError> {
    no_query(req)?;
    json_body(req)?;
    lock(&shared.store).action(id)?;
    let message = "The loginflow emulator does not execute actions; use `loginflow test`.";
    Ok(Reply::ok(json!({
        "payload": {
            "error": { "message": message, "name": "Error", "stack": format!("Error: {message}") },
            "stats": {
                "total_request_duration_ms": 0, "total_runtime_execution_duration_ms": 0,
                "runtime_processing_duration_ms": 0, "action_duration_ms": 0,
                "runtime_external_call_duration_ms": 0, "boot_duration_ms": 0, "network_duration_ms": 0
            }
        }
    })))
}

/// `GET …/{id}/versions`, newest first.
pub fn versions(shared: &Shared, req: &Req, id: &str) -> Result<Reply, ApiError> {
    query(
        &req.query,
        &[
            ("page", QueryType::Int(u64::MAX)),
            ("per_page", QueryType::Int(MAX_PER_PAGE)),
        ],
    )?;
    let (page, per_page) = paging(req);
    let now = clock::now();
    let store = lock(&shared.store);
    let a = store.action(id)?;
    let all: Vec<_> = a.versions.iter().rev().collect();
    let total = all.len();
    let items = page_of(all, page, per_page)
        .into_iter()
        .map(|v| render::version(v, a.deployed.as_deref() == Some(&v.id), now, Some(a)))
        .collect();
    Reply::ok_json(&render::list("versions", items, total, page, per_page))
}

pub fn version(shared: &Shared, req: &Req, id: &str, vid: &str) -> Result<Reply, ApiError> {
    no_query(req)?;
    let store = lock(&shared.store);
    let a = store.action(id)?;
    let v = a
        .versions
        .iter()
        .find(|v| v.id == vid)
        .ok_or_else(ApiError::version_not_found)?;
    let live = a.deployed.as_deref() == Some(vid);
    Reply::ok_json(&render::version(v, live, clock::now(), Some(a)))
}

pub fn rollback(shared: &Shared, req: &Req, id: &str, vid: &str) -> Result<Reply, ApiError> {
    no_query(req)?;
    let update_draft = input::rollback(&json_body(req)?)?;
    let mut store = lock(&shared.store);
    Reply::write_json(200, &store.rollback(id, vid, update_draft, clock::now())?)
}
