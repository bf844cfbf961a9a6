//! `apply --rollback-on-failure`: after a failed step, return the tenant to how apply found it,
//! from the live state read before apply.
//!
//! 1. Every action whose step succeeded and that had a live version gets that version back (a
//!    version deploy with `update_draft`: no build, no code sent; the draft is reset too).
//! 2. Every binding list apply replaced gets its earlier order back.
//! 3. Every action apply created is deleted (the restored bindings no longer name it).
//!
//! Deletes already done cannot be undone (their versions are gone); the report says so.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::plan::{Op, Plan};
use crate::state::LiveState;
use crate::state::live::LiveVersion;
use crate::tenant::TenantClient;
use crate::tenant::api_types::{ApiVersion, BindingRef};

use super::report::{Report, Step, replace_step};

/// Undoes what went live; `went_live` names the actions whose step succeeded.
pub async fn run(
    client: &TenantClient,
    plan: &Plan,
    live: &LiveState,
    went_live: &BTreeMap<String, String>,
    report: &mut Report,
) {
    let mut restores = Vec::new();
    let mut deletes = Vec::new();
    for a in plan
        .actions
        .iter()
        .filter(|a| went_live.contains_key(&a.name) && a.op != Op::Delete)
    {
        let before = live.actions.iter().find(|l| Some(&l.id) == a.id.as_ref());
        match (a.op, before.and_then(|l| l.deployed.as_ref())) {
            (Op::Create, _) => {
                if let Some(id) = went_live.get(&a.name) {
                    deletes.push((a.name.clone(), id.clone()));
                }
            }
            (_, Some(v)) => {
                restores.push((a.name.clone(), a.id.clone().unwrap_or_default(), v.clone()))
            }
            (_, None) => report.not_started(format!(
                "roll back `{}`: it had no live version before this apply, so it stays deployed",
                a.name
            )),
        }
    }
    let tasks = restores.iter().map(|(name, id, v)| {
        let client = client.clone();
        let (id, name, v) = (id.clone(), name.clone(), v.clone());
        async move { restore(&client, &id, &name, &v).await }
    });
    let outcomes = crate::runtime::join_all(tasks).await;
    for ((name, _, v), outcome) in restores.iter().zip(outcomes) {
        let step = format!(
            "roll back `{name}` to version {} (live before this apply)",
            v.number
        );
        match outcome.and_then(|r| r) {
            Ok(()) => report.done(step),
            Err(e) => report.fail(step, &e),
        }
    }
    let replaced: Vec<&str> = plan
        .bindings
        .iter()
        .map(|b| b.trigger.as_str())
        .filter(|t| {
            report
                .steps
                .iter()
                .any(|s| matches!(s, Step::Done(x) if *x == replace_step(t)))
        })
        .collect();
    for trigger in replaced {
        let step = format!("restore bindings of `{trigger}` (as before this apply)");
        let refs: Vec<BindingRef> = live
            .bindings
            .get(trigger)
            .map(|l| {
                l.iter()
                    .map(|b| BindingRef::action_id(b.action_id.clone(), b.display_name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        match client.replace_bindings(trigger, &refs).await {
            Ok(_) => report.done(step),
            Err(e) => report.fail(step, &Error::from(e)),
        }
    }
    for (name, id) in deletes {
        let step = format!("delete `{name}` (created by this apply)");
        match client.delete_action(&id, false).await {
            Ok(()) => report.done(step),
            Err(e) => report.fail(step, &Error::from(e)),
        }
    }
    for a in plan.actions.iter().filter(|a| a.op == Op::Delete) {
        let deleted = report
            .steps
            .iter()
            .any(|s| matches!(s, Step::Done(x) if x.starts_with(&format!("delete `{}`", a.name))));
        if deleted {
            report.not_started(format!(
                "restore `{}`: deleted by this apply, it cannot be brought back",
                a.name
            ));
        }
    }
}

/// Deploys `v` again (a copy, no build) with the draft reset to it, and waits until it is live.
async fn restore(
    client: &TenantClient,
    id: &str,
    name: &str,
    v: &LiveVersion,
) -> Result<(), Error> {
    let target = ApiVersion {
        id: v.id.clone(),
        number: v.number,
        code: v.code.clone(),
        runtime: v.runtime.clone(),
        dependencies: Vec::new(),
        secrets: Vec::new(),
        status: crate::tenant::BuildStatus::Built,
        deployed: false,
        created_at: None,
    };
    let copy = client.deploy_version(id, &target, true).await?;
    crate::history::rollback::wait_version_live(client, id, name, &copy.id).await
}
