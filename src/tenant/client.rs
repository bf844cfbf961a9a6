//! The HTTP transport to one tenant: construction, the access token, and the send loop that
//! every typed operation in `endpoints` goes through (pacing, retries, error mapping,
//! logging).
//!
//! This is the only place in the crate that holds a `reqwest::Client`. It must never log or
//! return a token, client secret or secret value: bodies are logged only through
//! [`super::redact::loggable_body`], and server messages pass [`redact_known`] before they are
//! stored in an error.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use super::credentials::Credentials;
use super::error::{ApiErrorBody, Endpoint, Error, TransportFailure, scopes_in_message};
use super::hints::Hints;
use super::rate_limiter::{Permit, RateLimiter};
use super::redact::{loggable_body, redact_known, secret_values};
use super::retry::{Decision, Failure, RetryPolicy, Safety, decide, jitter_unit};
use super::secret::Secret;
use crate::config::model::RateLimit;

/// The result type of tenant operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

const TOKEN: Endpoint = Endpoint {
    method: "POST",
    path: "/oauth/token",
};

/// How long to wait for a connection and for a whole request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub request: Duration,
}

impl Timeouts {
    /// 10 s to connect, 30 s per request: generous for Auth0, short enough for CI to fail fast.
    pub const DEFAULT: Timeouts = Timeouts {
        connect: Duration::from_secs(10),
        request: Duration::from_secs(30),
    };
}

/// Everything needed to build a [`TenantClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://DOMAIN` or `http://127.0.0.1:PORT`, without a trailing path.
    pub base_url: String,
    pub credentials: Credentials,
    /// The tenant's configured client-side cap, if any.
    pub rate_limit: Option<RateLimit>,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    /// The token audience; `{base_url}/api/v2/` when `None`. A tenant reached through a custom
    /// domain needs its canonical `https://TENANT.auth0.com/api/v2/` here.
    pub audience: Option<String>,
}

impl ClientConfig {
    /// A configuration with default timeouts and retries and no client-side cap.
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            credentials,
            rate_limit: None,
            timeouts: Timeouts::DEFAULT,
            retry: RetryPolicy::DEFAULT,
            audience: None,
        }
    }
}

/// A Management API client for one tenant. Clones share the token, the rate limiter and the
/// counters, so concurrent tasks of one tenant are paced together.
#[derive(Clone)]
pub struct TenantClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    host: String,
    audience: String,
    credentials: Credentials,
    token: OnceCell<Secret>,
    limiter: RateLimiter,
    retry: RetryPolicy,
    sent: AtomicU64,
    rate_limited: AtomicU64,
}

impl std::fmt::Debug for TenantClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantClient")
            .field("base", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

/// One request as the send loop sees it.
pub(super) struct Call {
    pub endpoint: Endpoint,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    pub safety: Safety,
}

/// Why one attempt failed, with the error to report if it is the last.
struct Failed {
    failure: Failure,
    error: Error,
    hints: Hints,
}

/// The HTTP client for requests with `timeouts`: one per async runtime and timeouts, shared by
/// every tenant of a command, so that tenants of one host share pooled connections. Keyed by
/// runtime because pooled connections belong to the runtime that opened them.
fn http_client(timeouts: Timeouts) -> Result<reqwest::Client> {
    type Key = (tokio::runtime::Id, Timeouts);
    /// Runtimes are few in a command; tests start many, so old entries are dropped.
    const KEEP: usize = 8;
    static CLIENTS: std::sync::Mutex<Vec<(Key, reqwest::Client)>> =
        std::sync::Mutex::new(Vec::new());
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return build_http(timeouts);
    };
    let key = (runtime.id(), timeouts);
    let mut clients = CLIENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, client)) = clients.iter().find(|(k, _)| *k == key) {
        return Ok(client.clone());
    }
    let client = build_http(timeouts)?;
    if clients.len() >= KEEP {
        clients.remove(0);
    }
    clients.push((key, client.clone()));
    Ok(client)
}

fn build_http(timeouts: Timeouts) -> Result<reqwest::Client> {
    super::tls::install_crypto_provider();
    reqwest::Client::builder()
        .tls_certs_merge(super::tls::extra_roots().map_err(Error::Setup)?)
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        // Never follow a redirect with the bearer token to somewhere else.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("loginflow/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Setup(e.to_string()))
}

impl TenantClient {
    /// Builds a client. Sends nothing: the token is fetched on the first request.
    pub fn new(config: ClientConfig) -> Result<TenantClient> {
        let bad = |reason: &str| Error::BadBaseUrl {
            url: config.base_url.clone(),
            reason: reason.into(),
        };
        let base =
            Url::parse(config.base_url.trim_end_matches('/')).map_err(|e| bad(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(bad("expected `https://DOMAIN` or `http://127.0.0.1:PORT`"));
        }
        let host = base.host_str().ok_or_else(|| bad("no host"))?.to_owned();
        let audience = config
            .audience
            .clone()
            .unwrap_or_else(|| format!("{}/api/v2/", base.as_str().trim_end_matches('/')));
        let http = http_client(config.timeouts)?;
        Ok(TenantClient {
            inner: Arc::new(Inner {
                http,
                base,
                host,
                audience,
                credentials: config.credentials,
                token: OnceCell::new(),
                limiter: RateLimiter::new(config.rate_limit),
                retry: config.retry,
                sent: AtomicU64::new(0),
                rate_limited: AtomicU64::new(0),
            }),
        })
    }

    /// The tenant's host name, as used in messages.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// Requests actually sent, including retries and the token request.
    pub fn request_count(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// 429 responses received.
    pub fn rate_limited_count(&self) -> u64 {
        self.inner.rate_limited.load(Ordering::Relaxed)
    }

    /// `{base}/seg/seg/…`, each segment percent-encoded (user ids contain `|`).
    pub(super) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends `call` and decodes a JSON success body.
    pub(super) async fn call_json<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let endpoint = call.endpoint;
        let bytes = self.call(call).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            endpoint,
            host: self.inner.host.clone(),
            detail: e.to_string(),
        })
    }

    /// Sends `call` with the bearer token, pacing and retrying as its safety allows; returns
    /// the body of a 2xx response.
    pub(super) async fn call(&self, call: Call) -> Result<Bytes> {
        let token = self.bearer().await?;
        self.send_loop(&call, Some(&token)).await
    }

    /// Fetches the access token now, if the credentials need one, rather than with the first
    /// request. Sends nothing with a given access token.
    pub async fn authenticate(&self) -> Result<()> {
        self.bearer().await.map(drop)
    }

    async fn bearer(&self) -> Result<Secret> {
        match &self.inner.credentials {
            Credentials::AccessToken(token) => Ok(token.clone()),
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => self
                .inner
                .token
                .get_or_try_init(|| self.fetch_token(client_id, client_secret))
                .await
                .cloned(),
        }
    }

    /// The client-credentials exchange. Not paced by the limiter: `/oauth/token` belongs to the
    /// Authentication API, whose rate limit and headers are separate from the Management API's.
    async fn fetch_token(&self, client_id: &str, client_secret: &Secret) -> Result<Secret> {
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            access_token: String,
        }
        let body = serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret.expose(),
            "audience": self.inner.audience,
        });
        let call = Call {
            endpoint: TOKEN,
            url: self.url(&["oauth", "token"]),
            body: Some(body.to_string().into_bytes()),
            // A second token is harmless, so the exchange is retried like a read.
            safety: Safety::Idempotent,
        };
        let bytes = self.send_loop(&call, None).await?;
        let parsed: TokenResponse = serde_json::from_slice(&bytes).map_err(|_| Error::Decode {
            endpoint: TOKEN,
            host: self.inner.host.clone(),
            // Not the serde message: it could quote part of the body, which holds the token.
            detail: "the token response has no `access_token`".into(),
        })?;
        Ok(Secret::new(parsed.access_token))
    }

    async fn send_loop(&self, call: &Call, token: Option<&Secret>) -> Result<Bytes> {
        let policy = self.inner.retry;
        let (mut retries, mut limited) = (0u32, 0u32);
        // Everything this call must keep out of logs and errors, including the secret values
        // it carries, which a server could echo back in an error message.
        let mut known = self.known_secrets();
        known.extend(call.body.as_deref().map(secret_values).unwrap_or_default());
        loop {
            // The token exchange is not a Management API request and is not paced.
            let permit = match token {
                Some(_) => Some(self.inner.limiter.acquire().await),
                None => None,
            };
            let failed = match self
                .attempt(call, token, permit, retries + limited, &known)
                .await
            {
                Ok(body) => return Ok(body),
                Err(failed) => failed,
            };
            let attempts = retries + limited + 1;
            match (decide(call.safety, failed.failure), failed.failure) {
                (Decision::Retry, Failure::RateLimited) if limited < policy.max_rate_limited => {
                    let backoff = policy.backoff(limited, jitter_unit());
                    let wait = failed
                        .hints
                        .wait_from(SystemTime::now())
                        .unwrap_or(backoff)
                        .max(backoff);
                    limited += 1;
                    tracing::debug!(endpoint = %call.endpoint, wait_ms = wait.as_millis() as u64, "rate limited; waiting");
                    // The token endpoint's limit is not the Management API's: its 429 pauses
                    // only itself.
                    match token {
                        Some(_) => self.inner.limiter.pause_until(Instant::now() + wait),
                        None => tokio::time::sleep(wait).await,
                    }
                }
                (Decision::Retry, Failure::RateLimited) => {
                    return Err(Error::RateLimited {
                        endpoint: call.endpoint,
                        host: self.inner.host.clone(),
                        attempts,
                    });
                }
                (Decision::Retry, _) if retries < policy.max_retries => {
                    let wait = policy.backoff(retries, jitter_unit());
                    retries += 1;
                    tracing::debug!(endpoint = %call.endpoint, wait_ms = wait.as_millis() as u64, error = %failed.error, "retrying");
                    tokio::time::sleep(wait).await;
                }
                (Decision::Ambiguous, _) => {
                    return Err(Error::AmbiguousWrite {
                        endpoint: call.endpoint,
                        host: self.inner.host.clone(),
                        cause: failed.error.to_string(),
                    });
                }
                // A DELETE retried after an unknown outcome that now finds nothing: the earlier
                // attempt did the work.
                _ if call.endpoint.method == "DELETE"
                    && retries > 0
                    && failed.error.status() == Some(404) =>
                {
                    return Ok(Bytes::new());
                }
                _ => return Err(failed.error),
            }
        }
    }

    async fn attempt(
        &self,
        call: &Call,
        token: Option<&Secret>,
        permit: Option<Permit<'_>>,
        retry: u32,
        known: &[String],
    ) -> std::result::Result<Bytes, Failed> {
        let method = Method::from_bytes(call.endpoint.method.as_bytes()).unwrap_or(Method::GET);
        let mut request = self.inner.http.request(method, call.url.clone());
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = &call.body {
            tracing::trace!(endpoint = %call.endpoint, body = %loggable(body, known), "request body");
            request = request
                .header("content-type", "application/json")
                .body(body.clone());
        }
        let started = Instant::now();
        self.inner.sent.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                // Dropped unobserved, the permit just ends its request's flight.
                drop(permit);
                tracing::debug!(endpoint = %call.endpoint, path = call.url.path(), elapsed_ms, retry, error = %e.without_url_ref(), "tenant request failed");
                return Err(self.transport_failure(call.endpoint, &e));
            }
        };
        let status = response.status();
        let hints = Hints::from_headers(response.headers());
        if let Some(permit) = permit {
            permit.observe(&hints);
        }
        tracing::debug!(endpoint = %call.endpoint, path = call.url.path(), status = status.as_u16(), elapsed_ms, retry, remaining = hints.remaining, "tenant request");
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => return Err(self.transport_failure(call.endpoint, &e)),
        };
        tracing::trace!(endpoint = %call.endpoint, status = status.as_u16(), body = %loggable(&body, known), "response body");
        if status.is_success() {
            return Ok(body);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.inner.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        let failure = match status.as_u16() {
            429 => Failure::RateLimited,
            500..=599 => Failure::ServerError,
            _ => Failure::Permanent,
        };
        Err(Failed {
            failure,
            error: self.status_error(call.endpoint, status.as_u16(), &body, known),
            hints,
        })
    }

    fn transport_failure(&self, endpoint: Endpoint, e: &reqwest::Error) -> Failed {
        let mut chain = vec![e.without_url_ref().to_string()];
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            chain.push(s.to_string());
            source = s.source();
        }
        let kind = TransportFailure::classify(e.is_timeout(), &chain);
        let failure = match &kind {
            TransportFailure::Dns | TransportFailure::Tls(_) => Failure::Permanent,
            // A connection that never opened carried nothing: safe to send again.
            _ if e.is_connect() => Failure::NotSent,
            TransportFailure::Refused => Failure::NotSent,
            _ => Failure::Unknown,
        };
        Failed {
            failure,
            error: kind.into_error(endpoint, &self.inner.host),
            hints: Hints::default(),
        }
    }

    fn status_error(
        &self,
        endpoint: Endpoint,
        status: u16,
        body: &[u8],
        known: &[String],
    ) -> Error {
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let mut parsed: ApiErrorBody = serde_json::from_slice(body).unwrap_or_default();
        if parsed == ApiErrorBody::default() && !body.is_empty() {
            let text = String::from_utf8_lossy(body);
            parsed.message = Some(text.chars().take(200).collect());
        }
        let fields = [
            &mut parsed.message,
            &mut parsed.error,
            &mut parsed.error_description,
        ];
        for text in fields.into_iter().flatten() {
            *text = redact_known(text, &known);
        }
        let host = self.inner.host.clone();
        match status {
            401 | 403 if endpoint == TOKEN => Error::TokenRejected {
                host,
                status,
                body: Box::new(parsed),
            },
            401 => Error::Unauthorized {
                endpoint,
                host,
                body: Box::new(parsed),
            },
            403 if parsed.error_code.as_deref() == Some("insufficient_scope")
                || parsed.text().starts_with("Insufficient scope") =>
            {
                Error::MissingScope {
                    endpoint,
                    host,
                    scopes: scopes_in_message(parsed.text()),
                }
            }
            _ => Error::Api {
                endpoint,
                host,
                status,
                body: Box::new(parsed),
            },
        }
    }

    /// Values that must never appear in a log line or an error, as plain strings.
    fn known_secrets(&self) -> Vec<String> {
        let mut known: Vec<String> = self
            .inner
            .credentials
            .secrets()
            .into_iter()
            .map(|s| s.expose().to_owned())
            .collect();
        if let Some(token) = self.inner.token.get() {
            known.push(token.expose().to_owned());
        }
        known
    }
}

/// A body for a trace line. Only evaluated by `tracing::trace!` when trace is on, so it costs
/// nothing otherwise.
fn loggable(body: &[u8], known: &[String]) -> String {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    loggable_body(body, &known)
}

/// `reqwest::Error::without_url` consumes the error; this gives the same text by reference.
trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let text = self.to_string();
        match self.url() {
            Some(url) => text.replace(&format!(" for url ({url})"), ""),
            None => text,
        }
    }
}
