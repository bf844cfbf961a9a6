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
