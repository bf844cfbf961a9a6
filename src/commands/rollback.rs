//! `loginflow rollback FILE [--to APPLY_ID] [--yes] [--prune]`: plan the return to the state
//! right after an earlier apply (default: the one before the last), show it, ask (unless
//! `--yes`; never without a terminal), then take the apply lock, read and plan again under it,
//! and carry it out in apply's order only if it still makes exactly the writes shown. A rollback
//! with nothing to do takes no lock.

use std::collections::BTreeMap;

use crate::apply::Report;
use crate::config::load::LoadedTenant;
use crate::error::{Error, Result};
use crate::history::rollback::RollbackPlan;
use crate::history::{self, format, rollback};
use crate::pipeline::{load_valid, naming_file, owner};
use crate::state::{LiveBinding, LiveState};
use crate::tenant::TenantClient;

/// What `rollback` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub file: std::path::PathBuf,
    /// The apply to return to (default: the one before the last).
    pub to: Option<String>,
    pub yes: bool,
    /// Also delete the managed actions created since.
    pub prune: bool,
    /// How long to wait for another run's lock on the tenant.
    pub lock_timeout: std::time::Duration,
    /// How long this run's lock lives, if not the tenant file's `lock_ttl`.
    pub lock_ttl: Option<std::time::Duration>,
}

/// Runs `rollback`; exit 0 when the tenant is back, 1 otherwise.
pub fn run(args: &Settings) -> Result<u8> {
    let tenant = load_valid(&args.file)?;
    let label = args.file.display().to_string();
    let runtime = crate::runtime::build()?;
    let outcome = runtime.block_on(async {
        let conn = crate::connect::connect(&tenant).await?;
        let outcome = roll_back(&conn.client, &tenant, args, &label).await;
        conn.close().await;
        outcome
    });
    runtime.shutdown_background();
    outcome.map_err(|e| naming_file(&label, e))
}

async fn roll_back(
    client: &TenantClient,
    tenant: &LoadedTenant,
    args: &Settings,
    label: &str,
) -> Result<u8> {
    let (seen, plan) = read_and_plan(client, tenant, args.to.as_deref(), args.prune, label).await?;
    crate::output::data(&format::rollback_plan(&plan));
    if !plan.has_changes() {
        return Ok(0);
    }
    if !args.yes && !ask(label)? {
        return Err(Error::other(
            "rollback cancelled; nothing was changed",
            None,
        ));
    }
    // One writer at a time: the apply lock, as for `apply`.
    let configured = tenant.config.tenant.as_ref();
    let ttl = crate::lock::ttl(
        args.lock_ttl,
        configured.and_then(|t| t.lock_ttl.as_deref()),
    )?;
    let interrupted = crate::lock::release_on_interrupt();
    let report = async {
        let held =
            crate::lock::acquire(client, label, tenant.base_dir(), ttl, args.lock_timeout).await?;
        let report = replan_and_apply(client, tenant, &plan, &seen, args.prune, label).await;
        crate::lock::release(held).await;
        report
    }
    .await;
    interrupted.abort();
    let report = report?;
    eprint!("{}", report.render());
    if !report.failed() {
        crate::output::status(&format!(
            "rolled back to {}; `loginflow history {label}` lists this rollback as an apply of its own",
            plan.target.id
        ));
    }
    Ok(u8::from(report.failed()))
}

/// Under the lock: reads the tenant and plans the return to the apply shown again, and carries
/// it out only if it makes exactly the writes shown (with `--yes` too: the target was picked
/// from the history as it was, and a change since may be an apply this would undo unseen).
async fn replan_and_apply(
    client: &TenantClient,
    tenant: &LoadedTenant,
    shown: &RollbackPlan,
    seen: &LiveState,
    prune: bool,
    label: &str,
) -> Result<Report> {
    // Actions and bindings as the plan saw them mean the same history (a version is only added
    // by a deploy, which changes the action): the plan shown holds, without reading every
    // action's versions again.
    let live = read_live(client, tenant, &shown.target.bindings).await?;
    if live.actions == seen.actions && live.bindings == seen.bindings {
        return Ok(rollback::apply(client, shown, &live).await);
    }
    let (live, plan) = read_and_plan(client, tenant, Some(&shown.target.id), prune, label).await?;
    if !plan.same_writes(shown) {
        return Err(Error::other(
            "the tenant changed since the rollback plan was shown; nothing was changed",
            Some(format!(
                "run `loginflow rollback {label} --to {}` again and review the new plan",
                shown.target.id
            )),
        ));
    }
    Ok(rollback::apply(client, &plan, &live).await)
}

/// Reads the tenant and its history and plans the return to `to` (default: the apply before
/// the last).
async fn read_and_plan(
    client: &TenantClient,
    tenant: &LoadedTenant,
    to: Option<&str>,
    prune: bool,
    label: &str,
) -> Result<(LiveState, RollbackPlan)> {
    let mut live = read_live(client, tenant, &BTreeMap::new()).await?;
    let owner = tenant.config.owner();
    let h = history::read(client, &live, owner, None).await?;
    let target = match to {
        Some(id) => h.find(id).map_err(|m| {
            Error::other(
                m,
                Some("`loginflow history FILE` lists the applies it can reach".into()),
            )
        })?,
        None => rollback::default_target(&h)?,
    };
    read_bindings(client, &mut live, target.bindings.keys()).await?;
    let plan = rollback::plan(label, owner, &h, target, &live, prune);
    Ok((live, plan))
}

/// The live actions and the bindings of the triggers the config manages and of `recorded`'s.
async fn read_live(
    client: &TenantClient,
    tenant: &LoadedTenant,
    recorded: &BTreeMap<String, Vec<String>>,
) -> Result<LiveState> {
    let flow = tenant.config.flow.clone().unwrap_or_default();
    let triggers: Vec<_> = flow.triggers().into_iter().map(|(t, _)| t).collect();
    let mut live = crate::state::read::read(client, &triggers, owner).await?;
    read_bindings(client, &mut live, recorded.keys()).await?;
    Ok(live)
}

/// Reads the bindings of the triggers a record names that the config no longer manages.
async fn read_bindings(
    client: &TenantClient,
    live: &mut LiveState,
    triggers: impl Iterator<Item = &String>,
) -> Result<()> {
    for trigger in triggers {
        if !live.bindings.contains_key(trigger) {
            let list = client.list_bindings(trigger).await?;
            live.bindings.insert(
                trigger.clone(),
                list.iter().map(LiveBinding::from_api).collect(),
            );
        }
    }
    Ok(())
}

/// Asks once, on the terminal; without one, refuses rather than waiting for input.
fn ask(label: &str) -> Result<bool> {
    crate::output::confirm(
        &format!("Roll back {label} as shown?"),
        "roll back",
        "pass `--yes` to roll back without asking",
    )
}
