//! `loginflow history FILE [ACTION] [--diff APPLY_ID] [--format human|markdown|json]`: the
//! applies that reached the tenant, newest first, read from the versions Auth0 keeps of every
//! managed action (one actions list, then one `GET …/versions` per managed action).

use crate::commands::plan::Format;
use crate::error::{Error, Result};
use crate::history::{self, format};
use crate::pipeline::{load_valid, naming_file, owner};

/// Runs `history`.
/// What `history` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub file: std::path::PathBuf,
    /// Only this action's versions.
    pub action: Option<String>,
    /// Show the code diff this apply made.
    pub diff: Option<String>,
    pub format: Format,
}

pub fn run(args: &Settings) -> Result<u8> {
    let tenant = load_valid(&args.file)?;
    let label = args.file.display().to_string();
    let runtime = crate::runtime::build()?;
    let read = runtime.block_on(async {
        let conn = crate::connect::connect(&tenant).await?;
        let read = async {
            let live = crate::state::read::read(&conn.client, &[], owner).await?;
            if let Some(name) = &args.action
                && !live
                    .actions
                    .iter()
                    .any(|a| &a.name == name && a.is_ours(tenant.config.owner()))
            {
                return Err(Error::other(
                    format!(
                        "the tenant has no action `{name}` managed by loginflow for owner `{}`",
                        tenant.config.owner()
                    ),
                    None,
                ));
            }
            let owner = tenant.config.owner();
            history::read(&conn.client, &live, owner, args.action.as_deref()).await
        }
        .await;
        conn.close().await;
        read
    });
    runtime.shutdown_background();
    let h = read.map_err(|e| naming_file(&label, e))?;
    if let Some(id) = &args.diff {
        let e = h.find(id).map_err(|m| {
            Error::other(
                format!("{label}: {m}"),
                Some("`loginflow history FILE` lists the applies it can reach".into()),
            )
        })?;
        crate::output::data(&format::diff(e));
        return Ok(0);
    }
    crate::output::data(&match args.format {
        Format::Human => format::human(&label, &h),
        Format::Markdown => format::markdown(&label, &h),
        Format::Json => format::json(&label, &h),
    });
    Ok(0)
}
