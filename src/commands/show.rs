//! `loginflow show plan.json [--format human|markdown|json]`: prints a saved plan as `plan`
//! printed it, without a tenant: no request, no credential, no secret value (a saved plan holds
//! none). The file's checksum and version are checked as `apply` checks them.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::plan::saved::SavedPlan;

use super::plan::Format;

/// What `show` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub file: PathBuf,
    pub format: Format,
}

/// Runs `show`.
pub fn run(args: &Settings) -> Result<u8> {
    let saved = read(&args.file)?;
    let plans: Vec<Plan> = saved.tenants.into_iter().map(|t| t.plan).collect();
    crate::output::data(&super::plan::render(&plans, args.format));
    Ok(0)
}

/// Reads and checks a saved plan (for `show` and `apply`).
pub fn read(path: &Path) -> Result<SavedPlan> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    SavedPlan::parse(&text).map_err(|e| {
        Error::other(
            format!("`{}`: {e}", path.display()),
            Some("run `loginflow plan --out FILE` again and use the new file".into()),
        )
    })
}
