//! Prints diagnostics: the grep-able first line `path:line:col: error[code]: message`, the source
//! line with a caret, and `hint:`; or one JSON document for tools.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Diagnostic, Severity};

/// Source texts by file, to show the offending line.
pub type Sources = HashMap<PathBuf, String>;

/// Renders diagnostics for people. `color` adds ANSI styles; the text reads the same without.
pub fn human(diags: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        write_one(&mut out, d, sources.get(&d.file).map(String::as_str), color);
    }
    out
}

fn write_one(out: &mut String, d: &Diagnostic, text: Option<&str>, color: bool) {
    let (label, style) = match d.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
    };
    let file = d.file.display();
    let head = match d.pos {
        Some(p) => format!("{file}:{}:{}", p.line, p.column),
        None => format!("{file}"),
    };
    let kind = paint(&format!("{label}[{}]", d.code), style, color);
    let _ = writeln!(out, "{head}: {kind}: {}", d.message);
    if let (Some(pos), Some(text)) = (d.pos, text)
        && let Some(line) = text.lines().nth(pos.line - 1)
    {
        let num = pos.line.to_string();
        let pad = " ".repeat(num.len());
        let line = line.replace('\t', " ");
        let caret_pad = " ".repeat(pos.column - 1);
        let carets = paint(&"^".repeat(d.width), style, color);
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{num} | {line}");
        let _ = writeln!(out, "{pad} | {caret_pad}{carets}");
    }
    if let Some(hint) = &d.hint {
        let _ = writeln!(out, "{}: {hint}", paint("hint", "1;36", color));
    }
    out.push('\n');
}

fn paint(s: &str, style: &str, color: bool) -> String {
    if color {
        format!("\x1b[{style}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Renders diagnostics as one JSON document (`version` 1), stable field order.
pub fn json(diags: &[Diagnostic]) -> String {
    let items: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            serde_json::json!({
                "file": d.file.display().to_string(),
                "line": d.pos.map(|p| p.line),
                "column": d.pos.map(|p| p.column),
                "severity": d.severity,
                "code": d.code,
                "message": d.message,
                "hint": d.hint,
                "pointer": d.pointer,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "version": 1,
        "errors": super::error_count(diags),
        "warnings": diags.len() - super::error_count(diags),
        "diagnostics": items,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The closing summary line, e.g. `2 errors, 1 warning in 3 files`.
pub fn summary(diags: &[Diagnostic], files: usize) -> String {
    let errors = super::error_count(diags);
    let warnings = diags.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {} in {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(files, "file")
    )
}
