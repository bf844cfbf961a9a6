//! `loginflow diff FILE_A FILE_B`: what changes from A's desired state to B's (e.g. staging →
//! prod), offline: no tenant, no credential, no secret value (fingerprints render `unset`, so
//! secrets compare by name). Printed like `plan`, with the exit codes of `plan
//! --detailed-exitcode`: 0 the same, 2 differences, 1 an error.

use std::path::{Path, PathBuf};

use super::plan::Format;
use crate::error::Result;
use crate::pipeline::load_valid;
use crate::plan::compare::{Sides, compare};
use crate::plan::format::{human, json, markdown};
use crate::state::build::desired_offline;

/// What `diff` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub before: PathBuf,
    pub after: PathBuf,
    pub format: Format,
}

/// Runs `diff`.
pub fn run(args: &Settings) -> Result<u8> {
    // Both files are validated (and their diagnostics printed) before either error stops the run.
    let (a, b) = (load_valid(&args.before), load_valid(&args.after));
    let (a, b) = (desired_offline(&a?)?, desired_offline(&b?)?);
    let (before, after) = (stem(&args.before), stem(&args.after));
    let title = format!("{} → {}", args.before.display(), args.after.display());
    let sides = Sides {
        before: &before,
        after: &after,
    };
    let plans = [compare(&title, &a, &b, sides)];
    crate::output::data(&match args.format {
        Format::Human => human::render(&plans, crate::output::stdout_color()),
        Format::Markdown => markdown::render_diff(&plans),
        Format::Json => json::render(&plans),
    });
    Ok(if plans[0].has_changes() { 2 } else { 0 })
}

/// The file's stem (`prod` for `tenants/prod.yaml`), labelling code diffs; the same stem on
/// both sides reads `a/…` and `b/…`.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
