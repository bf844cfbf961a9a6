//! The async runtime of commands that talk to tenants. The CLI is synchronous; commands that do
//! HTTP build one runtime for the whole command.

use std::future::Future;
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

/// A slot for one tenant's requests, held while they run.
pub async fn tenant_slot() -> Option<OwnedSemaphorePermit> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    let slots = SLOTS.get_or_init(|| Arc::new(Semaphore::new(MAX_CONCURRENT_TENANTS)));
    slots.clone().acquire_owned().await.ok()
}

/// Runs every task concurrently and returns their outputs in the order given: one per task,
/// a task that panicked (or was cancelled) as an error in its place, so that no caller can
/// lose one.
pub async fn join_all<T, F>(tasks: impl IntoIterator<Item = F>) -> Vec<Result<T>>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.map_err(|e| {
            let what = if e.is_panic() {
                "panicked"
            } else {
                "was cancelled"
            };
            Error::other(format!("internal error: a task {what}"), None)
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_panicked_task_is_an_error_in_its_place() {
        let tasks = (0..4).map(|i| async move {
            if i == 1 {
                panic!("injected");
            }
            tokio::task::yield_now().await;
            i
        });
        let out = super::join_all(tasks).await;
        assert_eq!(out.len(), 4);
        assert!(matches!(out[0], Ok(0)));
        let Err(e) = &out[1] else {
            panic!("the panic was lost: {out:?}")
        };
        assert!(e.to_string().contains("panicked"), "{e}");
        assert!(
            matches!(out[2], Ok(2)) && matches!(out[3], Ok(3)),
            "{out:?}"
        );
    }
}
