//! A scripted HTTP server and client helpers for the tenant tests.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use loginflow::tenant::{ClientConfig, Credentials, RetryPolicy, Secret, TenantClient};
use serde_json::{Value, json};

pub const CLIENT_SECRET: &str = "cs-CLIENT-SECRET-4711";
pub const TOKEN: &str = "tok-ACCESS-TOKEN-0815";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub auth: Option<String>,
    pub body: String,
    pub at: SystemTime,
}

impl Req {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A scripted answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl ToString) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// The token endpoint's success.
    pub fn token() -> Reply {
        Reply::json(
            200,
            json!({"access_token": TOKEN, "scope": "read:actions", "expires_in": 86400, "token_type": "Bearer"}),
        )
    }

    /// Auth0's error body.
    pub fn error(status: u16, error: &str, message: &str, code: Option<&str>) -> Reply {
        let mut body = json!({"statusCode": status, "error": error, "message": message});
        if let Some(code) = code {
            body["errorCode"] = json!(code);
        }
        Reply::json(status, body)
    }
}

type Script = dyn Fn(&Req, &[Req]) -> Reply + Send + Sync;

struct Shared {
    script: Box<Script>,
    log: Mutex<Vec<Req>>,
}

/// A running scripted server.
pub struct Server {
    pub base: String,
    shared: Arc<Shared>,
}

impl Server {
    /// Starts a server answering each request with `script(request, earlier requests)`.
    pub async fn start(script: impl Fn(&Req, &[Req]) -> Reply + Send + Sync + 'static) -> Server {
        let shared = Arc::new(Shared {
            script: Box::new(script),
            log: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server {
            base: format!("http://{addr}"),
            shared,
        }
    }

    pub fn requests(&self) -> Vec<Req> {
        self.shared.log.lock().unwrap().clone()
    }

    /// How many requests matched `method` and `path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        auth: headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: SystemTime::now(),
    };
    let reply = {
        let mut log = shared.log.lock().unwrap();
        let reply = (shared.script)(&req, &log);
        log.push(req);
        reply
    };
    tokio::time::sleep(reply.delay).await;
    let mut map = HeaderMap::new();
    map.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for (name, value) in reply.headers {
        map.insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(&value).unwrap(),
        );
    }
    (StatusCode::from_u16(reply.status).unwrap(), map, reply.body).into_response()
}

/// Retries fast enough for tests: millisecond backoff.
pub const FAST: RetryPolicy = RetryPolicy {
    max_retries: 3,
    max_rate_limited: 3,
    base: Duration::from_millis(2),
    cap: Duration::from_millis(10),
};

pub fn client_credentials() -> Credentials {
    Credentials::ClientCredentials {
        client_id: "client-1".into(),
        client_secret: Secret::new(CLIENT_SECRET),
    }
}

/// A client with client credentials and fast retries.
pub fn client(base: &str) -> TenantClient {
    let mut config = ClientConfig::new(base, client_credentials());
    config.retry = FAST;
    TenantClient::new(config).unwrap()
}

/// A minimal action as Auth0 returns it.
pub fn action(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "supported_triggers": [{"id": "post-login", "version": "v3"}],
           "code": "exports.onExecutePostLogin = async () => {};", "dependencies": [], "runtime": "node22",
           "status": "built", "secrets": [], "all_changes_deployed": false})
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token bucket with Auth0's headers, as the emulator keeps one: `burst` tokens refilled
/// continuously, `x-ratelimit-reset` the Unix second when the next token arrives.
pub struct Bucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub fn new(burst: u32, per_second: f64) -> Bucket {
        Bucket {
            burst: f64::from(burst),
            per_second,
            tokens: f64::from(burst),
            last: Instant::now(),
        }
    }

    /// Takes a token for one request and decorates `reply`, or answers 429.
    pub fn answer(&mut self, reply: Reply) -> Reply {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_second)
            .min(self.burst);
        self.last = now;
        let allowed = self.tokens >= 1.0;
        if allowed {
            self.tokens -= 1.0;
        }
        let wait = if self.tokens >= self.burst {
            0.0
        } else {
            (1.0 - self.tokens.fract()) / self.per_second
        };
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let reply = if allowed {
            reply
        } else {
            Reply::error(
                429,
                "Too Many Requests",
                "Global limit has been reached",
                Some("too_many_requests"),
            )
        };
        reply
            .header("x-ratelimit-limit", self.burst as u32)
            .header("x-ratelimit-remaining", self.tokens.floor().max(0.0) as u32)
            .header("x-ratelimit-reset", (wall + wait).ceil() as u64)
    }
}
