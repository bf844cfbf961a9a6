//! `loginflow unlock FILE [--force]`: shows who holds a tenant's apply lock; with `--force`,
//! deletes it. For the operator, after a run died and nobody wants to wait for its expiry.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::lock::holder::unix_now;

/// What `unlock` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub file: PathBuf,
    /// Delete the lock, not only show its holder.
    pub force: bool,
}

/// Runs `unlock`: 0 when the tenant is (now) unlocked, 1 when a lock is held and `--force` is
/// absent, or on error.
pub fn run(args: &Settings) -> Result<u8> {
    let tenant = crate::pipeline::load_valid(&args.file)?;
    let label = args.file.display().to_string();
    let runtime = crate::runtime::build()?;
    let outcome = runtime.block_on(async {
        let conn = crate::connect::connect(&tenant).await?;
        let result = unlock(&conn.client, &label, args.force).await;
        conn.close().await;
        result
    });
    runtime.shutdown_background();
    outcome.map_err(|e| crate::pipeline::naming_file(&label, e))
}

async fn unlock(client: &crate::tenant::TenantClient, label: &str, force: bool) -> Result<u8> {
    let Some(lock) = crate::lock::find(client).await? else {
        crate::output::status(&format!("{label}: the tenant is not locked"));
        return Ok(0);
    };
    let who = crate::lock::describe(&lock.code, unix_now());
    if !force {
        return Err(Error::other(
            format!("{label}: the tenant is locked by an apply: {who}; nothing was changed"),
            Some(format!(
                "if that run is gone, `loginflow unlock {label} --force` deletes its lock; \
                 a run still going on is then no longer protected from a concurrent apply"
            )),
        ));
    }
    crate::lock::force_delete(client, &lock.id).await?;
    crate::output::status(&format!("{label}: deleted the apply lock of {who}"));
    Ok(0)
}
