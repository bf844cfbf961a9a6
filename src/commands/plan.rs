//! `loginflow plan`: compare the config with the live tenant(s) and show what apply would do.
//! Tenants are planned concurrently; output is grouped by tenant in the order given; the exit
//! code is the worst of them (1 error, then 2 changes under `--detailed-exitcode`, then 0).

use std::path::PathBuf;

use crate::cli::{PlanArgs, PlanFormat};
use crate::commands::validate::tenant_files;
use crate::error::{Error, Result};
use crate::pipeline::{Checked, Prepared, finish_and_plan};
use crate::plan::Plan;
use crate::plan::format::{human, json, markdown};
use crate::plan::saved::{SavedPlan, SavedTenant};

/// Runs `plan`.
pub fn run(args: &PlanArgs) -> Result<u8> {
    let files = tenant_files(&args.files)?;
    let checked = crate::pipeline::check_all(&files);
    let runtime = crate::runtime::build()?;
    let results = runtime.block_on(plan_files(files, checked));
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

fn render(plans: &[Plan], format: PlanFormat) -> String {
    match format {
        PlanFormat::Human => human::render(plans, crate::output::stdout_color()),
        PlanFormat::Markdown => markdown::render(plans),
        PlanFormat::Json => json::render(plans),
    }
}

/// Plans every checked file concurrently; results come back in the order of `files`. Public
/// for the benchmark (`examples/plan_bench.rs`), which measures exactly what the command runs.
pub async fn plan_files(
    files: Vec<PathBuf>,
    checked: Vec<Result<Checked>>,
) -> Vec<Result<(Prepared, Plan)>> {
    crate::tenant::tls::preload();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (file, checked)) in files.into_iter().zip(checked).enumerate() {
        tasks.spawn(async move { (i, plan_one(file, checked).await) });
    }
    let mut out: Vec<(usize, Result<(Prepared, Plan)>)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(r) => out.push(r),
            Err(e) => out.push((
                usize::MAX,
                Err(Error::other(format!("a planning task failed: {e}"), None)),
            )),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

async fn plan_one(file: PathBuf, checked: Result<Checked>) -> Result<(Prepared, Plan)> {
    let label = file.display().to_string();
    plan_file(checked).await.map_err(|e| naming_file(&label, e))
}

/// Puts the tenant file in front of an error that does not name it, so that `plan --all` says
/// which tenant failed (an unreachable host, a rejected token, ...).
fn naming_file(label: &str, e: Error) -> Error {
    let text = e.to_string();
    if text.starts_with(label) || text.starts_with(&format!("`{label}`")) {
        return e;
    }
    let mut message = format!("{label}: {text}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    Error::other(message, e.hint().map(str::to_string))
}

async fn plan_file(checked: Result<Checked>) -> Result<(Prepared, Plan)> {
    let (checked, conn) = crate::pipeline::connect(checked?).await?;
    let result = finish_and_plan(checked, &conn.client).await;
    conn.close().await;
    let (prepared, _, plan) = result?;
    Ok((prepared, plan))
}

fn write_saved(out: &PathBuf, planned: &[(Prepared, Plan)]) -> Result<()> {
    let tenants = planned
        .iter()
        .map(|(p, plan)| SavedTenant {
            file: p.label(),
            plan: plan.clone(),
            secret_fingerprints: p.secret_fingerprints(),
        })
        .collect();
    let text = SavedPlan::new(tenants).to_text();
    std::fs::write(out, text).map_err(|source| Error::Io {
        action: "write",
        path: out.clone(),
        source,
    })
}
