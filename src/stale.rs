//! Whether a saved plan (`plan --out`) still says what `apply` would do: the live objects it was
//! computed against, the secret values and the configuration must be as they were. A plan made
//! without secret values (`plan --no-secret-values`) is compared with the plan made the same way
//! now, and each value read now must have the live fingerprint that plan compared the code with;
//! a value changed since makes the plan stale for its action. No request: it works on what apply
//! read.

use crate::error::{Error, Result};
use crate::pipeline::Prepared;
use crate::plan::Plan;
use crate::plan::saved::SavedTenant;
use crate::state::LiveState;

/// Refuses a saved plan whose inputs changed, naming what changed. A plan made without secret
/// values is compared with the plan made the same way now, and each value read now must have
/// the live fingerprint that plan compared the code with.
pub fn check(prepared: &Prepared, saved: &SavedTenant, now: &Plan, live: &LiveState) -> Result<()> {
    let mut changed = live_changes(&saved.plan, now);
    let blind;
    let comparable = if saved.secret_values {
        if prepared.secret_fingerprints() != saved.secret_fingerprints {
            let names = secret_changes(&saved.secret_fingerprints, &prepared.secret_fingerprints());
            changed.push(format!("secret values changed since the plan: {names}"));
        }
        now
    } else {
        changed.extend(unlike_live(prepared, &saved.plan.not_compared, live));
        blind = crate::pipeline::plan_without_secret_values(prepared, live)?;
        &blind
    };
    if changed.is_empty()
        && (comparable.actions != saved.plan.actions || comparable.bindings != saved.plan.bindings)
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

/// The secrets a plan without values did not compare whose value now differs from the live
/// fingerprint it compared the code with: the plan did not show their change.
fn unlike_live(
    prepared: &Prepared,
    not_compared: &std::collections::BTreeMap<String, Vec<String>>,
    live: &LiveState,
) -> Vec<String> {
    let mut out = Vec::new();
    for (action, names) in not_compared {
        let recorded = live
            .actions
            .iter()
            .find(|a| &a.name == action)
            .and_then(|a| a.owner.as_ref());
        let desired = prepared.desired.actions.get(action);
        for name in names {
            let was = recorded.and_then(|o| o.secrets.get(name));
            let is = desired.and_then(|d| d.secrets.get(name));
            if was.is_some() && was != is {
                out.push(format!(
                    "action `{action}`: the value of secret `{name}` is not the live one the plan compared with (a changed secret); the plan is stale for `{action}`"
                ));
            }
        }
    }
    out
}

/// What changed in the live objects a plan was computed against.
fn live_changes(saved: &Plan, now: &Plan) -> Vec<String> {
    let mut changed = Vec::new();
    let (was, is) = (&saved.live, &now.live);
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
    changed
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
