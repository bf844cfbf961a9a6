//! The pull-request comment: summary first, a loud warning for deletions, a table of changes,
//! then per-action details collapsed. It stays under GitHub's 65,535-character comment limit by
//! dropping details (with a note) once the budget is spent; the summary is never dropped.

use std::fmt::Write as _;

use super::{action_label, secrets_line, summary};
use crate::plan::model::{ActionPlan, Op, Plan};

/// GitHub's limit on a comment body.
pub const GITHUB_LIMIT: usize = 65_535;
/// Room kept for the truncation note and closing lines.
const RESERVE: usize = 1_000;

/// A hidden marker so CI can find and update its previous comment.
pub const MARKER: &str = "<!-- loginflow-plan -->";
/// The marker of `loginflow diff`'s comment.
pub const DIFF_MARKER: &str = "<!-- loginflow-diff -->";

/// Renders plans as one markdown comment.
pub fn render(plans: &[Plan]) -> String {
    render_with_limit(plans, GITHUB_LIMIT)
}

/// Like [`render`], with a custom size limit (for tests).
pub fn render_with_limit(plans: &[Plan], limit: usize) -> String {
    render_titled(plans, MARKER, "loginflow plan", limit)
}

/// The comment of `loginflow diff`: the same view, under its own marker and title.
pub fn render_diff(plans: &[Plan]) -> String {
    render_titled(plans, DIFF_MARKER, "loginflow diff", GITHUB_LIMIT)
}

fn render_titled(plans: &[Plan], marker: &str, title: &str, limit: usize) -> String {
    let mut out = format!("{marker}\n## {title}\n\n");
    for plan in plans {
        head(&mut out, plan);
    }
    let mut omitted = 0;
    for plan in plans {
        for a in &plan.actions {
            let block = details(a);
            if out.len() + block.len() + RESERVE > limit {
                omitted += 1;
                continue;
            }
            out.push_str(&block);
        }
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n> [!NOTE]\n> Details of {omitted} action(s) were left out to stay under GitHub's comment size limit. Run `loginflow plan` locally or read the JSON plan artifact for the full diff.\n"
        );
    }
    out
}

fn head(out: &mut String, plan: &Plan) {
    let _ = writeln!(out, "### `{}`: {}\n", plan.tenant, summary(plan));
    for flow in &plan.flows {
        let _ = writeln!(
            out,
            "```mermaid\n{}```\n",
            crate::graph::mermaid::render(flow)
        );
    }
    let deletes: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| a.op == Op::Delete)
        .map(|a| format!("`{}`", a.name))
        .collect();
    if !deletes.is_empty() {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **{} action(s) will be DELETED:** {}\n",
            deletes.len(),
            deletes.join(", ")
        );
    }
    if !plan.actions.is_empty() {
        out.push_str("| | action | trigger | change |\n|---|---|---|---|\n");
        for a in &plan.actions {
            let (sign, word) = action_label(a);
            let _ = writeln!(
                out,
                "| {sign} | `{}` | {} | {word}{} |",
                escape(&a.name),
                a.trigger,
                what(a)
            );
        }
        out.push('\n');
    }
    for b in &plan.bindings {
        let _ = writeln!(
            out,
            "**Bindings of `{}`**\n\n| | order |\n|---|---|",
            b.trigger
        );
        let _ = writeln!(
            out,
            "| before | {} |\n| after | {} |\n",
            joined(&b.before, " → "),
            joined(&b.after, " → ")
        );
    }
    for u in &plan.unowned {
        let _ = writeln!(
            out,
            "- {}, left alone: `{}` ({})",
            escape(&super::unowned_label(u)),
            escape(&u.name),
            u.trigger
        );
    }
    for k in &plan.kept {
        let _ = writeln!(
            out,
            "- kept: `{}` is no longer in the config; `--prune` would delete it",
            escape(k)
        );
    }
    for (action, secrets) in &plan.not_compared {
        let _ = writeln!(
            out,
            "- secrets not compared: `{}`: {} (no values read; apply checks them)",
            escape(action),
            joined(secrets, ", ")
        );
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "- ⚠️ {}", escape(w));
    }
    let notes = plan.unowned.len() + plan.kept.len() + plan.not_compared.len();
    if notes + plan.warnings.len() > 0 {
        out.push('\n');
    }
}

fn what(a: &ActionPlan) -> String {
    let mut parts: Vec<&str> = a.fields.iter().map(|f| f.field.as_str()).collect();
    if a.config_diff.as_ref().is_some_and(|c| !c.is_empty()) && a.op != Op::Create {
        parts.push("config");
    }
    if a.code_diff.is_some() && a.op != Op::Create {
        parts.push("code");
    }
    if a.secrets.any() {
        parts.push("secrets");
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn details(a: &ActionPlan) -> String {
    let mut s = format!(
        "<details><summary><code>{}</code>: {}</summary>\n\n",
        escape(&a.name),
        action_label(a).1
    );
    for f in &a.fields {
        let _ = writeln!(s, "- {}: `{}` → `{}`", f.field, f.before, f.after);
    }
    for c in a.config_diff.iter().flatten() {
        let (before, after) = super::config_values(c);
        let _ = writeln!(
            s,
            "- {}: {} → {}",
            code_span(&c.path),
            code_span(&before),
            code_span(&after)
        );
    }
    if let Some(line) = secrets_line(&a.secrets) {
        let _ = writeln!(s, "- secrets: {line}");
    }
    for n in &a.notes {
        let _ = writeln!(s, "- {n}");
    }
    if let Some(d) = &a.code_diff {
        let fence = if d.contains("```") { "~~~~" } else { "```" };
        let _ = writeln!(s, "\n{fence}diff\n{}{fence}", d);
    }
    s.push_str("\n</details>\n\n");
    s
}

/// Each name as code, joined by `sep`; `(none)` for none.
fn joined(list: &[String], sep: &str) -> String {
    if list.is_empty() {
        return "(none)".into();
    }
    list.iter()
        .map(|n| format!("`{}`", escape(n)))
        .collect::<Vec<_>>()
        .join(sep)
}

/// `text` as a code span, fenced by more backticks than it holds in a row, so no user text can
/// close it early (CommonMark); code spans show `<` and `|` literally.
fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Keeps user text from breaking the table or injecting HTML.
fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "'")
}
