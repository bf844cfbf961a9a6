//! The async runtime of commands that talk to tenants. The CLI is synchronous; commands that do
//! HTTP build one runtime for the whole command.

use crate::error::{Error, Result};

/// A multi-threaded tokio runtime with I/O and timers.
pub fn build() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::other(format!("cannot start the async runtime: {e}"), None))
}

/// How many tenants talk to their APIs at once. Each tenant already has its own rate limiter;
/// this bound keeps memory and sockets flat for `--all` over hundreds of files, and is high
/// enough that a typical repository's tenants (tens) all run at once: a tenant waiting for a
/// slot doubles the wall time of the whole run.
pub const MAX_CONCURRENT_TENANTS: usize = 64;

/// A slot for one tenant's session, held until the session ends.
pub async fn tenant_slot() -> Option<tokio::sync::OwnedSemaphorePermit> {
    static SLOTS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> =
        std::sync::OnceLock::new();
    let slots = SLOTS
        .get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_TENANTS)));
    slots.clone().acquire_owned().await.ok()
}
