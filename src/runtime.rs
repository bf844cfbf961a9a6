//! The async runtime of commands that talk to tenants. The CLI is synchronous; commands that do
//! HTTP build one runtime for the whole command.

use std::sync::{Arc, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

type Slots = OnceLock<Arc<Semaphore>>;

/// A slot for one tenant's session, held until the session ends.
pub async fn tenant_slot() -> Option<OwnedSemaphorePermit> {
    static SLOTS: Slots = OnceLock::new();
    acquire(&SLOTS, || MAX_CONCURRENT_TENANTS).await
}

/// A slot for CPU-bound work on a thread of its own (validating and rendering a tenant file),
/// one per core, so that `plan --all` over hundreds of tenants does not start a thread for each
/// at once.
pub async fn cpu_slot() -> Option<OwnedSemaphorePermit> {
    static SLOTS: Slots = OnceLock::new();
    acquire(&SLOTS, || {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    })
    .await
}

async fn acquire(slots: &'static Slots, size: fn() -> usize) -> Option<OwnedSemaphorePermit> {
    let slots = slots.get_or_init(|| Arc::new(Semaphore::new(size())));
    slots.clone().acquire_owned().await.ok()
}
