//! `loginflow plan`: compare the config with the live tenant(s) and show what apply would do.
//! Tenants are planned concurrently; output is grouped by tenant in the order given; the exit
//! code is the worst of them (1 error, then 2 changes under `--detailed-exitcode`, then 0).

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::pipeline::Prepared;
use crate::plan::Plan;
use crate::plan::format::{human, json, markdown};
use crate::plan::saved::{SavedPlan, SavedTenant};

/// What `plan` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub files: Vec<PathBuf>,
    pub format: Format,
    pub detailed_exitcode: bool,
    pub out: Option<PathBuf>,
    /// Plan the deletions of `apply --prune` (recorded in the saved plan).
    pub prune: bool,
    /// Read secret values (else compare without them: `--no-secret-values`).
    pub secret_values: bool,
}

/// How the plans are printed on stdout.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    Human,
    Markdown,
    Json,
}

/// Runs `plan`.
pub fn run(args: &Settings) -> Result<u8> {
    let files = &args.files;
    let mut prepared = crate::pipeline::prepare_all(files, args.secret_values);
    for p in prepared.iter_mut().flatten() {
        p.desired.prune |= args.prune;
    }
    let runtime = crate::runtime::build()?;
    let results = runtime.block_on(plan_files(prepared));
    // Nothing is left to wait for; the worker threads end with the process.
    runtime.shutdown_background();
    let mut planned = Vec::new();
    let mut failed = false;
    for r in results {
        match r {
            Ok(p) => planned.push(p),
            Err(e) => {
                crate::output::report_error(&e);
                failed = true;
            }
        }
    }
    let plans: Vec<Plan> = planned.iter().map(|(_, p)| p.clone()).collect();
    crate::output::data(&render(&plans, args.format));
    if let Some(out) = &args.out {
        write_saved(out, &planned)?;
    }
    let changes = plans.iter().any(Plan::has_changes);
    Ok(if failed {
        1
    } else if args.detailed_exitcode && changes {
        2
    } else {
        0
    })
}

/// Renders plans in `format` (also for `show`).
pub fn render(plans: &[Plan], format: Format) -> String {
    match format {
        Format::Human => human::render(plans, crate::output::stdout_color()),
        Format::Markdown => markdown::render(plans),
        Format::Json => json::render(plans),
    }
}

/// Plans every prepared file concurrently; results come back in the order given. Public for the
/// benchmark (`examples/plan_bench.rs`), which measures exactly what the command runs.
pub async fn plan_files(prepared: Vec<Result<Prepared>>) -> Vec<Result<(Prepared, Plan)>> {
    let mut out = Vec::new();
    for planned in crate::pipeline::plan_all(prepared).await {
        out.push(match planned {
            Ok(p) => {
                p.conn.close().await;
                Ok((p.prepared, p.plan))
            }
            Err(e) => Err(e),
        });
    }
    out
}

fn write_saved(out: &PathBuf, planned: &[(Prepared, Plan)]) -> Result<()> {
    let tenants = planned
        .iter()
        .map(|(p, plan)| SavedTenant {
            file: p.label(),
            plan: plan.clone(),
            secret_fingerprints: p.secret_fingerprints(),
            prune: p.desired.prune,
            secret_values: !p.desired.without_secret_values,
        })
        .collect();
    let text = SavedPlan::new(tenants).to_text();
    std::fs::write(out, text).map_err(|source| Error::Io {
        action: "write",
        path: out.clone(),
        source,
    })
}
