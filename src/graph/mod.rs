//! A picture of the login pipeline: per trigger, the actions in execution order, what changed,
//! and what each one calls (Hasura, a backend host, the Management API, a Tinybird token it
//! mints). Pure: [`flows`] builds it from configs and binding orders, `mermaid` and `dot` print
//! it. `plan --format markdown` opens with the Mermaid diagram of every changed trigger;
//! `loginflow graph` prints a tenant file's.

pub mod calls;
pub mod dot;
pub mod mermaid;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use similar::{Algorithm, DiffOp, capture_diff_slices};

pub use calls::{Call, CallKind};

/// One trigger's flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub trigger: String,
    /// The actions in execution order; removed ones where they ran before.
    pub steps: Vec<Step>,
}

/// One action of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    /// The action's kind, when its config is known.
    pub kind: Option<String>,
    pub status: Status,
    pub calls: Vec<Call>,
}

/// What happens to an action of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Unchanged,
    /// Its code or settings change.
    Changed,
    /// It joins the flow.
    Added,
    /// It leaves the flow.
    Removed,
    /// It stays, at another place in the order.
    Moved,
}

/// A flow as nodes and edges, for the renderers: the trigger (`t0`), each step (`a0`, `a1`,
/// …) and each distinct call target (`c0`, …).
pub struct Layout<'a> {
    pub steps: Vec<(String, &'a Step)>,
    pub targets: Vec<(String, &'a Call)>,
    pub edges: Vec<Edge>,
}

/// An edge of a [`Layout`].
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
}

/// How two nodes are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// Runs next.
    Next,
    /// Ran next before this change, and leaves the flow.
    Removed,
    /// Sends a request to.
    Calls,
    /// Signs a token for (no request).
    Mints,
}

impl<'a> Layout<'a> {
    /// Lays a flow out: removed steps hang off the step before them; the chain skips them.
    pub fn of(flow: &'a Flow) -> Layout<'a> {
        let mut layout = Layout {
            steps: Vec::new(),
            targets: Vec::new(),
            edges: Vec::new(),
        };
        let mut prev = "t0".to_owned();
        for (i, step) in flow.steps.iter().enumerate() {
            let id = format!("a{i}");
            layout.steps.push((id.clone(), step));
            let removed = step.status == Status::Removed;
            let kind = if removed {
                EdgeKind::Removed
            } else {
                EdgeKind::Next
            };
            layout.edge(&prev, &id, kind);
            if !removed {
                prev = id.clone();
            }
            for call in &step.calls {
                let to = layout.target(call);
                let kind = if call.kind == CallKind::TinybirdToken {
                    EdgeKind::Mints
                } else {
                    EdgeKind::Calls
                };
                layout.edge(&id, &to, kind);
            }
        }
        layout
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        self.edges.push(Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            kind,
        });
    }

    /// The id of a call's node; calls to the same target share one.
    fn target(&mut self, call: &'a Call) -> String {
        if let Some((id, _)) = self.targets.iter().find(|(_, c)| *c == call) {
            return id.clone();
        }
        let id = format!("c{}", self.targets.len());
        self.targets.push((id.clone(), call));
        id
    }
}

/// What [`flows`] needs of one trigger.
pub struct TriggerOrder<'a> {
    pub trigger: &'a str,
    pub before: &'a [String],
    pub after: &'a [String],
}

/// The flow of each trigger. `changed` names the actions whose code or settings change;
/// `config` gives an action's config (the new one, else the old one) to read its kind and calls;
/// `tenant_domain` is where a `profile` action reads users when its config names no domain.
pub fn flows(
    triggers: &[TriggerOrder],
    changed: &dyn Fn(&str) -> bool,
    config: &dyn Fn(&str) -> Option<Value>,
    tenant_domain: &str,
) -> Vec<Flow> {
    triggers
        .iter()
        .map(|t| Flow {
            trigger: t.trigger.to_owned(),
            steps: merged(t.before, t.after)
                .into_iter()
                .map(|(name, status)| {
                    let cfg = config(name);
                    let status = match status {
                        Status::Unchanged | Status::Moved if changed(name) => Status::Changed,
                        s => s,
                    };
                    Step {
                        name: name.to_owned(),
                        kind: cfg
                            .as_ref()
                            .and_then(|c| c["kind"].as_str())
                            .map(str::to_owned),
                        status,
                        calls: cfg
                            .as_ref()
                            .map(|c| calls::calls(c, tenant_domain))
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// The flows of the triggers a plan changes (its binding order, or an action bound to it):
/// `before` is each trigger's order before the plan (trigger id → action names), `config` an
/// action's config as for [`flows`].
pub fn changed_flows(
    plan: &crate::plan::Plan,
    triggers: &[String],
    before: &BTreeMap<String, Vec<String>>,
    config: &dyn Fn(&str) -> Option<Value>,
    tenant_domain: &str,
) -> Vec<Flow> {
    use crate::plan::Op;
    let empty = Vec::new();
    let orders: Vec<(&String, &Vec<String>, &Vec<String>)> = triggers
        .iter()
        .map(|t| {
            let old = before.get(t).unwrap_or(&empty);
            let new = plan
                .bindings
                .iter()
                .find(|b| &b.trigger == t)
                .map_or(old, |b| &b.after);
            (t, old, new)
        })
        .filter(|(t, old, new)| {
            old != new
                || plan
                    .actions
                    .iter()
                    .any(|a| &a.trigger == *t && (old.contains(&a.name) || new.contains(&a.name)))
        })
        .collect();
    let list: Vec<TriggerOrder> = orders
        .iter()
        .map(|(t, old, new)| TriggerOrder {
            trigger: t,
            before: old,
            after: new,
        })
        .collect();
    let changed = |name: &str| {
        plan.actions
            .iter()
            .any(|a| a.name == name && matches!(a.op, Op::Update | Op::Deploy | Op::Adopt))
    };
    flows(&list, &changed, config, tenant_domain)
}

/// The two orders merged: the new order, with each action that leaves put where it ran.
fn merged<'a>(before: &'a [String], after: &'a [String]) -> Vec<(&'a str, Status)> {
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, before, after) {
        let (old, new) = (op.old_range(), op.new_range());
        if let DiffOp::Equal { .. } = op {
            out.extend(after[new].iter().map(|n| (n.as_str(), Status::Unchanged)));
            continue;
        }
        for name in &before[old] {
            if !after.contains(name) {
                out.push((name.as_str(), Status::Removed));
            }
        }
        for name in &after[new] {
            let status = if before.contains(name) {
                Status::Moved
            } else {
                Status::Added
            };
            out.push((name.as_str(), status));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn merges_orders_marking_added_removed_and_moved() {
        let before = names(&["a", "b", "c", "d"]);
        let after = names(&["a", "c", "e", "b", "d"]);
        let got = merged(&before, &after);
        // Each action once; `e` joins; of `b` and `c`, one keeps its place and one moves.
        let order: Vec<&str> = got.iter().map(|(n, _)| *n).collect();
        assert_eq!(order, ["a", "c", "e", "b", "d"]);
        let moved: Vec<&str> = got
            .iter()
            .filter(|(_, s)| *s == Status::Moved)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(moved.len(), 1, "{got:?}");
        assert!(got.contains(&("e", Status::Added)));
        let after = names(&["a", "d"]);
        let got = merged(&before, &after);
        assert_eq!(
            got,
            [
                ("a", Status::Unchanged),
                ("b", Status::Removed),
                ("c", Status::Removed),
                ("d", Status::Unchanged),
            ]
        );
    }
}
