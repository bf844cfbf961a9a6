//! How `history` and `rollback` print: the list of applies (human, markdown, JSON), the code
//! diff one apply made, and a rollback plan.

use std::fmt::Write as _;

use serde::Serialize;

use super::rollback::RollbackPlan;
use super::timeline::{Event, History, MAX_VERSIONS};
use crate::render::strip_record;

/// The version of the JSON document `history --format json` prints.
pub const FORMAT_VERSION: u32 = 1;

fn what(e: &Event) -> String {
    let names: Vec<String> = e
        .changes
        .iter()
        .map(|c| format!("{} (v{})", c.action, c.version))
        .collect();
    names.join(", ")
}

fn kind(e: &Event) -> String {
    match &e.rollback_to {
        Some(to) => format!("rollback to {to}"),
        None => "apply".into(),
    }
}

/// The note printed when Auth0 dropped versions.
fn reach(h: &History) -> Option<String> {
    let t = h.truncated();
    if t.is_empty() {
        return None;
    }
    let names: Vec<String> = t.iter().map(|k| format!("`{}`", k.action)).collect();
    Some(format!(
        "Auth0 keeps at most {MAX_VERSIONS} versions per action; older versions of {} are gone, so earlier applies are not listed",
        names.join(", ")
    ))
}

/// `history` for people.
pub fn human(tenant: &str, h: &History) -> String {
    let mut out = format!("History of {tenant} (newest first):\n");
    if h.events.is_empty() {
        out += "  no apply by loginflow is recorded on this tenant\n";
    }
    for e in &h.events {
        let _ = writeln!(
            out,
            "  {}  {}  commit {}  {}\n      {}",
            e.id,
            e.time,
            e.commit.as_deref().unwrap_or("-"),
            kind(e),
            what(e)
        );
    }
    if let Some(note) = reach(h) {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// `history --format markdown`.
pub fn markdown(tenant: &str, h: &History) -> String {
    let mut out = format!(
        "### History of `{tenant}`\n\n| apply | time | commit | kind | actions |\n|---|---|---|---|---|\n"
    );
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for e in &h.events {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            e.id,
            e.time,
            e.commit
                .as_deref()
                .map_or("-".to_string(), |c| format!("`{c}`")),
            cell(&kind(e)),
            cell(&what(e))
        );
    }
    if let Some(note) = reach(h) {
        let _ = writeln!(out, "\n> {note}");
    }
    out
}

/// `history --format json`.
pub fn json(tenant: &str, h: &History) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        format_version: u32,
        tenant: &'a str,
        applies: &'a [Event],
        kept: &'a [super::timeline::Kept],
        truncated: bool,
    }
    let doc = Doc {
        format_version: FORMAT_VERSION,
        tenant,
        applies: &h.events,
        kept: &h.kept,
        truncated: !h.truncated().is_empty(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The generated-code diff an apply made: for each action, previous version → its version,
/// records left out (as `plan` shows code).
pub fn diff(e: &Event) -> String {
    let mut out = format!("Apply {} ({}, {}):\n", e.id, e.time, kind(e));
    for c in &e.changes {
        let before = c
            .previous_code
            .as_deref()
            .map(strip_record)
            .unwrap_or_default();
        let after = strip_record(&c.code);
        let from = c.previous.map_or("(none)".to_string(), |n| format!("v{n}"));
        let _ = writeln!(out, "\n`{}`: {from} → v{}", c.action, c.version);
        if before == after {
            out += "  (same code)\n";
            continue;
        }
        out += &similar::TextDiff::from_lines(before.as_ref(), after.as_ref())
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{}/{from}.js", c.action),
                &format!("{}/v{}.js", c.action, c.version),
            )
            .to_string();
    }
    for (t, order) in &e.bindings {
        let _ = writeln!(out, "\nbindings of `{t}`: {}", order.join(", "));
    }
    out
}

/// A rollback plan for people.
pub fn rollback_plan(p: &RollbackPlan) -> String {
    let t = &p.target;
    let mut out = format!(
        "Rollback {} to apply {} ({}, commit {}):\n",
        p.tenant,
        t.id,
        t.time,
        t.commit.as_deref().unwrap_or("-")
    );
    for r in &p.actions {
        let from = r
            .from
            .map_or("nothing live".to_string(), |n| format!("v{n}"));
        let _ = writeln!(
            out,
            "  ~ {}: {from} → v{} again (version deploy, no build)",
            r.name, r.to.version
        );
    }
    for b in &p.bindings {
        let _ = writeln!(
            out,
            "  ~ bindings of `{}`: [{}] → [{}]",
            b.trigger,
            b.before.join(", "),
            b.after.join(", ")
        );
    }
    for d in &p.deletes {
        let _ = writeln!(out, "  - {}: delete (created since)", d.name);
    }
    for k in &p.kept {
        let _ = writeln!(out, "  ! {k}: created since; kept (`--prune` deletes it)");
    }
    for n in &p.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    if !p.has_changes() {
        out += "  nothing to do: the tenant already is as it was after that apply\n";
    }
    out
}
