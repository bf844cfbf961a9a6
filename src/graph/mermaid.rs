//! A flow as a Mermaid flowchart, which GitHub and GitLab render in markdown: the trigger, then
//! each action in order (solid arrows), what it calls (dotted), changed ones coloured and named.
//!
//! Every label is quoted and every character outside a small safe set is written as a Mermaid
//! entity (`#35;`), so no action name or host can end a label or add a statement.

use std::fmt::Write as _;

use super::{Call, EdgeKind, Flow, Layout, Status, Step};

/// The flowchart of one trigger's flow (without a markdown fence).
pub fn render(flow: &Flow) -> String {
    let layout = Layout::of(flow);
    let mut out = format!("flowchart LR\n  t0([\"{}\"])\n", escape(&flow.trigger));
    for (id, step) in &layout.steps {
        let _ = writeln!(out, "  {id}[\"{}\"]", label(step));
    }
    for (id, call) in &layout.targets {
        let _ = writeln!(out, "  {id}[(\"{}\")]", call_label(call));
    }
    for e in &layout.edges {
        let arrow = match e.kind {
            EdgeKind::Next => "-->",
            EdgeKind::Removed => "-. removed .->",
            EdgeKind::Calls => "-. calls .->",
            EdgeKind::Mints => "-. mints .->",
        };
        let _ = writeln!(out, "  {} {arrow} {}", e.from, e.to);
    }
    classes(&mut out, &layout);
    out
}

fn label(step: &Step) -> String {
    let second: Vec<String> = [step.kind.as_deref(), status_word(step.status)]
        .into_iter()
        .flatten()
        .map(escape)
        .collect();
    if second.is_empty() {
        escape(&step.name)
    } else {
        format!("{}<br/>{}", escape(&step.name), second.join(" #183; "))
    }
}

fn call_label(call: &Call) -> String {
    if call.target.is_empty() {
        call.kind.label().to_owned()
    } else {
        format!("{}<br/>{}", call.kind.label(), escape(&call.target))
    }
}

/// The word a changed step's label carries, so the diagram reads without colours too.
pub fn status_word(status: Status) -> Option<&'static str> {
    match status {
        Status::Unchanged => None,
        Status::Changed => Some("changed"),
        Status::Added => Some("added"),
        Status::Removed => Some("removed"),
        Status::Moved => Some("moved"),
    }
}

fn classes(out: &mut String, layout: &Layout) {
    const STYLES: [(Status, &str); 4] = [
        (Status::Added, "fill:#dafbe1,stroke:#1a7f37"),
        (
            Status::Removed,
            "fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4 4",
        ),
        (Status::Changed, "fill:#fff8c5,stroke:#9a6700"),
        (Status::Moved, "fill:#ddf4ff,stroke:#0969da"),
    ];
    for (status, style) in STYLES {
        let ids: Vec<&str> = layout
            .steps
            .iter()
            .filter(|(_, s)| s.status == status)
            .map(|(id, _)| id.as_str())
            .collect();
        if let (false, Some(word)) = (ids.is_empty(), status_word(status)) {
            let _ = writeln!(out, "  classDef {word} {style}");
            let _ = writeln!(out, "  class {} {word}", ids.join(","));
        }
    }
}

/// Text safe inside a quoted Mermaid label: letters, digits, spaces and `_.:/@+-` as they are,
/// anything else as a numeric entity.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " _.:/@+-".contains(c) {
                c.to_string()
            } else {
                format!("#{};", u32::from(c))
            }
        })
        .collect()
}
