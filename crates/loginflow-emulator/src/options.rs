//! How an emulator is configured: credentials, build time, rate limit, latency, faults, state file.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::faults::FaultSpec;

/// Configuration of one emulator instance. `Default` mimics a development tenant.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// The only client accepted by `POST /oauth/token`.
    pub client_id: String,
    /// Its secret. The CLI reads it from `LOGINFLOW_EMULATOR_CLIENT_SECRET`, never from a flag.
    pub client_secret: String,
    /// How long a draft build takes (pending → building → built), in milliseconds.
    pub build_ms: u64,
    /// The token bucket; `None` disables rate limiting.
    pub rate_limit: Option<RateLimitSpec>,
    /// Extra latency added to every API response, in milliseconds.
    pub latency_ms: u64,
    /// Injected faults.
    pub faults: FaultSpec,
    /// Where state persists as JSON; `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate written to this directory.
    pub tls_cert_dir: Option<PathBuf>,
    /// At most this many connections are served at once; further ones wait in the listen
    /// backlog until one closes.
    pub max_connections: usize,
    /// A request's head must arrive whole within this long, counted from when the server starts
    /// waiting for it: after accepting, and after each response on a keep-alive connection (so it
    /// is also the keep-alive idle timeout). A slowloris client is closed after it.
    pub header_read_timeout: Duration,
    /// A connection on which no byte moves either way for this long is closed (a stalled body,
    /// a client that stopped reading its response).
    pub idle_timeout: Duration,
    /// More clients accepted by `POST /oauth/token`, each granted only its own scopes (the main
    /// client above is granted every Actions scope). A request needing a scope its token lacks
    /// answers 403 `insufficient_scope`, as Auth0 does.
    pub clients: Vec<ClientGrant>,
}

/// A client and the Management API scopes its grant holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientGrant {
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated, e.g. `read:actions`.
    pub scope: String,
}

/// Default of [`EmulatorOptions::max_connections`].
pub const MAX_CONNECTIONS: usize = 512;
/// Default of [`EmulatorOptions::header_read_timeout`].
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of [`EmulatorOptions::idle_timeout`].
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            client_id: "local".into(),
            client_secret: "local".into(),
            build_ms: 50,
            rate_limit: Some(RateLimitSpec::default()),
            latency_ms: 0,
            faults: FaultSpec::default(),
            state_file: None,
            tls_cert_dir: None,
            max_connections: MAX_CONNECTIONS,
            header_read_timeout: HEADER_READ_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            clients: Vec::new(),
        }
    }
}

impl EmulatorOptions {
    /// Options for tests: builds finish at once and there is no rate limit; the rest is
    /// [`Default`]. Override fields with `EmulatorOptions { build_ms: 20, ..EmulatorOptions::fast() }`.
    pub fn fast() -> Self {
        EmulatorOptions {
            build_ms: 0,
            rate_limit: None,
            ..EmulatorOptions::default()
        }
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitSpec {
    pub burst: u32,
    pub per_second: f64,
}

impl Default for RateLimitSpec {
    /// Auth0's enterprise non-production tenant: burst 10, 2 per second.
    fn default() -> Self {
        RateLimitSpec {
            burst: 10,
            per_second: 2.0,
        }
    }
}

impl FromStr for RateLimitSpec {
    type Err = String;

    /// `BURST/PER_SECOND`, e.g. `10/2` or `50/16.5`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("invalid rate limit `{s}`: expected BURST/PER_SECOND, e.g. 10/2");
        let (burst, rate) = s.split_once('/').ok_or_else(bad)?;
        let burst: u32 = burst.trim().parse().map_err(|_| bad())?;
        let per_second: f64 = rate.trim().parse().map_err(|_| bad())?;
        if burst == 0 || !per_second.is_finite() || per_second <= 0.0 {
            return Err(bad());
        }
        Ok(RateLimitSpec { burst, per_second })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rate_limits() {
        assert_eq!(
            "10/2".parse::<RateLimitSpec>(),
            Ok(RateLimitSpec {
                burst: 10,
                per_second: 2.0
            })
        );
        assert!("10".parse::<RateLimitSpec>().is_err());
        assert!("0/2".parse::<RateLimitSpec>().is_err());
        assert!("5/-1".parse::<RateLimitSpec>().is_err());
    }
}
