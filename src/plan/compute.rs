//! Computes a [`Plan`] from a desired and a live state. Pure: no I/O, deterministic output order
//! (actions by name, triggers in the config's order), so the same inputs give the same plan.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use similar::TextDiff;

use super::config_diff::config_changes;
use super::merge::merge;
use super::model::{
    ActionFingerprint, ActionPlan, BindingPlan, FieldChange, LiveFingerprint, Op, Plan,
    SecretChanges, UnownedAction,
};
use crate::config::action::Runtime;
use crate::config::model::UnmanagedPolicy;
use crate::render::config::read_config;
use crate::state::{Belongs, DesiredAction, DesiredState, LiveAction, LiveBinding, LiveState};

/// A live state the plan cannot be computed against.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Auth0 allows duplicate names in some paths; we cannot tell which one the config means.
    #[error(
        "the tenant has {count} actions named `{name}` (ids {ids}); remove or rename all but one in the Auth0 dashboard"
    )]
    DuplicateLiveName {
        name: String,
        count: usize,
        ids: String,
    },
    /// `flow.unmanaged: error` and a binding this config does not own.
    #[error(
        "trigger `{trigger}` has bound actions loginflow does not manage ({names}) and `flow.unmanaged` is `error`"
    )]
    UnmanagedBinding { trigger: String, names: String },
    /// The live action of a configured name belongs to another trigger. Apply cannot move it:
    /// its bindings on that trigger (which the plan does not read) would point at an action of
    /// the wrong trigger.
    #[error(
        "the tenant's action `{name}` (id {id}) is for trigger `{live}`, but the config puts it on `{desired}`; rename the action in the config, or remove the live one from `{live}` in the Auth0 dashboard"
    )]
    TriggerMismatch {
        name: String,
        id: String,
        live: String,
        desired: String,
    },
    /// Two owners claim one action name: the live one is another tenant file's.
    #[error(
        "action `{name}` is managed by owner `{theirs}` (another tenant file on this tenant), and this file (owner `{ours}`) declares it too; rename it in one of the two files"
    )]
    OwnerConflict {
        name: String,
        ours: String,
        theirs: String,
    },
}

/// Computes the plan of one tenant.
pub fn compute(
    tenant: &str,
    desired: &DesiredState,
    live: &LiveState,
) -> Result<Plan, Vec<PlanError>> {
    let by_name = index_live(live, desired)?;
    let mut plan = Plan {
        tenant: tenant.to_string(),
        actions: Vec::new(),
        bindings: Vec::new(),
        unowned: Vec::new(),
        warnings: Vec::new(),
        kept: Vec::new(),
        live: fingerprint(live),
        not_compared: BTreeMap::new(),
        flows: Vec::new(),
    };
    let blind = desired.without_secret_values;
    for d in desired.actions.values() {
        if blind && !d.secrets.is_empty() {
            let names = d.secrets.keys().cloned().collect();
            plan.not_compared.insert(d.name.clone(), names);
        }
        if let Some(a) = action_plan(d, by_name.get(d.name.as_str()).copied(), blind) {
            plan.actions.push(a);
        }
    }
    for a in &live.actions {
        if !a.is_ours(&desired.owner) || desired.actions.contains_key(&a.name) {
            continue;
        }
        if desired.prune {
            plan.actions.push(delete_plan(a));
        } else {
            plan.kept.push(a.name.clone());
        }
    }
    plan.bindings = bindings(desired, live, &mut plan.warnings).map_err(|e| vec![e])?;
    plan.unowned = unowned(desired, live, &plan.bindings);
    warnings(live, &mut plan.warnings);
    Ok(plan)
}

/// Live actions by name; duplicate names that the config declares are an error.
fn index_live<'a>(
    live: &'a LiveState,
    desired: &DesiredState,
) -> Result<BTreeMap<&'a str, &'a LiveAction>, Vec<PlanError>> {
    let mut groups: BTreeMap<&str, Vec<&LiveAction>> = BTreeMap::new();
    for a in &live.actions {
        groups.entry(a.name.as_str()).or_default().push(a);
    }
    let errors: Vec<PlanError> = groups
        .iter()
        .filter(|(name, list)| {
            list.len() > 1
                && (desired.actions.contains_key(**name)
                    || list.iter().any(|a| a.is_ours(&desired.owner)))
        })
        .map(|(name, list)| PlanError::DuplicateLiveName {
            name: name.to_string(),
            count: list.len(),
            ids: list
                .iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let by_name: BTreeMap<&str, &LiveAction> = groups.into_iter().map(|(k, v)| (k, v[0])).collect();
    let mismatched: Vec<PlanError> = desired
        .actions
        .values()
        .filter_map(|d| {
            let l = by_name.get(d.name.as_str())?;
            if let Belongs::Owner(theirs) = l.belongs(&desired.owner) {
                return Some(PlanError::OwnerConflict {
                    name: d.name.clone(),
                    ours: desired.owner.clone(),
                    theirs: theirs.to_string(),
                });
            }
            (!l.trigger.is_empty() && l.trigger != d.trigger.id()).then(|| {
                PlanError::TriggerMismatch {
                    name: d.name.clone(),
                    id: l.id.clone(),
                    live: l.trigger.clone(),
                    desired: d.trigger.id().to_string(),
                }
            })
        })
        .collect();
    if !mismatched.is_empty() {
        return Err(mismatched);
    }
    Ok(by_name)
}

/// The plan of one desired action. `blind`: its secret values are unknown, so its code is
/// compared with the live header's fingerprints and no secret counts as changed.
fn action_plan(d: &DesiredAction, live: Option<&LiveAction>, blind: bool) -> Option<ActionPlan> {
    let Some(l) = live else {
        return Some(ActionPlan {
            name: d.name.clone(),
            op: Op::Create,
            id: None,
            trigger: d.trigger.id().to_string(),
            fields: Vec::new(),
            config_diff: read_config(&d.code).map(|c| config_changes(&json!({}), &c)),
            code_diff: Some(diff("", &d.code, &d.name)),
            secrets: SecretChanges {
                added: d.secrets.keys().cloned().collect(),
                ..Default::default()
            },
            notes: Vec::new(),
            building: false,
        });
    };
    let fields = field_changes(d, l);
    let mut secrets = secret_changes(d, l);
    let desired_code = match (&l.owner, blind) {
        (Some(owner), true) => crate::render::with_fingerprints(&d.code, &owner.secrets),
        _ => d.code.clone(),
    };
    if blind {
        secrets.changed.clear();
    }
    // The apply record (which apply deployed the live code) is not part of the desired code,
    // and a legacy header's `source:` line (the tenant file's old path) is no change.
    let live_code = crate::render::strip_record(&l.code);
    let code_same = crate::render::same_code(&live_code, &desired_code);
    let draft_matches = code_same && fields.is_empty() && !secrets.any();
    let mut notes = Vec::new();
    let config_diff = match (read_config(&live_code), read_config(&d.code)) {
        (Some(before), Some(after)) => Some(config_changes(&before, &after)),
        (None, Some(_)) if !code_same && legacy_generated(l) => {
            notes.push(
                "the live code carries no config (an earlier loginflow deployed it): the code diff shows the change"
                    .into(),
            );
            None
        }
        _ => None,
    };
    let mut building = false;
    let op = if l.owner.is_none() {
        notes.push(
            "not managed by loginflow yet: apply takes it over and adds the managed header".into(),
        );
        Op::Adopt
    } else if !draft_matches {
        if l.deployed.is_some() && !l.draft_is_deployed() {
            notes.push(
                "the draft has undeployed edits (e.g. from the dashboard); they will be replaced"
                    .into(),
            );
        }
        Op::Update
    } else if l.draft_is_building() {
        // Deployed, but not live until its build ends: binding it now would fail.
        let number = l.building.as_ref().map_or(0, |v| v.number);
        notes.push(format!(
            "still building: version {number} is deployed and goes live when its build ends; apply waits for it (deploying only if it does not go live) before binding"
        ));
        building = true;
        Op::Deploy
    } else if !l.draft_is_deployed() || !l.all_changes_deployed {
        notes.push(
            if l.deployed.is_some() {
                "the draft differs from the deployed version"
            } else if l.building.is_some() {
                "the draft differs from the version being deployed (still building)"
            } else {
                "never deployed"
            }
            .into(),
        );
        Op::Deploy
    } else {
        return None;
    };
    Some(ActionPlan {
        name: d.name.clone(),
        op,
        id: Some(l.id.clone()),
        trigger: d.trigger.id().to_string(),
        fields,
        config_diff,
        code_diff: (!code_same).then(|| diff(&live_code, &desired_code, &d.name)),
        secrets,
        notes,
        building,
    })
}

/// A live action of a generated kind, managed, whose code carries no config line.
fn legacy_generated(l: &LiveAction) -> bool {
    crate::render::parse_header(&l.code).is_some_and(|h| h.kind != "custom")
}

fn field_changes(d: &DesiredAction, l: &LiveAction) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let live_runtime = l.runtime.as_deref().and_then(Runtime::from_api);
    if live_runtime != Some(d.runtime) {
        out.push(FieldChange {
            field: "runtime".into(),
            before: l.runtime.clone().unwrap_or_else(|| "(none)".into()),
            after: d.runtime.api_name().into(),
        });
    }
    if l.dependencies != d.dependencies {
        out.push(FieldChange {
            field: "dependencies".into(),
            before: deps(&l.dependencies),
            after: deps(&d.dependencies),
        });
    }
    if l.trigger != d.trigger.id() {
        out.push(FieldChange {
            field: "trigger".into(),
            before: l.trigger.clone(),
            after: d.trigger.id().into(),
        });
    }
    out
}

pub(super) fn deps(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        return "(none)".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k}@{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn secret_changes(d: &DesiredAction, l: &LiveAction) -> SecretChanges {
    let recorded = l.owner.as_ref().map(|o| &o.secrets);
    let desired: BTreeSet<&String> = d.secrets.keys().collect();
    let live: BTreeSet<&String> = l.secret_names.iter().collect();
    SecretChanges {
        added: desired.difference(&live).map(|s| s.to_string()).collect(),
        removed: live.difference(&desired).map(|s| s.to_string()).collect(),
        changed: d
            .secrets
            .iter()
            .filter(|(name, fp)| {
                live.contains(name) && recorded.and_then(|r| r.get(*name)) != Some(*fp)
            })
            .map(|(name, _)| name.clone())
            .collect(),
    }
}

fn delete_plan(a: &LiveAction) -> ActionPlan {
    ActionPlan {
        name: a.name.clone(),
        op: Op::Delete,
        id: Some(a.id.clone()),
        trigger: a.trigger.clone(),
        fields: Vec::new(),
        config_diff: None,
        code_diff: None,
        secrets: SecretChanges::default(),
        notes: vec!["managed by loginflow and no longer in the config; pruning deletes it".into()],
        building: false,
    }
}

/// A unified diff, live → desired, labelled with the action's name.
pub fn diff(before: &str, after: &str, name: &str) -> String {
    diff_labelled(
        before,
        after,
        &format!("live/{name}.js"),
        &format!("desired/{name}.js"),
    )
}

/// A unified diff with the given file labels.
pub fn diff_labelled(before: &str, after: &str, before_label: &str, after_label: &str) -> String {
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(before_label, after_label)
        .to_string()
}

/// The binding lists that change. Ours follow the config; unmanaged ones follow
/// `flow.unmanaged`; another owner's are never unbound (`error` refuses them too).
fn bindings(
    desired: &DesiredState,
    live: &LiveState,
    warnings: &mut Vec<String>,
) -> Result<Vec<BindingPlan>, PlanError> {
    let belongs: BTreeMap<&str, Belongs> = live
        .actions
        .iter()
        .map(|a| (a.id.as_str(), a.belongs(&desired.owner)))
        .collect();
    let of = |b: &LiveBinding| {
        if desired.actions.contains_key(&b.action_name) {
            return Belongs::Ours;
        }
        belongs
            .get(b.action_id.as_str())
            .copied()
            .unwrap_or(Belongs::Unmanaged)
    };
    let mut out = Vec::new();
    for (trigger, ours) in &desired.bindings {
        let current: &[LiveBinding] = live
            .bindings
            .get(trigger.id())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let foreign: Vec<&LiveBinding> =
            current.iter().filter(|b| of(b) != Belongs::Ours).collect();
        let is_ours = |b: &LiveBinding| of(b) == Belongs::Ours;
        let after = match desired.unmanaged {
            UnmanagedPolicy::Remove => merge(
                current,
                is_ours,
                |b| matches!(of(b), Belongs::Owner(_)),
                ours,
            ),
            UnmanagedPolicy::Error if !foreign.is_empty() => {
                return Err(PlanError::UnmanagedBinding {
                    trigger: trigger.id().to_string(),
                    names: foreign
                        .iter()
                        .map(|b| match of(b) {
                            Belongs::Owner(o) => format!("`{}` of owner `{o}`", b.action_name),
                            _ => format!("`{}`", b.action_name),
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            _ => merge(current, is_ours, |_| true, ours),
        };
        let before: Vec<String> = current.iter().map(|b| b.action_name.clone()).collect();
        if !foreign.is_empty() && desired.unmanaged == UnmanagedPolicy::Keep {
            warnings.push(format!(
                "`{}` keeps {} binding(s) loginflow does not manage for this file",
                trigger.id(),
                foreign.len()
            ));
        }
        if before != after {
            out.push(BindingPlan {
                trigger: trigger.id().to_string(),
                before,
                after,
            });
        }
    }
    Ok(out)
}

fn unowned(
    desired: &DesiredState,
    live: &LiveState,
    changes: &[BindingPlan],
) -> Vec<UnownedAction> {
    live.actions
        .iter()
        .filter(|a| !a.is_ours(&desired.owner) && !desired.actions.contains_key(&a.name))
        .map(|a| {
            let bound_after = changes
                .iter()
                .find(|c| c.trigger == a.trigger)
                .map(|c| c.after.contains(&a.name))
                .unwrap_or_else(|| {
                    live.bindings
                        .values()
                        .flatten()
                        .any(|b| b.action_id == a.id)
                });
            UnownedAction {
                name: a.name.clone(),
                id: a.id.clone(),
                trigger: a.trigger.clone(),
                bound: bound_after,
                owner: a.owner.as_ref().map(|o| o.owner.clone()),
            }
        })
        .collect()
}

fn warnings(live: &LiveState, out: &mut Vec<String>) {
    for a in &live.actions {
        if let Some(r) = &a.runtime
            && Runtime::from_api(r).is_none()
        {
            out.push(format!("live action `{}` uses runtime `{r}`, which loginflow does not manage (node18, node22)", a.name));
        }
    }
}

fn fingerprint(live: &LiveState) -> LiveFingerprint {
    LiveFingerprint {
        actions: live
            .actions
            .iter()
            .map(|a| {
                let fp = ActionFingerprint {
                    id: a.id.clone(),
                    updated_at: a.updated_at.clone(),
                    // The same version before and after its build ends.
                    deployed_version: a
                        .deployed
                        .as_ref()
                        .or(a.building.as_ref())
                        .map(|v| v.id.clone()),
                };
                (a.name.clone(), fp)
            })
            .collect(),
        bindings: live
            .bindings
            .iter()
            .map(|(t, list)| (t.clone(), list.iter().map(|b| b.id.clone()).collect()))
            .collect(),
    }
}
