//! Handlers for triggers, bindings, modules and users.

use serde_json::json;

use super::actions::{MAX_PER_PAGE, page_of, paging};
use super::{Reply, Req, json_body, no_query};
use crate::clock;
use crate::errors::ApiError;
use crate::input;
use crate::render;
use crate::shared::{Shared, lock};
use crate::validate::{QueryType, query};

const PAGING: [(&str, QueryType); 2] = [
    ("page", QueryType::Int(u64::MAX)),
    ("per_page", QueryType::Int(MAX_PER_PAGE)),
];

/// `GET /actions/triggers`: the recorded 2026 catalogue, unpaginated.
pub fn triggers(shared: &Shared, req: &Req) -> Result<Reply, ApiError> {
    no_query(req)?;
    Ok(Reply::ok(lock(&shared.store).catalogue.body.clone()))
}

/// `GET /actions/triggers/{trigger}/bindings`, in execution order.
pub fn list(shared: &Shared, req: &Req, trigger: &str) -> Result<Reply, ApiError> {
    query(&req.query, &PAGING)?;
    let (page, per_page) = paging(req);
    let store = lock(&shared.store);
    if !store.catalogue.has(trigger) {
        return Err(ApiError::trigger_not_found(trigger));
    }
    let rendered = store.render_bindings(trigger, clock::now());
    let total = rendered.len();
    let items = page_of(rendered, page, per_page);
    Reply::ok_json(&render::list("bindings", items, total, page, per_page))
}

/// `PATCH /actions/triggers/{trigger}/bindings`: whole-list replacement.
pub fn replace(shared: &Shared, req: &Req, trigger: &str) -> Result<Reply, ApiError> {
    no_query(req)?;
    let items = input::bindings(&json_body(req)?)?;
    let mut store = lock(&shared.store);
    Reply::write_json(200, &store.replace_bindings(trigger, items, clock::now())?)
}

/// `GET /actions/modules`: Actions Modules are out of scope; the tenant has none. Unlike the
/// actions list, the recorded modules list keeps its zero-valued `total` and `page`.
pub fn modules(req: &Req) -> Result<Reply, ApiError> {
    query(&req.query, &PAGING)?;
    let (page, per_page) = paging(req);
    Ok(Reply::ok(
        json!({ "modules": [], "total": 0, "page": page, "per_page": per_page }),
    ))
}

/// `GET /users/{id}`: a user seeded with `PUT /__emulator/users/{id}`.
pub fn user(shared: &Shared, req: &Req, id: &str) -> Result<Reply, ApiError> {
    query(
        &req.query,
        &[
            ("fields", QueryType::Str),
            ("include_fields", QueryType::Bool),
        ],
    )?;
    let store = lock(&shared.store);
    let user = store
        .state
        .users
        .get(id)
        .cloned()
        .ok_or_else(ApiError::user_not_found)?;
    Ok(Reply::ok(user))
}
