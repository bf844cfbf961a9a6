//! Connecting a tenant file to a Management API: a real Auth0 domain over https, a standalone
//! emulator on loopback, or the embedded local tenant, which is started here in-process on an
//! ephemeral loopback port with its state in `.loginflow/local/<tenant>.json`. All three are
//! reached through the same [`TenantClient`].

use std::path::PathBuf;

use crate::config::load::LoadedTenant;
use crate::config::target::Target;
use crate::error::{Error, Result};
use crate::tenant::{ClientConfig, Credentials, Secret, TenantClient};
use loginflow_emulator::{Emulator, EmulatorOptions, RateLimitSpec};

/// The client id and secret of the embedded local tenant.
pub const LOCAL_CLIENT: &str = "local";

/// A connected tenant; owns the embedded emulator when the target is `local`.
pub struct Connection {
    pub client: TenantClient,
    emulator: Option<Emulator>,
    /// The local tenant's state file lock, held while its emulator runs.
    state_lock: Option<crate::lock::local::StateLock>,
}

impl Connection {
    /// Stops the embedded emulator, if any, after its state is flushed.
    pub async fn close(self) {
        if let Some(e) = self.emulator {
            e.shutdown().await;
        }
        drop(self.state_lock);
    }
}

/// Where the embedded local tenant of a tenant file keeps its state.
pub fn local_state_file(tenant: &LoadedTenant) -> PathBuf {
    let stem = tenant
        .path()
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tenant".into());
    PathBuf::from(".loginflow")
        .join("local")
        .join(format!("{stem}.json"))
}

/// Connects to the tenant a file names.
pub async fn connect(tenant: &LoadedTenant) -> Result<Connection> {
    let t = tenant
        .config
        .tenant
        .as_ref()
        .ok_or_else(|| Error::other("the file has no `tenant`", None))?;
    let target = Target::parse(&t.domain)
        .map_err(|e| Error::other(format!("`tenant.domain`: {e}"), None))?;
    let mut state_lock = None;
    let (base_url, credentials, emulator) = match &target {
        Target::Local => {
            let state = local_state_file(tenant);
            state_lock =
                Some(crate::lock::local::lock_state(&state, crate::lock::timeout()).await?);
            let opts = EmulatorOptions {
                state_file: Some(state),
                // A production-sized bucket: the local tenant should feel like a real one without
                // making newcomers wait on a development tenant's 2 requests per second.
                rate_limit: Some(RateLimitSpec {
                    burst: 50,
                    per_second: 16.0,
                }),
                ..EmulatorOptions::default()
            };
            let emulator = Emulator::start(opts).await?;
            let creds = Credentials::ClientCredentials {
                client_id: LOCAL_CLIENT.into(),
                client_secret: Secret::new(LOCAL_CLIENT),
            };
            (emulator.base_url(), creds, Some(emulator))
        }
        Target::Auth0 { .. } | Target::Loopback { .. } => {
            let creds = Credentials::resolve(t.credentials.as_ref(), tenant.base_dir())?;
            (target.base_url().unwrap_or_default(), creds, None)
        }
    };
    let mut config = ClientConfig::new(base_url, credentials);
    config.rate_limit = t.rate_limit.or(match target {
        Target::Local => Some(crate::config::model::RateLimit {
            per_second: 16.0,
            burst: 50,
        }),
        _ => None,
    });
    let client = TenantClient::new(config)?;
    Ok(Connection {
        client,
        emulator,
        state_lock,
    })
}
