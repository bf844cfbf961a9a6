//! The terminal view, in the spirit of `terraform plan`: one block per action with its fields,
//! secrets and code diff, the binding order before → after, unmanaged actions, and a summary.

use std::fmt::Write as _;

use super::{action_label, secrets_line, summary, unowned_label};
use crate::plan::model::{Op, Plan};

const GREEN: &str = "32";
const RED: &str = "31";
const YELLOW: &str = "33";
const CYAN: &str = "36";

/// Renders plans for a terminal; `color` adds ANSI styles, the text reads the same without.
pub fn render(plans: &[Plan], color: bool) -> String {
    let mut out = String::new();
    for plan in plans {
        tenant(&mut out, plan, color);
    }
    out
}

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn tenant(out: &mut String, plan: &Plan, color: bool) {
    let _ = writeln!(out, "Tenant {}\n", plan.tenant);
    for a in &plan.actions {
        let (sign, word) = action_label(a);
        let style = match a.op {
            Op::Create => GREEN,
            Op::Delete => RED,
            _ => YELLOW,
        };
        let _ = writeln!(
            out,
            "  {} {} ({})",
            paint(&format!("{sign} {word:<6}"), style, color),
            a.name,
            a.trigger
        );
        for f in &a.fields {
            let _ = writeln!(out, "      {}: {} → {}", f.field, f.before, f.after);
        }
        for c in a.config_diff.iter().flatten() {
            let (before, after) = super::config_values(c);
            let _ = writeln!(out, "      {}: {before} → {after}", c.path);
        }
        if let Some(s) = secrets_line(&a.secrets) {
            let _ = writeln!(out, "      secrets: {s}");
        }
        for n in &a.notes {
            let _ = writeln!(out, "      note: {n}");
        }
        if let Some(d) = &a.code_diff {
            for line in d.lines() {
                let _ = writeln!(out, "      {}", diff_line(line, color));
            }
        }
        out.push('\n');
    }
    for b in &plan.bindings {
        let _ = writeln!(
            out,
            "  {} bindings of {}",
            paint("~", YELLOW, color),
            b.trigger
        );
        let _ = writeln!(out, "      before: {}", list(&b.before));
        let _ = writeln!(out, "      after:  {}\n", list(&b.after));
    }
    for u in &plan.unowned {
        let bound = if u.bound { "bound" } else { "not bound" };
        let _ = writeln!(
            out,
            "  {} (left alone): {} ({}, {bound})",
            unowned_label(u),
            u.name,
            u.trigger
        );
    }
    for k in &plan.kept {
        let _ = writeln!(
            out,
            "  kept: {k} is no longer in the config; `--prune` would delete it"
        );
    }
    for (action, names) in &plan.not_compared {
        let _ = writeln!(
            out,
            "  secrets not compared: {action}: {} (no values read; apply checks them)",
            names.join(", ")
        );
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "  {}: {w}", paint("warning", YELLOW, color));
    }
    let notes = plan.unowned.len() + plan.kept.len() + plan.not_compared.len();
    if notes + plan.warnings.len() > 0 {
        out.push('\n');
    }
    let _ = writeln!(out, "Plan: {}.\n", summary(plan));
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(" → ")
    }
}

fn diff_line(line: &str, color: bool) -> String {
    match line.chars().next() {
        Some('+') if !line.starts_with("+++") => paint(line, GREEN, color),
        Some('-') if !line.starts_with("---") => paint(line, RED, color),
        Some('@') => paint(line, CYAN, color),
        _ => line.to_string(),
    }
}
