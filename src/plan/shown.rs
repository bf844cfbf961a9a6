//! Whether the plan made again under the apply lock is still the plan a person was shown.
//!
//! Files of one tenant given to one `apply` are shown together and applied in turn, so a later
//! file's plan under the lock sees what the earlier ones wrote: their actions moved into their
//! blocks of a shared trigger, the bindings they removed gone. Those names, and only those, are
//! left out of the comparison of its bindings ([`Earlier`]); its actions and the order of every
//! other binding must be as shown, so a change by anyone else is still refused.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{BindingPlan, Plan};

/// Per trigger, the binding names the earlier files of the same tenant in this run may have
/// moved: their own actions, and those their shown plans unbind.
pub type Earlier = BTreeMap<String, BTreeSet<String>>;

/// Adds what `plan` (shown for a file whose actions are `own`) may change in the bindings a
/// later file sees. A trigger its plan leaves alone is not written, so adds nothing.
pub fn add_earlier<'a>(earlier: &mut Earlier, plan: &Plan, own: impl Iterator<Item = &'a str>) {
    let own: Vec<&str> = own.collect();
    for b in &plan.bindings {
        let names = earlier.entry(b.trigger.clone()).or_default();
        names.extend(own.iter().map(|n| n.to_string()));
        names.extend(b.before.iter().filter(|n| !b.after.contains(n)).cloned());
    }
}

/// Whether `fresh` makes the writes `shown` showed, apart from the positions of `earlier`'s
/// names.
pub fn same(shown: &Plan, fresh: &Plan, earlier: &Earlier) -> bool {
    shown.actions == fresh.actions
        && view(&shown.bindings, earlier) == view(&fresh.bindings, earlier)
}

/// Each trigger's change without `earlier`'s names; a change that is only theirs is none.
fn view<'a>(
    bindings: &'a [BindingPlan],
    earlier: &Earlier,
) -> BTreeMap<&'a str, [Vec<&'a str>; 2]> {
    bindings
        .iter()
        .filter_map(|b| {
            let hidden = earlier.get(&b.trigger);
            let keep = |list: &'a [String]| -> Vec<&'a str> {
                list.iter()
                    .filter(|n| !hidden.is_some_and(|h| h.contains(*n)))
                    .map(String::as_str)
                    .collect()
            };
            let (before, after) = (keep(&b.before), keep(&b.after));
            (before != after).then_some((b.trigger.as_str(), [before, after]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(bindings: &[(&[&str], &[&str])]) -> Plan {
        let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Plan {
            tenant: "t.yaml".into(),
            actions: Vec::new(),
            bindings: bindings
                .iter()
                .map(|(before, after)| BindingPlan {
                    trigger: "post-login".into(),
                    before: list(before),
                    after: list(after),
                })
                .collect(),
            unowned: Vec::new(),
            warnings: Vec::new(),
            kept: Vec::new(),
            live: Default::default(),
            not_compared: BTreeMap::new(),
            flows: Vec::new(),
        }
    }

    /// A binds a1, a2 and unbinds the unmanaged x; B, shown before A ran, adds b1, b2.
    fn after_a() -> Earlier {
        let mut earlier = Earlier::new();
        let a = plan(&[(&["x", "u"], &["u", "a1", "a2"])]);
        add_earlier(&mut earlier, &a, ["a1", "a2"].into_iter());
        earlier
    }

    #[test]
    fn what_an_earlier_file_did_is_not_a_change() {
        let shown = plan(&[(&["x", "u"], &["x", "u", "b1", "b2"])]);
        let fresh = plan(&[(&["u", "a1", "a2"], &["u", "a1", "a2", "b1", "b2"])]);
        assert!(same(&shown, &fresh, &after_a()));
        // Without the earlier file it is one.
        assert!(!same(&shown, &fresh, &Earlier::new()));
    }

    #[test]
    fn anything_else_still_is() {
        let shown = plan(&[(&["x", "u"], &["x", "u", "b1", "b2"])]);
        // Someone else bound v, or put b2 first, or bound b1 already: not what was shown.
        for fresh in [
            plan(&[(&["u", "a1", "a2", "v"], &["u", "a1", "a2", "v", "b1", "b2"])]),
            plan(&[(&["u", "a1", "a2", "b2"], &["u", "a1", "a2", "b1", "b2"])]),
            plan(&[(&["u", "a1", "a2", "b1"], &["u", "a1", "a2", "b1", "b2"])]),
            plan(&[]),
        ] {
            assert!(!same(&shown, &fresh, &after_a()), "{:?}", fresh.bindings);
        }
    }

    #[test]
    fn an_earlier_plan_that_leaves_a_trigger_alone_hides_nothing_there() {
        let mut earlier = Earlier::new();
        add_earlier(&mut earlier, &plan(&[]), ["a1"].into_iter());
        assert!(earlier.is_empty());
    }
}
