//! Apply: carry out exactly a tenant's plan, in an order that never breaks logins.
//!
//! 1. Actions are created, updated or deployed concurrently (the tenant's one rate limiter paces
//!    them). Updates wait for their build, deploy it and wait until it is live. Creates carry
//!    `deploy: true`, so Auth0 makes them live when their build ends; apply then waits for all of
//!    them at once by polling the actions list (`settle.rs`), not each action.
//! 2. Only when every action is live are the changed binding lists replaced — so no binding ever
//!    points at an action that is not deployed, and a removed action is unbound first.
//! 3. Pruned actions are deleted last. When a trigger's only change is dropping actions being
//!    deleted, its bindings are not replaced: those actions are deleted with `force`, which
//!    unbinds them in the same request (`unbind.rs` says when that is safe).
//!
//! After the first failure no new write starts; the report says what was done and what was not,
//! and a re-run (a fresh plan) converges. With `--rollback-on-failure` (`undo.rs`) what went
//! live is returned to the versions and bindings read before apply.
//!
//! Every version apply deploys carries the record of this apply after its managed header
//! (`render/record.rs`): its id, time, commit, tenant file and its trigger's binding order.

pub mod report;
pub mod settle;
pub mod steps;
pub mod unbind;
pub mod undo;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::action::Trigger;
use crate::error::Error;
use crate::pipeline::Prepared;
use crate::plan::{Op, Plan};
use crate::render::{ApplyRecord, with_record};
use crate::state::LiveState;
use crate::tenant::TenantClient;
use crate::tenant::api_types::BindingRef;

use settle::Unsettled;

pub use report::{Report, Step};

/// How to apply, beyond the plan.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// The git commit of the config, for the apply record.
    pub commit: Option<String>,
    /// After a failure, return what went live to how it was before (`undo.rs`).
    pub rollback_on_failure: bool,
}

/// Applies one tenant's plan. Never fails outright: failures are in the report.
pub async fn apply(
    prepared: Arc<Prepared>,
    plan: &Plan,
    live: &LiveState,
    client: &TenantClient,
) -> Report {
    apply_with(prepared, plan, live, client, &ApplyOptions::default()).await
}

/// [`apply`] with options: the commit recorded, and whether a failure is rolled back.
pub async fn apply_with(
    prepared: Arc<Prepared>,
    plan: &Plan,
    live: &LiveState,
    client: &TenantClient,
    opts: &ApplyOptions,
) -> Report {
    let (mut report, went_live) = carry_out(prepared, plan, live, client, opts).await;
    if opts.rollback_on_failure && report.failed() {
        undo::run(client, plan, live, &went_live, &mut report).await;
    }
    report
}

/// The code of every action apply writes, with this apply's record.
fn recorded(prepared: &Prepared, plan: &Plan, live: &LiveState, commit: Option<&str>) -> Records {
    let (id, time) = crate::history::clock::new_apply_id();
    plan.actions
        .iter()
        .filter_map(|a| {
            let want = prepared.desired.actions.get(&a.name)?;
            let trigger = want.trigger.id();
            let bindings = match plan.bindings.iter().find(|b| b.trigger == trigger) {
                Some(b) => b.after.clone(),
                None => live
                    .bindings
                    .get(trigger)
                    .map(|l| l.iter().map(|b| b.action_name.clone()).collect())
                    .unwrap_or_default(),
            };
            let record = ApplyRecord {
                id: id.clone(),
                time: time.clone(),
                commit: commit.map(str::to_owned),
                file: prepared.label(),
                trigger: trigger.to_owned(),
                bindings,
            };
            Some((a.name.clone(), with_record(&want.code, &record)))
        })
        .collect()
}

/// Action name → its code with the apply record.
type Records = BTreeMap<String, String>;

/// Carries out the plan; also returns the names of the actions whose step succeeded.
async fn carry_out(
    prepared: Arc<Prepared>,
    plan: &Plan,
    live: &LiveState,
    client: &TenantClient,
    opts: &ApplyOptions,
) -> (Report, BTreeMap<String, String>) {
    let mut report = Report::new(&plan.tenant);
    let stop = Arc::new(AtomicBool::new(false));
    let records = Arc::new(recorded(&prepared, plan, live, opts.commit.as_deref()));
    let (mut ids, mut unsettled) =
        actions(&prepared, &records, plan, client, &stop, &mut report).await;
    let went_live = ids.clone();
    // Also after a failure: the report then says truthfully whether what was created went live.
    let list_pages = (live.actions.len() + unsettled.len()).div_ceil(100).max(1);
    settle::created(client, &mut unsettled, &mut report, list_pages).await;
    let removals = unbind::removals(plan, live);
    if report.failed() {
        report.skip_rest(plan, &removals);
        return (report, went_live);
    }
    // Foreign bindings keep pointing at the very action they point at now.
    for b in live.bindings.values().flatten() {
        ids.entry(b.action_name.clone())
            .or_insert_with(|| b.action_id.clone());
    }
    for a in &live.actions {
        ids.entry(a.name.clone()).or_insert_with(|| a.id.clone());
    }
    for b in &removals.replace {
        let step = report::replace_step(&b.trigger);
        match bindings(client, &b.trigger, &b.after, &ids).await {
            Ok(()) => report.done(step),
            Err(e) => {
                report.fail(step, &e);
                report.skip_rest(plan, &removals);
                return (report, went_live);
            }
        }
    }
    for a in plan.actions.iter().filter(|a| a.op == Op::Delete) {
        let unbinding = removals.forced.contains(&a.name);
        let step = report::delete_step(&a.name, unbinding);
        match client
            .delete_action(a.id.as_deref().unwrap_or_default(), unbinding)
            .await
        {
            Ok(()) => report.done(step),
            Err(e) => {
                report.fail(step, &Error::from(e));
                report.skip_rest(plan, &removals);
                return (report, went_live);
            }
        }
    }
    // Their only change was dropping actions that are now deleted, unbinding them.
    for b in &removals.by_delete {
        report.done(report::unbind_step(b, &removals));
    }
    (report, went_live)
}

/// Runs every create/update/deploy concurrently. Returns name → id of the actions handled, and
/// the creates whose step is reported once they are known to be live.
async fn actions(
    prepared: &Arc<Prepared>,
    records: &Arc<Records>,
    plan: &Plan,
    client: &TenantClient,
    stop: &Arc<AtomicBool>,
    report: &mut Report,
) -> (BTreeMap<String, String>, Unsettled) {
    let steps: Vec<_> = plan
        .actions
        .iter()
        .filter(|a| a.op != Op::Delete)
        .cloned()
        .collect();
    let tasks = steps.iter().cloned().map(|step| {
        let (client, prepared, stop) = (client.clone(), prepared.clone(), stop.clone());
        let records = records.clone();
        async move {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            let Some(want) = prepared.desired.actions.get(&step.name) else {
                return Some(Err(Error::other(
                    "internal error: planned action missing from the config",
                    None,
                )));
            };
            let mut want = want.clone();
            if let Some(code) = records.get(&step.name) {
                want.code = code.clone();
            }
            let r = steps::apply_action(&client, &step, &want, &prepared.values).await;
            if r.is_err() {
                stop.store(true, Ordering::SeqCst);
            }
            Some(r)
        }
    });
    let outcomes = crate::runtime::join_all(tasks).await;
    let mut ids = BTreeMap::new();
    let mut unsettled = Unsettled::new();
    for (step, outcome) in steps.into_iter().zip(outcomes) {
        let label = report::action_step(&step);
        // A task that panicked is a failed step.
        match outcome.and_then(|o| o.transpose()) {
            Ok(Some(applied)) => {
                ids.insert(step.name.clone(), applied.id.clone());
                if applied.settled {
                    report.done(label);
                } else {
                    unsettled.insert(step.name.clone(), (label, applied.id));
                }
            }
            Err(e) => {
                stop.store(true, Ordering::SeqCst);
                report.fail(label, &e);
            }
            Ok(None) => report.not_started(label),
        }
    }
    (ids, unsettled)
}

pub(crate) async fn bindings(
    client: &TenantClient,
    trigger: &str,
    after: &[String],
    ids: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let refs: Vec<BindingRef> = after
        .iter()
        .map(|name| {
            ids.get(name)
                .map(|id| BindingRef::action_id(id.clone(), name.clone()))
                .ok_or_else(|| {
                    Error::other(
                        format!("no id known for action `{name}`; nothing was bound"),
                        None,
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    let trigger = Trigger::from_id(trigger)
        .map(Trigger::id)
        .unwrap_or(trigger);
    client.replace_bindings(trigger, &refs).await?;
    Ok(())
}
