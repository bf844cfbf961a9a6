//! The three renderings of plans: human (terminal), markdown (PR comment), JSON (policy tools).
//! Each takes every tenant's plan so `plan --all` groups output by tenant.

pub mod human;
pub mod json;
pub mod markdown;

use super::model::{ActionPlan, Op, Plan, UnownedAction};

/// `unmanaged`, or `foreign, owner ID` for an action another tenant file on the tenant owns.
pub fn unowned_label(u: &UnownedAction) -> String {
    match &u.owner {
        Some(owner) => format!("foreign, owner {owner}"),
        None => "unmanaged".into(),
    }
}

/// `+ create`, `~ update`, ... as shown in the human and markdown views.
pub fn op_label(op: Op) -> (&'static str, &'static str) {
    match op {
        Op::Create => ("+", "create"),
        Op::Update => ("~", "update"),
        Op::Deploy => ("↻", "deploy"),
        Op::Adopt => ("~", "adopt"),
        Op::Delete => ("-", "delete"),
    }
}

/// [`op_label`] of an action's plan, except that a deploy whose version is still building reads
/// `building`: apply waits for that build rather than deploying.
pub fn action_label(a: &ActionPlan) -> (&'static str, &'static str) {
    if a.building {
        ("↻", "building")
    } else {
        op_label(a.op)
    }
}

/// `2 to create, 1 to update, 1 to delete; 1 binding list to replace`, or `no changes`.
pub fn summary(plan: &Plan) -> String {
    if !plan.has_changes() {
        return "no changes".into();
    }
    let mut parts: Vec<String> = [Op::Create, Op::Update, Op::Deploy, Op::Adopt, Op::Delete]
        .into_iter()
        .filter(|op| plan.count(*op) > 0)
        .map(|op| format!("{} to {}", plan.count(op), op_label(op).1))
        .collect();
    if plan.building() > 0 {
        parts.push(format!("{} building", plan.building()));
    }
    if !plan.bindings.is_empty() {
        let n = plan.bindings.len();
        parts.push(format!(
            "{n} binding list{} to replace",
            if n == 1 { "" } else { "s" }
        ));
    }
    parts.join(", ")
}

/// A config change's values as shown to people: `[user, org_admin]`, `(none)`.
pub fn config_values(c: &super::model::ConfigChange) -> (String, String) {
    use super::config_diff::show;
    (show(c.before.as_ref()), show(c.after.as_ref()))
}

/// One line describing what changes in an action besides its code.
pub fn secrets_line(s: &super::model::SecretChanges) -> Option<String> {
    let mut items = Vec::new();
    items.extend(s.added.iter().map(|n| format!("+ {n}")));
    items.extend(s.changed.iter().map(|n| format!("~ {n} (value changed)")));
    items.extend(s.removed.iter().map(|n| format!("- {n}")));
    (!items.is_empty()).then(|| items.join(", "))
}
