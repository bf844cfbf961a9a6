//! An emulator of the Auth0 Management API's Actions endpoints, for testing Auth0 Actions
//! tooling without a tenant: faithful to Auth0's documented behaviour and to the recorded traffic
//! of real clients (`tests/fixtures/recordings/`, replayed by the conformance test). The
//! `loginflow` CLI uses it for `domain: local` and `loginflow emulator`; see the README for what
//! it reproduces and what it does not.
//!
//! It serves on 127.0.0.1 only: `POST /oauth/token` (client `local`/`local` by default) and,
//! under `/api/v2`, actions (list with `actionName`/`triggerId`/`deployed`/`installed` filters,
//! create, read, update, delete with `force`), deploy, versions, rollback, triggers, bindings,
//! executions (always 404), modules (always empty) and seeded users. Every API request needs a
//! bearer token; every API response carries `x-ratelimit-*` headers from a token bucket (the
//! Management API's: the token endpoint, which is the Authentication API's, is outside it).
//! Builds run asynchronously in simulated time (see [`build`]); state can persist in a JSON file
//! (see [`state_file`]); faults can be injected (see [`faults`]); `/__emulator/*` exposes stats,
//! the request log and runtime controls (see [`routes::admin`]).
//!
//! ```no_run
//! # async fn demo() -> loginflow_emulator::Result<()> {
//! use loginflow_emulator::{Emulator, EmulatorOptions};
//! let emulator = Emulator::start(EmulatorOptions::default()).await?;
//! let base = emulator.base_url(); // http://127.0.0.1:PORT; client `local`, secret `local`
//! # let _ = base;
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Known differences from the real service, all deliberate: tokens are opaque (not JWTs);
//! deploys complete at once (`deployed_version.deployed` is `true` on
//! the next read); the test endpoint does not run code; messages the real API's documentation
//! does not pin down (duplicate name 409, invalid runtime, unknown version or binding ref) are
//! our best guess in Auth0's style. Secrets keep Auth0's recorded order (kept names first, new
//! names appended), not name order.

mod activity;
pub mod build;
pub mod clock;
pub mod error;
pub mod errors;
pub mod faults;
mod ids;
mod input;
pub mod model;
pub mod options;
pub mod rate_limit;
mod redact;
mod render;
pub mod routes;
mod server;
mod shared;
pub mod state_file;
pub mod stats;
mod store;
pub mod tls;
mod triggers;
mod validate;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

pub use error::{Error, Result};
pub use faults::FaultSpec;
pub use model::fingerprint;
pub use options::{ClientGrant, EmulatorOptions, RateLimitSpec};
pub use stats::Stats;

use shared::Shared;
use store::Store;

/// How long `shutdown` waits for open connections to finish.
const DRAIN: Duration = Duration::from_secs(5);
/// How long a TLS handshake may take before the connection is dropped.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// A running emulator. Dropping it without [`Emulator::shutdown`] stops accepting connections.
pub struct Emulator {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Starts on an ephemeral loopback port.
    pub async fn start(opts: EmulatorOptions) -> Result<Emulator> {
        Self::start_on(opts, 0).await
    }

    /// Starts on `127.0.0.1:port` (0 picks a free port), loading the state file if set.
    pub async fn start_on(opts: EmulatorOptions, port: u16) -> Result<Emulator> {
        let tls = match &opts.tls_cert_dir {
            Some(dir) => Some(tls::prepare(dir)?),
            None => None,
        };
        let (state, legacy) = match &opts.state_file {
            Some(path) => {
                for stale in state_file::remove_stale_temps(path) {
                    tracing::debug!("removed {}, left by a killed emulator", stale.display());
                }
                state_file::load(path)?
            }
            None => (model::State::default(), false),
        };
        let shared = Arc::new(Shared::new(&opts, Store::new(state, opts.build_ms)));
        if legacy {
            // Secret values of an older version's file: rewrite it with fingerprints now.
            shared.persist()?;
        }
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| Error::Io {
                action: "listen on",
                path: format!("127.0.0.1:{port}").into(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            action: "read the address of",
            path: "the emulator socket".into(),
            source,
        })?;
        let (stop, stopped) = watch::channel(false);
        let limits = Limits {
            slots: Arc::new(Semaphore::new(opts.max_connections.max(1))),
            header_read: opts.header_read_timeout,
            idle: opts.idle_timeout,
        };
        let task = tokio::spawn(accept_loop(
            listener,
            tls.clone(),
            shared.clone(),
            limits,
            stopped,
        ));
        Ok(Emulator {
            addr,
            tls: tls.is_some(),
            shared,
            stop,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` with TLS), without a trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The seed of the random fault draws in effect (see [`faults`]), to replay a failure.
    pub fn fault_seed(&self) -> u64 {
        shared::lock(&self.shared.faults).seed
    }

    /// The request counters, as `GET /__emulator/stats` reports them.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Stops accepting, lets open connections finish (up to 5 s) and flushes the state file.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        if let Err(e) = self.shared.persist() {
            tracing::error!("could not save the emulator state on shutdown: {e}");
        }
    }
}

/// What bounds the connections: how many at once, and how long each may stall.
#[derive(Clone)]
struct Limits {
    slots: Arc<Semaphore>,
    header_read: Duration,
    idle: Duration,
}

/// Accepts while a connection slot is free (so at most `max_connections` are served; further
/// clients wait in the listen backlog), serving each connection on its own task. Finished tasks
/// are reaped as they end, so an idle server holds nothing for closed connections.
async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    limits: Limits,
    mut stopped: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        let slot = tokio::select! {
            slot = limits.slots.clone().acquire_owned() => slot,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
            _ = stopped.changed() => break,
        };
        let Ok(slot) = slot else { break };
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let _ = stream.set_nodelay(true);
                    let (shared, stopped, limits) = (shared.clone(), stopped.clone(), limits.clone());
                    match tls.clone() {
                        None => conns.spawn(async move {
                            connection(stream, shared, &limits, stopped).await;
                            drop(slot);
                        }),
                        Some(acceptor) => conns.spawn(async move {
                            // A failed handshake (an untrusting client) just closes the socket.
                            let handshake = tokio::time::timeout(HANDSHAKE, acceptor.accept(stream));
                            if let Ok(Ok(stream)) = handshake.await {
                                connection(stream, shared, &limits, stopped).await;
                            }
                            drop(slot);
                        }),
                    };
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = stopped.changed() => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, async { while conns.join_next().await.is_some() {} }).await;
    conns.abort_all();
}

/// Serves one keep-alive connection until the client closes it, it times out (see [`Limits`])
/// or the server stops.
async fn connection<S>(
    stream: S,
    shared: Arc<Shared>,
    limits: &Limits,
    mut stopped: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let active = activity::LastActive::new();
    let stream = activity::Tracked::new(stream, active.clone());
    let service = service_fn(move |req| server::serve(shared.clone(), req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = active.idle_for(limits.idle) => {}
        _ = stopped.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(limits.idle, conn).await;
        }
    }
}
