//! `loginflow apply [FILE... | --all | plan.json] [--yes] [--prune]`.
//!
//! With tenant files: plan every tenant, show every plan, ask once (unless `--yes`; without a
//! terminal, refuse rather than hang), then apply. With a saved plan: verify its checksum, re-read each tenant and refuse
//! if anything the plan was computed against changed (live objects, secret values, the config),
//! then apply exactly that plan.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::apply::{ApplyOptions, apply_with};
use crate::cli::ApplyArgs;
use crate::error::{Error, Result};
use crate::output;
use crate::pipeline::{Prepared, prepare, tenant_files};
use crate::plan::Plan;
use crate::plan::format::human;
use crate::plan::saved::{SavedPlan, SavedTenant};

/// Runs `apply`; exit 0 when every tenant converged, 1 otherwise.
pub fn run(args: &ApplyArgs) -> Result<u8> {
    let saved = saved_plan(&args.files)?;
    let files = match &saved {
        Some(s) => s.tenants.iter().map(|t| PathBuf::from(&t.file)).collect(),
        None => tenant_files(&args.files)?,
    };
    let prepared = files
        .iter()
        .map(|f| {
            let mut p = prepare(f)?;
            p.desired.prune |= args.prune;
            Ok(p)
        })
        .collect();
    let runtime = crate::runtime::build()?;
    let yes = args.yes || saved.is_some();
    let failed = runtime.block_on(plan_ask_apply(prepared, saved, yes, args));
    // Nothing is left to wait for; the worker threads end with the process.
    runtime.shutdown_background();
    Ok(u8::from(failed))
}

/// Plans every tenant, prints every plan in the order given, asks once, then applies every
/// tenant with changes concurrently and prints the reports in order. Returns whether anything
/// failed.
async fn plan_ask_apply(
    prepared: Vec<Result<Prepared>>,
    saved: Option<SavedPlan>,
    yes: bool,
    args: &ApplyArgs,
) -> bool {
    let mut failed = false;
    let mut changed = Vec::new();
    let planned = crate::pipeline::plan_all(prepared).await;
    for (i, planned) in planned.into_iter().enumerate() {
        let expected = saved.as_ref().and_then(|s| s.tenants.get(i));
        let fresh = match (&planned, expected) {
            (Ok(p), Some(saved)) => check_fresh(&p.prepared, saved, &p.plan),
            _ => Ok(()),
        };
        match (planned, fresh) {
            (Ok(p), Ok(())) => {
                let color = output::stdout_color();
                output::data(&human::render(std::slice::from_ref(&p.plan), color));
                if p.plan.has_changes() {
                    changed.push(p);
                } else {
                    p.conn.close().await;
                }
            }
            (Ok(p), Err(e)) => {
                p.conn.close().await;
                output::report_error(&e);
                failed = true;
            }
            (Err(e), _) => {
                output::report_error(&e);
                failed = true;
            }
        }
    }
    if changed.is_empty() {
        return failed;
    }
    if !yes {
        let tenants: Vec<&str> = changed.iter().map(|p| p.plan.tenant.as_str()).collect();
        let refused = match ask(&tenants.join(", ")) {
            Ok(true) => None,
            Ok(false) => Some(Error::other("apply cancelled; nothing was changed", None)),
            Err(e) => Some(e),
        };
        if let Some(e) = refused {
            for p in changed {
                p.conn.close().await;
            }
            output::report_error(&e);
            return true;
        }
    }
    let labels: Vec<String> = changed.iter().map(|p| p.prepared.label()).collect();
    let tasks = changed.into_iter().map(|p| {
        let opts = ApplyOptions {
            commit: crate::history::commit::resolve(args.commit.as_deref(), &p.prepared.file),
            rollback_on_failure: args.rollback_on_failure,
        };
        apply_one(p, opts)
    });
    let reports = crate::runtime::join_all(tasks).await;
    for (report, label) in reports.into_iter().zip(labels) {
        match report {
            Ok(report) => {
                failed |= report.failed();
                eprint!("{}", report.render());
            }
            Err(e) => {
                output::report_error(&crate::pipeline::naming_file(&label, e));
                failed = true;
            }
        }
    }
    failed
}

/// Applies one planned tenant with its options, then closes its connection.
async fn apply_one(p: crate::pipeline::Planned, opts: ApplyOptions) -> crate::apply::Report {
    let _slot = crate::runtime::tenant_slot().await;
    let report = apply_with(
        Arc::new(p.prepared),
        &p.plan,
        &p.live,
        &p.conn.client,
        &opts,
    )
    .await;
    p.conn.close().await;
    report
}

/// A single argument ending in `.json` is a saved plan.
fn saved_plan(files: &[PathBuf]) -> Result<Option<SavedPlan>> {
    let [only] = files else { return Ok(None) };
    if only.extension().is_none_or(|e| e != "json") {
        return Ok(None);
    }
    let text = std::fs::read_to_string(only).map_err(|source| Error::Io {
        action: "read",
        path: only.clone(),
        source,
    })?;
    SavedPlan::parse(&text).map(Some).map_err(|e| {
        Error::other(
            format!("`{}`: {e}", only.display()),
            Some("run `loginflow plan --out FILE` again and apply the new file".into()),
        )
    })
}

/// Refuses a saved plan whose inputs changed, naming what changed.
fn check_fresh(prepared: &Prepared, saved: &SavedTenant, now: &Plan) -> Result<()> {
    let mut changed = Vec::new();
    let (was, is) = (&saved.plan.live, &now.live);
    for (name, fp) in &was.actions {
        match is.actions.get(name) {
            None => changed.push(format!("action `{name}` was deleted")),
            Some(cur) if cur != fp => changed.push(format!(
                "action `{name}` changed (updated_at {} → {}, deployed version {} → {})",
                fp.updated_at.as_deref().unwrap_or("-"),
                cur.updated_at.as_deref().unwrap_or("-"),
                fp.deployed_version.as_deref().unwrap_or("-"),
                cur.deployed_version.as_deref().unwrap_or("-")
            )),
            _ => {}
        }
    }
    changed.extend(
        is.actions
            .keys()
            .filter(|n| !was.actions.contains_key(*n))
            .map(|n| format!("action `{n}` was created")),
    );
    for (trigger, ids) in &is.bindings {
        if was.bindings.get(trigger) != Some(ids) {
            changed.push(format!("the bindings of `{trigger}` changed"));
        }
    }
    if prepared.secret_fingerprints() != saved.secret_fingerprints {
        let names = secret_changes(&saved.secret_fingerprints, &prepared.secret_fingerprints());
        changed.push(format!("secret values changed since the plan: {names}"));
    }
    if changed.is_empty()
        && (now.actions != saved.plan.actions || now.bindings != saved.plan.bindings)
    {
        changed.push("the configuration changed since the plan".into());
    }
    if changed.is_empty() {
        return Ok(());
    }
    Err(Error::other(
        format!(
            "{}: the saved plan is stale; nothing was changed:\n  {}",
            prepared.label(),
            changed.join("\n  ")
        ),
        Some("run `loginflow plan --out FILE` again, review it, and apply the new file".into()),
    ))
}

type Fingerprints = std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;

fn secret_changes(was: &Fingerprints, is: &Fingerprints) -> String {
    let mut names = Vec::new();
    for (action, secrets) in is {
        for (name, fp) in secrets {
            if was.get(action).and_then(|s| s.get(name)) != Some(fp) {
                names.push(format!("`{name}` (action `{action}`)"));
            }
        }
    }
    names.join(", ")
}

/// Asks once, on the terminal; without one, refuses rather than waiting for input that never
/// comes.
fn ask(tenants: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::other(
            "refusing to apply without confirmation: stdin is not a terminal",
            Some("pass `--yes` to apply without asking (CI), or apply a reviewed plan file".into()),
        ));
    }
    eprint!("Apply these changes to {tenants}? Only `yes` is accepted: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| Error::Io {
            action: "read from",
            path: Path::new("stdin").into(),
            source,
        })?;
    Ok(line.trim() == "yes")
}
