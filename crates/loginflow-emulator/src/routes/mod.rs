//! Request routing: each API path maps to a handler and to the path template used in stats
//! (`/api/v2/actions/actions/{id}`). Routing is hand-written over path segments so that every
//! error — unknown route, bad JSON, bad query — gets the real API's body, not a framework's.

mod actions;
pub mod admin;
mod bindings;
pub mod token;

use bytes::Bytes;
use hyper::HeaderMap;
use serde::Serialize;
use serde_json::Value;

use super::errors::ApiError;
use super::shared::Shared;

/// A request, read completely.
pub struct Req {
    pub method: String,
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
}

/// A successful answer: status, optional JSON body, and whether the tenant changed.
pub struct Reply {
    pub status: u16,
    pub body: Option<Body>,
    pub changed: bool,
}

/// A reply's JSON body.
pub enum Body {
    /// Built as a `Value` (small or hand-written answers); the server serializes it.
    Value(Value),
    /// Already serialized by the handler, from a view that borrows the store (see `render`).
    Json(Bytes),
}

impl Body {
    pub fn into_bytes(self) -> Bytes {
        match self {
            Body::Value(v) => value_bytes(&v),
            Body::Json(b) => b,
        }
    }
}

/// `v` serialized. A `Value` always serializes; the empty fallback only satisfies the type.
pub fn value_bytes(v: &Value) -> Bytes {
    serde_json::to_vec(v).map(Bytes::from).unwrap_or_default()
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Reply {
            status: 200,
            body: Some(Body::Value(body)),
            changed: false,
        }
    }
    pub fn write(status: u16, body: Option<Value>) -> Self {
        Reply {
            status,
            body: body.map(Body::Value),
            changed: true,
        }
    }
    /// 200 with `view` serialized now: views borrow the store, so they cannot wait for the
    /// server to serialize them after the lock is released.
    pub fn ok_json(view: &impl Serialize) -> Result<Self, ApiError> {
        Self::json(200, false, view)
    }
    /// A write's answer, serialized now like [`Reply::ok_json`].
    pub fn write_json(status: u16, view: &impl Serialize) -> Result<Self, ApiError> {
        Self::json(status, true, view)
    }
    fn json(status: u16, changed: bool, view: &impl Serialize) -> Result<Self, ApiError> {
        let bytes = serde_json::to_vec(view)
            .map_err(|_| ApiError::boom(500, "Could not serialize the response.", None))?;
        Ok(Reply {
            status,
            body: Some(Body::Json(bytes.into())),
            changed,
        })
    }
}

/// The API's routes, with their path parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Token,
    ListActions,
    CreateAction,
    GetAction(String),
    UpdateAction(String),
    DeleteAction(String),
    Deploy(String),
    TestAction(String),
    ListVersions(String),
    GetVersion(String, String),
    Rollback(String, String),
    Triggers,
    GetBindings(String),
    PatchBindings(String),
    Execution(String),
    Modules,
    GetUser(String),
}

/// The Management API scope a route needs (Auth0's API reference): reads `read:actions`;
/// creates, deploys, rollbacks and tests `create:actions`; updates and binding changes
/// `update:actions`; deletes `delete:actions`.
pub fn scope(route: &Route) -> &'static str {
    use Route::*;
    match route {
        Token => "",
        CreateAction | Deploy(_) | Rollback(..) | TestAction(_) => "create:actions",
        UpdateAction(_) | PatchBindings(_) => "update:actions",
        DeleteAction(_) => "delete:actions",
        GetUser(_) => "read:users",
        ListActions | GetAction(_) | ListVersions(_) | GetVersion(..) | Triggers
        | GetBindings(_) | Execution(_) | Modules => "read:actions",
    }
}

/// Matches method and decoded path segments to a route and its template.
pub fn route(method: &str, segs: &[String]) -> Option<(Route, &'static str)> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (method, s.as_slice()) {
        ("POST", ["oauth", "token"]) => Some((Route::Token, "/oauth/token")),
        (m, ["api", "v2", rest @ ..]) => api_route(m, rest, &segs[2..]),
        _ => None,
    }
}

fn api_route(m: &str, s: &[&str], segs: &[String]) -> Option<(Route, &'static str)> {
    let p = |i: usize| segs[i].clone();
    Some(match (m, s) {
        ("GET", ["actions", "actions"]) => (Route::ListActions, "/api/v2/actions/actions"),
        ("POST", ["actions", "actions"]) => (Route::CreateAction, "/api/v2/actions/actions"),
        ("GET", ["actions", "actions", _]) => {
            (Route::GetAction(p(2)), "/api/v2/actions/actions/{id}")
        }
        ("PATCH", ["actions", "actions", _]) => {
            (Route::UpdateAction(p(2)), "/api/v2/actions/actions/{id}")
        }
        ("DELETE", ["actions", "actions", _]) => {
            (Route::DeleteAction(p(2)), "/api/v2/actions/actions/{id}")
        }
        ("POST", ["actions", "actions", _, "deploy"]) => {
            (Route::Deploy(p(2)), "/api/v2/actions/actions/{id}/deploy")
        }
        ("POST", ["actions", "actions", _, "test"]) => {
            (Route::TestAction(p(2)), "/api/v2/actions/actions/{id}/test")
        }
        ("GET", ["actions", "actions", _, "versions"]) => (
            Route::ListVersions(p(2)),
            "/api/v2/actions/actions/{actionId}/versions",
        ),
        ("GET", ["actions", "actions", _, "versions", _]) => (
            Route::GetVersion(p(2), p(4)),
            "/api/v2/actions/actions/{actionId}/versions/{id}",
        ),
        ("POST", ["actions", "actions", _, "versions", _, "deploy"]) => (
            Route::Rollback(p(2), p(4)),
            "/api/v2/actions/actions/{actionId}/versions/{id}/deploy",
        ),
        ("GET", ["actions", "triggers"]) => (Route::Triggers, "/api/v2/actions/triggers"),
        ("GET", ["actions", "triggers", _, "bindings"]) => (
            Route::GetBindings(p(2)),
            "/api/v2/actions/triggers/{triggerId}/bindings",
        ),
        ("PATCH", ["actions", "triggers", _, "bindings"]) => (
            Route::PatchBindings(p(2)),
            "/api/v2/actions/triggers/{triggerId}/bindings",
        ),
        ("GET", ["actions", "executions", _]) => {
            (Route::Execution(p(2)), "/api/v2/actions/executions/{id}")
        }
        ("GET", ["actions", "modules"]) => (Route::Modules, "/api/v2/actions/modules"),
        ("GET", ["users", _]) => (Route::GetUser(p(1)), "/api/v2/users/{id}"),
        _ => return None,
    })
}

/// Runs an authenticated API route.
pub fn dispatch(shared: &Shared, route: Route, req: &Req) -> Result<Reply, ApiError> {
    use Route::*;
    match route {
        Token => token::issue(shared, req),
        ListActions => actions::list(shared, req),
        CreateAction => actions::create(shared, req),
        GetAction(id) => actions::get(shared, req, &id),
        UpdateAction(id) => actions::update(shared, req, &id),
        DeleteAction(id) => actions::delete(shared, req, &id),
        Deploy(id) => actions::deploy(shared, req, &id),
        TestAction(id) => actions::test(shared, req, &id),
        ListVersions(id) => actions::versions(shared, req, &id),
        GetVersion(id, vid) => actions::version(shared, req, &id, &vid),
        Rollback(id, vid) => actions::rollback(shared, req, &id, &vid),
        Triggers => bindings::triggers(shared, req),
        GetBindings(t) => bindings::list(shared, req, &t),
        PatchBindings(t) => bindings::replace(shared, req, &t),
        Execution(_) => no_query(req).and(Err(ApiError::execution_not_found())),
        Modules => bindings::modules(req),
        GetUser(id) => bindings::user(shared, req, &id),
    }
}

/// Rejects any query parameter (for endpoints that take none).
pub fn no_query(req: &Req) -> Result<(), ApiError> {
    super::validate::query(&req.query, &[])
}

/// The JSON body: empty means `null`; otherwise it must be `application/json` and parse.
pub fn json_body(req: &Req) -> Result<Value, ApiError> {
    if req.body.is_empty() {
        return Ok(Value::Null);
    }
    let ct = req
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" && !mime.ends_with("+json") {
        return Err(ApiError::unsupported_media_type());
    }
    serde_json::from_slice(&req.body).map_err(|_| ApiError::bad_json())
}
