//! The human output of `loginflow test`: one line per case, the differences under a failed
//! case, and the summary line.

use std::fmt::Write as _;

use super::outcome::{CaseOutcome, summary};

/// `PASS file › name` / `FAIL file › name` lines, each failure's differences and logs indented
/// beneath it, then `N passed, N failed` alone on the last line.
pub fn human(outcomes: &[CaseOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let verdict = if o.passed() { "PASS" } else { "FAIL" };
        let _ = writeln!(out, "{verdict} {} › {}", o.file, o.name);
        for f in &o.failures {
            let _ = writeln!(out, "{}", indent(f, "    "));
        }
        if !o.logs.is_empty() {
            let _ = writeln!(out, "    logs:");
            for l in &o.logs {
                let _ = writeln!(out, "{}", indent(l, "      "));
            }
        }
    }
    let _ = writeln!(out, "{}", summary(outcomes));
    out
}

/// `text` with every line prefixed by `pad`.
fn indent(text: &str, pad: &str) -> String {
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
