//! Which removals unbind through the delete itself.
//!
//! Removing a bound action takes two writes in order: replace the trigger's bindings without it,
//! then delete it. When that replacement changes nothing else (the trigger's list after apply
//! is the list before minus actions being deleted), Auth0's `DELETE ?force=true` does the same
//! in one request: it removes the action from every trigger it is bound to, then deletes it.
//! "Every trigger" is why an action qualifies only when the plan read the bindings of each
//! trigger it supports; otherwise the forced delete could unbind it somewhere the plan did not
//! show. Anything else keeps the replace-then-delete order, with a plain delete that Auth0
//! refuses for an action that is still bound.

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::{BindingPlan, Op, Plan};
use crate::state::LiveState;

/// How apply carries out a plan's binding changes and deletions.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removals<'p> {
    /// Triggers whose bindings are replaced with one request each.
    pub replace: Vec<&'p BindingPlan>,
    /// Triggers whose only change is dropping deleted actions, done by the forced deletes.
    pub by_delete: Vec<&'p BindingPlan>,
    /// Deleted actions to delete with `force` (each is bound in a trigger of `by_delete`).
    pub forced: BTreeSet<String>,
}

/// Splits the plan's binding changes into those replaced and those done by forced deletes.
pub fn removals<'p>(plan: &'p Plan, live: &LiveState) -> Removals<'p> {
    let deleted: BTreeSet<&str> = plan
        .actions
        .iter()
        .filter(|a| a.op == Op::Delete)
        .map(|a| a.name.as_str())
        .collect();
    let supported: BTreeMap<&str, &[String]> = live
        .actions
        .iter()
        .map(|a| (a.name.as_str(), a.supported_triggers.as_slice()))
        .collect();
    // Deleting with force touches every supported trigger: each must have been read.
    let forceable = |name: &str| {
        supported.get(name).is_some_and(|triggers| {
            !triggers.is_empty() && triggers.iter().all(|t| live.bindings.contains_key(t))
        })
    };
    let mut out = Removals::default();
    for b in &plan.bindings {
        let gone: Vec<&String> = b
            .before
            .iter()
            .filter(|n| deleted.contains(n.as_str()))
            .collect();
        let rest: Vec<&String> = b
            .before
            .iter()
            .filter(|n| !deleted.contains(n.as_str()))
            .collect();
        let only_removals = !gone.is_empty() && rest.iter().copied().eq(b.after.iter());
        if only_removals && gone.iter().all(|n| forceable(n)) {
            out.forced.extend(gone.into_iter().cloned());
            out.by_delete.push(b);
        } else {
            out.replace.push(b);
        }
    }
    // An action also bound in a replaced trigger is unbound there first (replacements go
    // before deletions); the forced delete then unbinds it from the rest.
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ActionPlan;
    use crate::plan::model::{LiveFingerprint, SecretChanges};
    use crate::state::live::LiveAction;

    fn step(name: &str, op: Op) -> ActionPlan {
        ActionPlan {
            name: name.into(),
            op,
            id: Some(format!("id-{name}")),
            trigger: "post-login".into(),
            fields: Vec::new(),
            config_diff: None,
            code_diff: None,
            secrets: SecretChanges::default(),
            notes: Vec::new(),
            building: false,
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    /// A plan deleting `deleted` and changing post-login from `before` to `after`.
    fn plan(deleted: &[&str], before: &[&str], after: &[&str]) -> Plan {
        Plan {
            tenant: "t.yaml".into(),
            actions: deleted.iter().map(|n| step(n, Op::Delete)).collect(),
            bindings: vec![BindingPlan {
                trigger: "post-login".into(),
                before: names(before),
                after: names(after),
            }],
            unowned: Vec::new(),
            warnings: Vec::new(),
            kept: Vec::new(),
            live: LiveFingerprint::default(),
            not_compared: Default::default(),
            flows: Vec::new(),
        }
    }

    /// A tenant where every named action supports `triggers` and post-login was read.
    fn live(actions: &[&str], triggers: &[&str]) -> LiveState {
        LiveState {
            actions: actions
                .iter()
                .map(|n| LiveAction {
                    id: format!("id-{n}"),
                    name: n.to_string(),
                    trigger: triggers.first().map(|t| t.to_string()).unwrap_or_default(),
                    supported_triggers: names(triggers),
                    runtime: None,
                    code: String::new(),
                    dependencies: BTreeMap::new(),
                    secret_names: BTreeSet::new(),
                    status: "built".into(),
                    updated_at: None,
                    deployed: None,
                    building: None,
                    all_changes_deployed: true,
                    owner: None,
                })
                .collect(),
            bindings: BTreeMap::from([("post-login".to_string(), Vec::new())]),
            lock: None,
        }
    }

    #[test]
    fn dropping_deleted_actions_is_left_to_forced_deletes() {
        let p = plan(&["b", "d"], &["a", "b", "c", "d"], &["a", "c"]);
        let r = removals(&p, &live(&["a", "b", "c", "d"], &["post-login"]));
        assert!(r.replace.is_empty());
        assert_eq!(r.by_delete, vec![&p.bindings[0]]);
        assert_eq!(r.forced, BTreeSet::from(["b".to_string(), "d".to_string()]));
    }

    #[test]
    fn any_other_change_to_the_trigger_keeps_replace_then_plain_delete() {
        let all = live(&["a", "b", "c", "x"], &["post-login"]);
        for (before, after) in [
            (&["a", "b", "c"][..], &["c", "a"][..]), // reordered
            (&["a", "b"][..], &["a", "x"][..]),      // another action bound
            (&["a", "b"][..], &["a", "b"][..]),      // still bound (not a plan apply makes)
        ] {
            let p = plan(&["b"], before, after);
            let r = removals(&p, &all);
            assert_eq!(r.replace, vec![&p.bindings[0]], "{before:?} -> {after:?}");
            assert!(r.forced.is_empty(), "{before:?} -> {after:?}");
        }
        // A trigger change without deletions is a replacement.
        let p = plan(&[], &["a"], &["a", "x"]);
        assert_eq!(removals(&p, &all).replace, vec![&p.bindings[0]]);
    }

    #[test]
    fn an_action_supporting_a_trigger_that_was_not_read_is_never_forced() {
        let p = plan(&["b"], &["a", "b"], &["a"]);
        let r = removals(
            &p,
            &live(&["a", "b"], &["post-login", "credentials-exchange"]),
        );
        assert_eq!(r.replace, vec![&p.bindings[0]]);
        assert!(r.forced.is_empty());
        // Nor one the live state does not describe.
        let r = removals(&p, &live(&["a"], &["post-login"]));
        assert!(r.forced.is_empty());
    }
}
