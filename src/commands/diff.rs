//! `loginflow diff FILE_A FILE_B`: what changes from A's desired state to B's (e.g. staging →
//! prod), offline: no tenant, no credential, no secret value (fingerprints render `unset`, so
//! secrets compare by name). Printed like `plan`, with the exit codes of `plan
//! --detailed-exitcode`: 0 the same, 2 differences, 1 an error.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::plan::Format;
use crate::config::load::LoadedTenant;
use crate::error::Result;
use crate::graph::{Flow, changed_flows};
use crate::pipeline::load_valid;
use crate::plan::Plan;
use crate::plan::compare::{Sides, compare};
use crate::plan::format::{human, json, markdown};
use crate::render::config::read_config;
use crate::state::DesiredState;
use crate::state::build::desired;

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
    let (tenant_b, a) = (b?, desired(&a?, None)?);
    let b = desired(&tenant_b, None)?;
    let (before, after) = (stem(&args.before), stem(&args.after));
    let title = format!("{} → {}", args.before.display(), args.after.display());
    let sides = Sides {
        before: &before,
        after: &after,
    };
    let mut plan = compare(&title, &a, &b, sides);
    plan.flows = flows(&plan, &a, &b, &tenant_b);
    let plans = [plan];
    crate::output::data(&match args.format {
        Format::Human => human::render(&plans, crate::output::stdout_color()),
        Format::Markdown => markdown::render_diff(&plans),
        Format::Json => json::render(&plans),
    });
    Ok(if plans[0].has_changes() { 2 } else { 0 })
}

/// The flows the comparison changes: B's configs, else A's for the actions B drops.
fn flows(plan: &Plan, a: &DesiredState, b: &DesiredState, tenant_b: &LoadedTenant) -> Vec<Flow> {
    let triggers: BTreeSet<String> = a
        .bindings
        .keys()
        .chain(b.bindings.keys())
        .map(|t| t.id().to_owned())
        .collect();
    let triggers: Vec<String> = triggers.into_iter().collect();
    let before = a
        .bindings
        .iter()
        .map(|(t, list)| (t.id().to_owned(), list.clone()))
        .collect();
    let config = |name: &str| {
        let code = b.actions.get(name).or_else(|| a.actions.get(name));
        code.and_then(|d| read_config(&d.code))
    };
    let domain = tenant_b
        .config
        .tenant
        .as_ref()
        .map_or("", |t| t.domain.as_str());
    changed_flows(plan, &triggers, &before, &config, domain)
}

/// The file's stem (`prod` for `tenants/prod.yaml`), labelling code diffs; the same stem on
/// both sides reads `a/…` and `b/…`.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
