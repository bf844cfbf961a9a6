//! `loginflow apply [FILE... | --all | plan.json] [--yes] [--prune]`.
//!
//! With tenant files: plan, show the plan, ask (unless `--yes`; without a terminal, refuse rather
//! than hang), then apply. With a saved plan: verify its checksum, re-read each tenant and refuse
//! if anything the plan was computed against changed (live objects, secret values, the config),
//! then apply exactly that plan.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::apply::{Report, apply};
use crate::cli::ApplyArgs;
use crate::commands::validate::tenant_files;
use crate::error::{Error, Result};
use crate::output;
use crate::pipeline::{Checked, Prepared, finish_and_plan};
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
    let checked = crate::pipeline::check_all(&files);
    let runtime = crate::runtime::build()?;
    let prune = args.prune;
    let outcomes = runtime.block_on(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, checked) in checked.into_iter().enumerate() {
            let expected = saved.as_ref().and_then(|s| s.tenants.get(i).cloned());
            let confirm = Confirm {
                yes: args.yes || saved.is_some(),
            };
            tasks.spawn(async move { (i, one(checked, expected, prune, confirm).await) });
        }
        let mut out = Vec::new();
        while let Some(Ok(r)) = tasks.join_next().await {
            out.push(r);
        }
        out.sort_by_key(|(i, _)| *i);
        out
    });
    // Nothing is left to wait for; the worker threads end with the process.
    runtime.shutdown_background();
    let mut failed = false;
    for (_, outcome) in outcomes {
        match outcome {
            Ok(Some(report)) => {
                failed |= report.failed();
                eprint!("{}", report.render());
            }
            Ok(None) => {}
            Err(e) => {
                output::report_error(&e);
                failed = true;
            }
        }
    }
    Ok(u8::from(failed))
}

#[derive(Clone, Copy)]
struct Confirm {
    yes: bool,
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

async fn one(
    checked: Result<Checked>,
    expected: Option<SavedTenant>,
    prune: bool,
    confirm: Confirm,
) -> Result<Option<Report>> {
    let (checked, conn) = crate::pipeline::connect(checked?).await?;
    let result = plan_and_apply(checked, expected, prune, confirm, &conn.client).await;
    conn.close().await;
    result
}

async fn plan_and_apply(
    checked: Checked,
    expected: Option<SavedTenant>,
    prune: bool,
    confirm: Confirm,
    client: &crate::tenant::TenantClient,
) -> Result<Option<Report>> {
    let (prepared, live, plan) = finish_and_plan(checked.pruning(prune), client).await?;
    if let Some(saved) = &expected {
        check_fresh(&prepared, saved, &plan)?;
    }
    output::data(&human::render(
        std::slice::from_ref(&plan),
        output::stdout_color(),
    ));
    if !plan.has_changes() {
        return Ok(None);
    }
    if !confirm.yes && !ask(&plan.tenant)? {
        return Err(Error::other(
            format!("{}: apply cancelled; nothing was changed", plan.tenant),
            None,
        ));
    }
    Ok(Some(apply(Arc::new(prepared), &plan, &live, client).await))
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

/// Asks on the terminal; without one, refuses rather than waiting for input that never comes.
fn ask(tenant: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::other(
            format!("{tenant}: refusing to apply without confirmation: stdin is not a terminal"),
            Some("pass `--yes` to apply without asking (CI), or apply a reviewed plan file".into()),
        ));
    }
    eprint!("Apply these changes to {tenant}? Only `yes` is accepted: ");
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
