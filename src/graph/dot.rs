//! A flow as Graphviz DOT, for docs: the same picture as `mermaid`, one digraph per trigger.

use std::fmt::Write as _;

use super::{EdgeKind, Flow, Layout, Status};

/// The digraph of one trigger's flow.
pub fn render(flow: &Flow) -> String {
    let layout = Layout::of(flow);
    let name = quote(&flow.trigger);
    let mut out = format!(
        "digraph {name} {{\n  rankdir=LR;\n  node [shape=box];\n  t0 [label={name}, shape=oval];\n"
    );
    for (id, step) in &layout.steps {
        let lines = [
            step.kind.as_deref(),
            super::mermaid::status_word(step.status),
        ];
        let text = std::iter::once(step.name.as_str())
            .chain(lines.into_iter().flatten())
            .collect::<Vec<_>>()
            .join("\n");
        let _ = writeln!(
            out,
            "  {id} [label={}{}];",
            quote(&text),
            style(step.status)
        );
    }
    for (id, call) in &layout.targets {
        let text = format!("{}\n{}", call.kind.label(), call.target);
        let _ = writeln!(
            out,
            "  {id} [label={}, shape=cylinder];",
            quote(text.trim_end())
        );
    }
    for e in &layout.edges {
        let attrs = match e.kind {
            EdgeKind::Next => "",
            EdgeKind::Removed => " [style=dashed, label=\"removed\"]",
            EdgeKind::Calls => " [style=dotted, label=\"calls\"]",
            EdgeKind::Mints => " [style=dotted, label=\"mints\"]",
        };
        let _ = writeln!(out, "  {} -> {}{attrs};", e.from, e.to);
    }
    out.push_str("}\n");
    out
}

fn style(status: Status) -> &'static str {
    match status {
        Status::Unchanged => "",
        Status::Changed => ", color=\"#9a6700\"",
        Status::Added => ", color=\"#1a7f37\"",
        Status::Removed => ", color=\"#cf222e\", style=dashed",
        Status::Moved => ", color=\"#0969da\"",
    }
}

/// A DOT string literal: `"` and `\` escaped, line breaks as `\n`, other controls dropped.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
