//! What an apply did: each step done, failed (with the error) or not started, printed at the end
//! so that after a failure the user knows exactly where the tenant stands.

use std::fmt::Write as _;

use crate::error::Error;
use crate::plan::format::op_label;
use crate::plan::{ActionPlan, BindingPlan, Op, Plan};

use super::unbind::Removals;

/// The step of an action's create, update, adopt or deploy: `update `a``, or, for a deploy
/// whose version is still building, `wait for `a` to build`.
pub fn action_step(a: &ActionPlan) -> String {
    if a.building {
        format!("wait for `{}` to build", a.name)
    } else {
        format!("{} `{}`", op_label(a.op).1, a.name)
    }
}

/// The step of one binding replace (`PATCH` of the trigger's whole list).
pub fn replace_step(trigger: &str) -> String {
    format!("replace bindings of `{trigger}`")
}

/// The step of a delete; a forced one (`DELETE ?force=true`) also unbinds the action.
pub fn delete_step(name: &str, forced: bool) -> String {
    if forced {
        format!("delete `{name}` with force (unbinding it)")
    } else {
        format!("delete `{name}`")
    }
}

/// The binding change of a trigger that no replace carries out: its forced deletes unbind its
/// deleted actions, and nothing else of it changes.
pub fn unbind_step(b: &BindingPlan, removals: &Removals) -> String {
    let names: Vec<String> = b
        .before
        .iter()
        .filter(|n| removals.forced.contains(*n))
        .map(|n| format!("`{n}`"))
        .collect();
    format!(
        "unbind {} from `{}` (by the forced delete)",
        names.join(", "),
        b.trigger
    )
}

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Done(String),
    Failed(String, String),
    NotStarted(String),
}

/// The report of one tenant's apply.
#[derive(Debug, Clone)]
pub struct Report {
    pub tenant: String,
    pub steps: Vec<Step>,
}

impl Report {
    pub fn new(tenant: &str) -> Report {
        Report {
            tenant: tenant.to_string(),
            steps: Vec::new(),
        }
    }

    pub fn done(&mut self, step: String) {
        self.steps.push(Step::Done(step));
    }

    pub fn fail(&mut self, step: String, err: &Error) {
        let mut msg = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            let _ = write!(msg, ": {cause}");
            source = cause.source();
        }
        self.steps.push(Step::Failed(step, msg));
    }

    pub fn not_started(&mut self, step: String) {
        self.steps.push(Step::NotStarted(step));
    }

    /// Whether any step failed.
    pub fn failed(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Failed(..)))
    }

    /// Marks the bindings and deletions of the plan as not started, named as `removals` would
    /// have carried them out.
    pub fn skip_rest(&mut self, plan: &Plan, removals: &Removals) {
        let mut steps: Vec<String> = removals
            .replace
            .iter()
            .map(|b| replace_step(&b.trigger))
            .collect();
        for a in plan.actions.iter().filter(|a| a.op == Op::Delete) {
            steps.push(delete_step(&a.name, removals.forced.contains(&a.name)));
        }
        steps.extend(removals.by_delete.iter().map(|b| unbind_step(b, removals)));
        for step in steps {
            if !self.mentions(&step) {
                self.not_started(step);
            }
        }
    }

    fn mentions(&self, step: &str) -> bool {
        self.steps.iter().any(|s| match s {
            Step::Done(x) | Step::NotStarted(x) | Step::Failed(x, _) => x == step,
        })
    }

    /// The text printed after apply.
    pub fn render(&self) -> String {
        let mut out = format!("Apply {}:\n", self.tenant);
        for s in &self.steps {
            let _ = match s {
                Step::Done(x) => writeln!(out, "  done         {x}"),
                Step::Failed(x, e) => writeln!(out, "  FAILED       {x}: {e}"),
                Step::NotStarted(x) => writeln!(out, "  not applied  {x}"),
            };
        }
        let done = self
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Done(_)))
            .count();
        let _ = writeln!(
            out,
            "{done} of {} step(s) applied{}",
            self.steps.len(),
            if self.failed() {
                "; re-run `loginflow apply` to converge"
            } else {
                ""
            }
        );
        out
    }
}
