//! How one owner's binding order is merged into a trigger it shares with bindings it does not
//! own (another owner's, or unmanaged ones it keeps). The rule, the same for plan and rollback:
//!
//! - this owner's actions form one block, in the order its config (or record) gives;
//! - the kept foreign bindings keep their order among themselves;
//! - those bound before this owner's first live binding stay in front of the block, the rest
//!   follow it. An owner with nothing bound yet puts its block after every foreign binding.
//!
//! So two owners applying one after the other end with the first owner's block, then the
//! second's, and each later apply of either keeps that layout: each owner controls the positions
//! of its own actions only.

use crate::state::LiveBinding;

/// The binding order after a change: `ours` as one block, merged with the current bindings that
/// `kept` keeps (among those `is_ours` does not claim).
pub fn merge(
    current: &[LiveBinding],
    is_ours: impl Fn(&LiveBinding) -> bool,
    kept: impl Fn(&LiveBinding) -> bool,
    ours: &[String],
) -> Vec<String> {
    let first_ours = current.iter().position(&is_ours).unwrap_or(current.len());
    let (front, back) = current.split_at(first_ours);
    let foreign = |list: &[LiveBinding]| -> Vec<String> {
        list.iter()
            .filter(|b| !is_ours(b) && kept(b))
            .map(|b| b.action_name.clone())
            .collect()
    };
    let mut out = foreign(front);
    out.extend(ours.iter().cloned());
    out.extend(foreign(back));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(names: &[&str]) -> Vec<LiveBinding> {
        names
            .iter()
            .map(|n| LiveBinding {
                id: format!("b-{n}"),
                action_id: format!("id-{n}"),
                action_name: n.to_string(),
                display_name: n.to_string(),
            })
            .collect()
    }

    fn ours_are_a(b: &LiveBinding) -> bool {
        b.action_name.starts_with('a')
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn foreign_before_our_first_binding_stay_in_front_the_rest_follow() {
        let current = bound(&["x", "a1", "y", "a2", "z"]);
        let after = merge(&current, ours_are_a, |_| true, &names(&["a2", "a3", "a1"]));
        assert_eq!(after, names(&["x", "a2", "a3", "a1", "y", "z"]));
    }

    #[test]
    fn nothing_of_ours_bound_yet_goes_after_every_foreign_binding() {
        let current = bound(&["b1", "b2"]);
        let after = merge(&current, ours_are_a, |_| true, &names(&["a1", "a2"]));
        assert_eq!(after, names(&["b1", "b2", "a1", "a2"]));
        // The other owner, planning next, keeps that layout.
        let current = bound(&["b1", "b2", "a1", "a2"]);
        let other = |b: &LiveBinding| b.action_name.starts_with('b');
        let again = merge(&current, other, |_| true, &names(&["b1", "b2"]));
        assert_eq!(again, names(&["b1", "b2", "a1", "a2"]));
    }

    #[test]
    fn foreign_bindings_not_kept_are_dropped() {
        let current = bound(&["x", "a1", "y"]);
        let after = merge(
            &current,
            ours_are_a,
            |b| b.action_name == "y",
            &names(&["a1"]),
        );
        assert_eq!(after, names(&["a1", "y"]));
    }
}
