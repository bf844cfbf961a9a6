//! Compares two desired states, as `loginflow diff A B` does: the plan of moving a tenant that
//! runs A's config to B's, offline. Pure: no tenant, no secret value (secrets compare by name).
//!
//! An action only B has is a `create`, one only A has a `delete`, one that differs an `update`,
//! each with its config changes (in the config's own terms) and its code diff labelled with the
//! two files' names; binding lists compare per trigger.

use std::collections::BTreeSet;

use serde_json::json;

use super::compute::{deps, diff_labelled};
use super::config_diff::config_changes;
use super::model::{ActionPlan, BindingPlan, FieldChange, Op, Plan, SecretChanges};
use crate::render::config::read_config;
use crate::state::{DesiredAction, DesiredState};

/// The two sides' labels, e.g. `staging` and `prod`: code diffs read `staging/NAME.js`.
#[derive(Debug, Clone, Copy)]
pub struct Sides<'a> {
    pub before: &'a str,
    pub after: &'a str,
}

/// The differences from `a` to `b`, as a plan titled `title`.
pub fn compare(title: &str, a: &DesiredState, b: &DesiredState, sides: Sides) -> Plan {
    let names: BTreeSet<&String> = a.actions.keys().chain(b.actions.keys()).collect();
    // The config's actions first, then the ones only A has, as `plan` orders deletes.
    let (mut actions, mut deletes) = (Vec::new(), Vec::new());
    for name in names {
        match (a.actions.get(name), b.actions.get(name)) {
            (Some(x), None) => deletes.push(action(Some(x), None, x, sides)),
            (x, Some(y)) => actions.extend(changed(x, y, sides)),
            (None, None) => {}
        }
    }
    actions.extend(deletes);
    Plan {
        tenant: title.to_owned(),
        actions,
        bindings: bindings(a, b),
        unowned: Vec::new(),
        warnings: Vec::new(),
        kept: Vec::new(),
        live: Default::default(),
        flows: Vec::new(),
        not_compared: Default::default(),
    }
}

fn changed(a: Option<&DesiredAction>, b: &DesiredAction, sides: Sides) -> Option<ActionPlan> {
    let plan = action(a, Some(b), b, sides);
    let same = plan.fields.is_empty() && plan.code_diff.is_none() && !plan.secrets.any();
    (a.is_none() || !same).then_some(plan)
}

/// One action's differences; `any` is a side that is present (B's when both are).
fn action(
    a: Option<&DesiredAction>,
    b: Option<&DesiredAction>,
    any: &DesiredAction,
    sides: Sides,
) -> ActionPlan {
    let op = match (a, b) {
        (None, _) => Op::Create,
        (_, None) => Op::Delete,
        _ => Op::Update,
    };
    let (code_a, code_b) = (
        a.map_or("", |d| d.code.as_str()),
        b.map_or("", |d| d.code.as_str()),
    );
    let config = |d: Option<&DesiredAction>| match d {
        Some(d) => read_config(&d.code),
        None => Some(json!({})),
    };
    let names = |d: Option<&DesiredAction>| -> BTreeSet<String> {
        d.map(|d| d.secrets.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (before, after) = (names(a), names(b));
    let name = &any.name;
    ActionPlan {
        name: name.clone(),
        op,
        id: None,
        trigger: any.trigger.id().to_string(),
        fields: match (a, b) {
            (Some(x), Some(y)) => fields(x, y),
            _ => Vec::new(),
        },
        config_diff: match (config(a), config(b)) {
            (Some(x), Some(y)) => Some(config_changes(&x, &y)),
            _ => None,
        },
        code_diff: (code_a != code_b).then(|| {
            diff_labelled(
                code_a,
                code_b,
                &format!("{}/{name}.js", sides.before),
                &format!("{}/{name}.js", sides.after),
            )
        }),
        secrets: SecretChanges {
            added: after.difference(&before).cloned().collect(),
            removed: before.difference(&after).cloned().collect(),
            changed: Vec::new(),
        },
        notes: Vec::new(),
        building: false,
    }
}

fn fields(a: &DesiredAction, b: &DesiredAction) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut field = |field: &str, before: String, after: String| {
        if before != after {
            out.push(FieldChange {
                field: field.into(),
                before,
                after,
            });
        }
    };
    field(
        "runtime",
        a.runtime.api_name().into(),
        b.runtime.api_name().into(),
    );
    field("dependencies", deps(&a.dependencies), deps(&b.dependencies));
    field("trigger", a.trigger.id().into(), b.trigger.id().into());
    out
}

fn bindings(a: &DesiredState, b: &DesiredState) -> Vec<BindingPlan> {
    let empty = Vec::new();
    let triggers: BTreeSet<_> = a.bindings.keys().chain(b.bindings.keys()).collect();
    triggers
        .into_iter()
        .filter_map(|t| {
            let before = a.bindings.get(t).unwrap_or(&empty);
            let after = b.bindings.get(t).unwrap_or(&empty);
            (before != after).then(|| BindingPlan {
                trigger: t.id().to_string(),
                before: before.clone(),
                after: after.clone(),
            })
        })
        .collect()
}
