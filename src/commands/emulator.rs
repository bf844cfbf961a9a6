//! `loginflow emulator`: runs the embedded local tenant standalone on loopback until SIGINT or
//! SIGTERM, printing its base URL on stdout once it listens (one line, for scripts).

use std::path::PathBuf;

use crate::emulator::{Emulator, EmulatorOptions, FaultSpec, RateLimitSpec};
use crate::error::{Error, Result};

/// Environment variable holding the client secret (never a flag: flags show in `ps`).
pub const SECRET_ENV: &str = "LOGINFLOW_EMULATOR_CLIENT_SECRET";

/// Arguments of `emulator`.
#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// State file; the tenant persists there across restarts.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Build time of a draft in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub build_ms: u64,
    /// Token bucket as BURST/PER_SECOND (default 10/2, like a development tenant).
    #[arg(long, value_parser = parse_rate, conflicts_with = "no_rate_limit")]
    pub rate_limit: Option<RateLimitSpec>,
    /// Disable rate limiting.
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Extra latency per API request in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Faults to inject, e.g. `429=3,5xx=0.1,drop=0.05,fail-builds=0.5` (see the docs).
    #[arg(long, value_parser = parse_faults)]
    pub faults: Option<FaultSpec>,
    /// The accepted client id (the secret comes from LOGINFLOW_EMULATOR_CLIENT_SECRET, default `local`).
    #[arg(long, default_value = "local")]
    pub client_id: String,
    /// Serve HTTPS with a self-signed certificate written to --cert-dir.
    #[arg(long, requires = "cert_dir")]
    pub tls: bool,
    /// Where --tls writes its certificate.
    #[arg(long)]
    pub cert_dir: Option<PathBuf>,
}

fn parse_rate(s: &str) -> std::result::Result<RateLimitSpec, String> {
    s.parse()
}

fn parse_faults(s: &str) -> std::result::Result<FaultSpec, String> {
    s.parse()
}

impl EmulatorArgs {
    /// The options these arguments describe, with the secret from the environment.
    pub fn options(&self) -> EmulatorOptions {
        let defaults = EmulatorOptions::default();
        EmulatorOptions {
            client_id: self.client_id.clone(),
            client_secret: std::env::var(SECRET_ENV).unwrap_or(defaults.client_secret),
            build_ms: self.build_ms,
            rate_limit: if self.no_rate_limit {
                None
            } else {
                Some(self.rate_limit.unwrap_or_default())
            },
            latency_ms: self.latency_ms,
            faults: self.faults.clone().unwrap_or_default(),
            state_file: self.state.clone(),
            tls_cert_dir: if self.tls {
                self.cert_dir.clone()
            } else {
                None
            },
        }
    }
}

/// Runs the emulator until a signal arrives, then shuts it down gracefully.
pub fn run(args: &EmulatorArgs) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::other(format!("could not start the async runtime: {e}"), None))?;
    runtime.block_on(async {
        let emulator = Emulator::start_on(args.options(), args.port).await?;
        println!("{}", emulator.base_url());
        wait_for_signal().await;
        emulator.shutdown().await;
        Ok(0)
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
