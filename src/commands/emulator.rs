//! `loginflow emulator`: runs the embedded local tenant standalone on loopback until SIGINT or
//! SIGTERM, printing its base URL on stdout once it listens (one line, for scripts).

use loginflow_emulator::{ClientGrant, Emulator, EmulatorOptions};

use crate::error::{Error, Result};

/// Environment variable holding the client secret (never a flag: flags show in `ps`).
pub const SECRET_ENV: &str = "LOGINFLOW_EMULATOR_CLIENT_SECRET";

/// Environment variable holding the `--read-only-client`'s secret.
pub const READ_ONLY_SECRET_ENV: &str = "LOGINFLOW_EMULATOR_READ_ONLY_SECRET";

/// The `--read-only-client`: granted only `read:actions`, as a pull-request job's client is.
pub fn read_only(client_id: String) -> ClientGrant {
    ClientGrant {
        client_id,
        client_secret: std::env::var(READ_ONLY_SECRET_ENV)
            .unwrap_or_else(|_| EmulatorOptions::default().client_secret),
        scope: "read:actions".into(),
    }
}

/// What `emulator` runs: the emulator's options and the port to listen on.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// Everything else; the client secret comes from [`SECRET_ENV`] (see [`client_secret`]).
    pub options: EmulatorOptions,
}

/// The client secret: [`SECRET_ENV`] if set, else the default (`local`).
pub fn client_secret() -> String {
    std::env::var(SECRET_ENV).unwrap_or_else(|_| EmulatorOptions::default().client_secret)
}

/// Runs the emulator until a signal arrives, then shuts it down gracefully.
pub fn run(settings: Settings) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::other(format!("could not start the async runtime: {e}"), None))?;
    runtime.block_on(async {
        let faulty = settings.options.faults != Default::default();
        let emulator = Emulator::start_on(settings.options, settings.port).await?;
        println!("{}", emulator.base_url());
        if faulty {
            // Request faults are random: the seed replays them (`--faults ...,seed=N`).
            eprintln!("faults: seed={}", emulator.fault_seed());
        }
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
