//! `loginflow rollback`: return every managed action to the version that was live right after an
//! earlier apply, restore the binding order that apply recorded, and (with `--prune` only)
//! delete the managed actions created since.
//!
//! The plan is pure ([`plan`]); carrying it out ([`apply`]) keeps apply's never-break-logins
//! order: every version live first (version deploys: no build, no code sent, the draft reset to
//! the version), then the binding lists, then the deletes. After the first failure no new write
//! starts.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::timeline::{Change, Event, History, state_at};
use crate::apply::Report;
use crate::apply::steps::{BUILD_TIMEOUT, build_failed};
use crate::config::action::Trigger;
use crate::error::Error;
use crate::plan::BindingPlan;
use crate::plan::merge::merge;
use crate::state::{Belongs, LiveBinding, LiveState};
use crate::tenant::TenantClient;
use crate::tenant::api_types::{ApiVersion, BuildStatus};

/// One action made to run an earlier version again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restore {
    pub name: String,
    pub id: String,
    /// The version live now (`None` when none is).
    pub from: Option<u64>,
    /// The version live right after the target apply.
    pub to: Change,
}

/// A managed action created after the target apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Created {
    pub name: String,
    pub id: String,
}

/// What a rollback will do.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackPlan {
    pub tenant: String,
    pub target: Event,
    pub actions: Vec<Restore>,
    pub bindings: Vec<BindingPlan>,
    /// Deleted (with `--prune`).
    pub deletes: Vec<Created>,
    /// Created since, kept because `--prune` was not given.
    pub kept: Vec<String>,
    pub notes: Vec<String>,
}

impl RollbackPlan {
    pub fn has_changes(&self) -> bool {
        !(self.actions.is_empty() && self.bindings.is_empty() && self.deletes.is_empty())
    }

    /// Whether `other` makes exactly the same writes (notes and kept names aside).
    pub fn same_writes(&self, other: &RollbackPlan) -> bool {
        self.target.id == other.target.id
            && self.actions == other.actions
            && self.bindings == other.bindings
            && self.deletes == other.deletes
    }
}

/// The apply a rollback goes to when none is named: the one before the last.
pub fn default_target(history: &History) -> Result<&Event, Error> {
    history.events.get(1).ok_or_else(|| {
        Error::other(
            format!(
                "the tenant remembers {} apply(ies): there is no earlier one to roll back to",
                history.events.len()
            ),
            Some("`loginflow history FILE` lists them".into()),
        )
    })
}

/// Plans the return to the state right after `target`, for the actions of `owner` only: another
/// owner's bindings stay, merged by the rule of `plan::merge`.
pub fn plan(
    tenant: &str,
    owner: &str,
    history: &History,
    target: &Event,
    live: &LiveState,
    prune: bool,
) -> RollbackPlan {
    let state = state_at(history, target);
    let mut out = RollbackPlan {
        tenant: tenant.to_string(),
        target: target.clone(),
        actions: Vec::new(),
        bindings: Vec::new(),
        deletes: Vec::new(),
        kept: Vec::new(),
        notes: Vec::new(),
    };
    for (name, change) in &state.versions {
        let Some(l) = live.actions.iter().find(|a| a.id == change.action_id) else {
            continue;
        };
        let current = l.deployed.as_ref();
        if current.is_some_and(|v| v.code == change.code) {
            continue;
        }
        out.actions.push(Restore {
            name: name.clone(),
            id: l.id.clone(),
            from: current.map(|v| v.number),
            to: change.clone(),
        });
    }
    for name in &state.created_since {
        match live.actions.iter().find(|a| &a.name == name) {
            Some(a) if prune => out.deletes.push(Created {
                name: name.clone(),
                id: a.id.clone(),
            }),
            Some(_) => out.kept.push(name.clone()),
            None => {}
        }
    }
    for name in &state.unknown {
        out.notes.push(format!(
            "`{name}`: the version live then is not known (Auth0 keeps {} versions per action, or loginflow did not manage it yet); left as it is",
            super::timeline::MAX_VERSIONS
        ));
    }
    let deleted: Vec<&str> = out.deletes.iter().map(|d| d.name.as_str()).collect();
    let others: BTreeSet<&str> = live
        .actions
        .iter()
        .filter(|a| matches!(a.belongs(owner), Belongs::Owner(_)))
        .map(|a| a.id.as_str())
        .collect();
    let theirs = |b: &LiveBinding| others.contains(b.action_id.as_str());
    for (trigger, order) in &state.bindings {
        let current: &[LiveBinding] = live.bindings.get(trigger).map_or(&[], Vec::as_slice);
        let before: Vec<String> = current.iter().map(|b| b.action_name.clone()).collect();
        let mut recorded = Vec::new();
        for name in order {
            if deleted.contains(&name.as_str()) {
                continue;
            }
            let found = live.actions.iter().find(|a| &a.name == name);
            if found.is_some_and(|a| matches!(a.belongs(owner), Belongs::Owner(_))) {
                // Another owner's now: its place is theirs to decide.
                continue;
            }
            if found.is_some() {
                recorded.push(name.clone());
            } else {
                out.notes.push(format!(
                    "`{name}` was bound to `{trigger}` then but no longer exists; it is left out"
                ));
            }
        }
        let after = merge(current, |b| !theirs(b), theirs, &recorded);
        if before != after {
            out.bindings.push(BindingPlan {
                trigger: trigger.clone(),
                before,
                after,
            });
        }
    }
    out
}

/// Carries out a rollback plan. Never fails outright: failures are in the report.
pub async fn apply(client: &TenantClient, plan: &RollbackPlan, live: &LiveState) -> Report {
    let mut report = Report::new(&plan.tenant);
    let tasks = plan.actions.iter().map(|r| {
        let client = client.clone();
        let r = r.clone();
        async move {
            let target = ApiVersion {
                id: r.to.version_id.clone(),
                number: r.to.version,
                code: r.to.code.clone(),
                runtime: None,
                dependencies: Vec::new(),
                secrets: Vec::new(),
                status: BuildStatus::Built,
                deployed: false,
                created_at: None,
            };
            let copy = client.deploy_version(&r.id, &target, true).await?;
            Ok::<_, Error>(copy.id)
        }
    });
    let deployed = crate::runtime::join_all(tasks).await;
    let mut waiting = BTreeMap::new();
    let mut outcomes: BTreeMap<&str, Result<(), Error>> = BTreeMap::new();
    for (r, outcome) in plan.actions.iter().zip(deployed) {
        match outcome.and_then(|o| o) {
            Ok(copy) => {
                waiting.insert(r.id.clone(), (r.name.clone(), copy));
            }
            Err(e) => {
                outcomes.insert(r.id.as_str(), Err(e));
            }
        }
    }
    let mut live_now = confirm_live(client, waiting).await;
    for r in &plan.actions {
        let outcome = outcomes
            .remove(r.id.as_str())
            .or_else(|| live_now.remove(&r.id))
            .unwrap_or(Ok(()));
        match outcome {
            Ok(()) => report.done(restore_step(r)),
            Err(e) => report.fail(restore_step(r), &e),
        }
    }
    let mut rest: Vec<String> = plan
        .bindings
        .iter()
        .map(|b| crate::apply::report::replace_step(&b.trigger))
        .collect();
    rest.extend(plan.deletes.iter().map(|d| format!("delete `{}`", d.name)));
    if report.failed() {
        rest.into_iter().for_each(|s| report.not_started(s));
        return report;
    }
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for b in live.bindings.values().flatten() {
        ids.entry(b.action_name.clone())
            .or_insert_with(|| b.action_id.clone());
    }
    for a in &live.actions {
        ids.insert(a.name.clone(), a.id.clone());
    }
    let mut rest = rest.into_iter();
    for b in &plan.bindings {
        let step = rest.next().unwrap_or_default();
        let trigger = Trigger::from_id(&b.trigger)
            .map(Trigger::id)
            .unwrap_or(&b.trigger);
        match crate::apply::bindings(client, trigger, &b.after, &ids).await {
            Ok(()) => report.done(step),
            Err(e) => {
                report.fail(step, &e);
                rest.for_each(|s| report.not_started(s));
                return report;
            }
        }
    }
    for d in &plan.deletes {
        let step = rest.next().unwrap_or_default();
        match client.delete_action(&d.id, false).await {
            Ok(()) => report.done(step),
            Err(e) => {
                report.fail(step, &Error::from(e));
                rest.for_each(|s| report.not_started(s));
                return report;
            }
        }
    }
    report
}

/// The report step of one restore.
pub fn restore_step(r: &Restore) -> String {
    format!(
        "deploy version {} of `{}` again (no build)",
        r.to.version, r.name
    )
}

/// Waits until every restored action (id → (name, copy's version id)) runs its copy, built; the
/// outcome per id. One read of the actions list answers for all of them, so the wait costs one
/// request per poll (per list page) rather than one per action; a single action is read alone.
async fn confirm_live(
    client: &TenantClient,
    mut waiting: BTreeMap<String, (String, String)>,
) -> BTreeMap<String, Result<(), Error>> {
    let mut out = BTreeMap::new();
    if waiting.len() == 1 {
        for (id, (name, copy)) in waiting {
            let outcome = wait_version_live(client, &id, &name, &copy).await;
            out.insert(id, outcome);
        }
        return out;
    }
    let start = Instant::now();
    let mut delay = Duration::from_millis(20);
    while !waiting.is_empty() {
        let listed = match client.list_actions().await {
            Ok(listed) => listed,
            Err(e) => {
                let e = Error::from(e);
                for (id, (name, _)) in waiting {
                    out.insert(id, Err(Error::other(format!("`{name}`: {e}"), None)));
                }
                return out;
            }
        };
        let gone: Vec<String> = waiting
            .keys()
            .filter(|id| !listed.iter().any(|a| &a.id == *id))
            .cloned()
            .collect();
        for id in gone {
            if let Some((name, _)) = waiting.remove(&id) {
                let e = format!("`{name}` was deleted while it was rolled back");
                out.insert(id, Err(Error::other(e, None)));
            }
        }
        for a in listed {
            let Some((name, copy)) = waiting.get(&a.id) else {
                continue;
            };
            let outcome = match a.deployed_version.as_ref().filter(|v| &v.id == copy) {
                Some(v) if v.status == BuildStatus::Built => Ok(()),
                Some(v) if v.status == BuildStatus::Failed => Err(build_failed(name)),
                _ => continue,
            };
            waiting.remove(&a.id);
            out.insert(a.id, outcome);
        }
        if start.elapsed() > BUILD_TIMEOUT {
            for (id, (name, _)) in std::mem::take(&mut waiting) {
                let e = format!("`{name}`: the version deployed again did not go live in time");
                out.insert(id, Err(Error::other(e, None)));
            }
        }
        if !waiting.is_empty() {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }
    out
}

/// Waits until the action runs version `version_id` and it is built.
pub async fn wait_version_live(
    client: &TenantClient,
    id: &str,
    name: &str,
    version_id: &str,
) -> Result<(), Error> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(20);
    loop {
        let a = client.get_action(id).await?;
        if let Some(v) = a.deployed_version.as_ref().filter(|v| v.id == version_id) {
            match v.status {
                BuildStatus::Built => return Ok(()),
                BuildStatus::Failed => return Err(build_failed(name)),
                _ => {}
            }
        }
        if start.elapsed() > BUILD_TIMEOUT {
            return Err(Error::other(
                format!("`{name}`: the version deployed again did not go live in time"),
                None,
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
