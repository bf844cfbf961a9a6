//! JUnit XML for CI: one `<testsuite>` per tenant file, one `<testcase>` per case.

use std::fmt::Write as _;

use super::outcome::CaseOutcome;

/// The JUnit XML document of a run.
pub fn junit(outcomes: &[CaseOutcome]) -> String {
    let mut files: Vec<&str> = Vec::new();
    for o in outcomes {
        if !files.contains(&o.file.as_str()) {
            files.push(&o.file);
        }
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let total_time: f64 = outcomes.iter().map(|o| o.time_ms).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"loginflow test\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{}\">",
        outcomes.len(),
        seconds(total_time)
    );
    for file in files {
        let cases: Vec<&CaseOutcome> = outcomes.iter().filter(|o| o.file == file).collect();
        let failed = cases.iter().filter(|o| !o.passed()).count();
        let time: f64 = cases.iter().map(|o| o.time_ms).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"{}\">",
            escape(file),
            cases.len(),
            seconds(time)
        );
        for c in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
                escape(file),
                escape(&c.name),
                seconds(c.time_ms)
            );
            if c.passed() {
                out.push_str("/>\n");
                continue;
            }
            let first = c.failures.first().map(String::as_str).unwrap_or_default();
            let first = first.lines().next().unwrap_or_default();
            let mut body = c.failures.join("\n");
            if !c.logs.is_empty() {
                body.push_str("\nlogs:\n");
                body.push_str(&c.logs.join("\n"));
            }
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>",
                escape(first),
                escape(&body)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn seconds(ms: f64) -> String {
    format!("{:.3}", ms / 1000.0)
}

/// Text for an XML attribute or element: the five special characters as entities, characters
/// XML 1.0 cannot carry as U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_specials_and_control_characters() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}"
        );
    }
}
