//! The managed header at the top of every generated Action (SPEC §4).
//!
//! It marks the action as owned by loginflow and records its name, kind and a fingerprint of each
//! secret value, which the planner reads back from the live code:
//!
//! ```text
//! // Managed by loginflow. Edits made in the Auth0 dashboard are overwritten by `loginflow apply`.
//! // loginflow-managed: v1
//! // action: hasura-claims
//! // kind: hasura
//! // secrets: HASURA_ADMIN_SECRET=$argon2id$v=19$m=19456,t=2,p=1$...$...
//! ```
//!
//! A file with a `tenant.owner` other than the default adds `// owner: ID` after the marker; the
//! default owner writes no such line, so headers written before owners existed are the default
//! owner's byte for byte (nothing is redeployed for it). The planner only touches actions whose
//! owner is the tenant file's.
//!
//! It says nothing of the tenant file's path, so renaming or moving that file changes no action.
//! Earlier versions wrote a `// source: PATH` line after the marker: such headers still parse as
//! managed, and [`same_code`] ignores that line, so deployed actions are not redeployed for it.
//!
//! Each version loginflow deploys also carries an apply record right after these lines
//! (`// apply-…`, see `record.rs`); [`strip_header`] drops it too.
//!
//! Values that are not "plain" are written as JSON strings with every non-ASCII character
//! escaped, so a name holding a newline or U+2028 can never end the comment and become code.

use std::collections::BTreeMap;

use crate::config::model::DEFAULT_OWNER;

const BANNER: &str = "// Managed by loginflow. Edits made in the Auth0 dashboard are overwritten by `loginflow apply`.";
const MARKER: &str = "// loginflow-managed: v1";
/// Number of lines of the header (one more in the legacy form, with `source:`).
const LINES: usize = 5;
/// The line a non-default owner adds after the marker.
const OWNER: &str = "// owner: ";
/// The line earlier versions wrote after the marker.
const LEGACY_SOURCE: &str = "// source: ";
/// What the `secrets:` line says for a secret whose fingerprint is unknown.
pub const UNSET: &str = "unset";

/// What the header says about an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedHeader {
    /// The owner id (`tenant.owner`; [`DEFAULT_OWNER`] when the header has no owner line).
    pub owner: String,
    /// The action's name.
    pub action: String,
    /// The action's kind.
    pub kind: String,
    /// Secret name → fingerprint (or `unset`).
    pub secrets: BTreeMap<String, String>,
}

impl ManagedHeader {
    /// The header's text: five lines (six with an owner line), each ending with `\n`.
    pub fn render(&self) -> String {
        let secrets = if self.secrets.is_empty() {
            "none".to_owned()
        } else {
            let parts: Vec<String> = self
                .secrets
                .iter()
                .map(|(name, fp)| format!("{}={}", encode(name), encode_fingerprint(fp)))
                .collect();
            parts.join(", ")
        };
        let owner = if self.owner == DEFAULT_OWNER {
            String::new()
        } else {
            format!("{OWNER}{}\n", encode(&self.owner))
        };
        format!(
            "{BANNER}\n{MARKER}\n{owner}// action: {}\n// kind: {}\n// secrets: {secrets}\n",
            encode(&self.action),
            encode(&self.kind),
        )
    }
}

/// Reads the header at the top of `code`; `None` when the code is not managed by loginflow (or
/// its header was damaged, which the planner treats the same way).
pub fn parse_header(code: &str) -> Option<ManagedHeader> {
    let mut lines = code
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .peekable();
    if !lines.next()?.starts_with("// Managed by loginflow.") || lines.next()? != MARKER {
        return None;
    }
    // A header of an earlier version: its `source:` line is read past and ignored.
    if lines.peek().is_some_and(|l| {
        l.starts_with(LEGACY_SOURCE) && decode(&l[LEGACY_SOURCE.len()..]).is_some()
    }) {
        lines.next();
    }
    let owner = match lines.peek().and_then(|l| l.strip_prefix(OWNER)) {
        Some(id) => {
            let id = decode(id)?;
            lines.next();
            id
        }
        None => DEFAULT_OWNER.to_owned(),
    };
    let mut field = |key: &str| -> Option<String> {
        let rest = lines.next()?.strip_prefix("// ")?.strip_prefix(key)?;
        rest.strip_prefix(": ").map(str::to_owned)
    };
    let action = decode(&field("action")?)?;
    let kind = decode(&field("kind")?)?;
    let secrets = parse_secrets(&field("secrets")?)?;
    Some(ManagedHeader {
        owner,
        action,
        kind,
        secrets,
    })
}

/// The byte range of the legacy `// source:` line (with its `\n`) of a managed header, if any.
fn legacy_source_line(code: &str) -> Option<std::ops::Range<usize>> {
    parse_header(code)?;
    let second = code.find('\n')? + 1;
    let third = second + code[second..].find('\n')? + 1;
    if !code[third..].starts_with(LEGACY_SOURCE) {
        return None;
    }
    let end = code[third..]
        .find('\n')
        .map_or(code.len(), |at| third + at + 1);
    Some(third..end)
}

/// Whether a managed header has an owner line (after the marker, or after a legacy `source:`).
fn owner_line(code: &str) -> bool {
    let skip = 2 + usize::from(legacy_source_line(code).is_some());
    code.lines().nth(skip).is_some_and(|l| l.starts_with(OWNER))
}

/// `code` without its managed header; unchanged when it has none. For a `custom` action this
/// gives back the user's file exactly.
pub fn strip_header(code: &str) -> &str {
    match header_end(code) {
        Some(end) => {
            let rest = &code[end..];
            &rest[super::record::record_len(rest)..]
        }
        None if parse_header(code).is_some() => "",
        None => code,
    }
}

/// The byte offset just past the managed header's lines; `None` when the code has no header
/// (or nothing follows it).
pub(crate) fn header_end(code: &str) -> Option<usize> {
    parse_header(code)?;
    let lines =
        LINES + usize::from(legacy_source_line(code).is_some()) + usize::from(owner_line(code));
    let mut end = 0;
    for _ in 0..lines {
        end += code[end..].find('\n')? + 1;
    }
    Some(end)
}

/// `code` with the fingerprints its header records for the secrets in `fps` replaced by those:
/// how `plan --no-secret-values` compares code rendered without values with the live code.
/// Code without a header is returned as is.
pub fn with_fingerprints(code: &str, fps: &BTreeMap<String, String>) -> String {
    let (Some(mut header), Some(end)) = (parse_header(code), header_end(code)) else {
        return code.to_owned();
    };
    for (name, fp) in header.secrets.iter_mut() {
        if let Some(live) = fps.get(name) {
            fp.clone_from(live);
        }
    }
    format!("{}{}", header.render(), &code[end..])
}

/// Whether two codes are the same but for a legacy `// source:` line in either's header: what
/// the planner compares, so that upgrading, or renaming the tenant file, redeploys nothing.
pub fn same_code(a: &str, b: &str) -> bool {
    a == b || without_legacy_source(a) == without_legacy_source(b)
}

fn without_legacy_source(code: &str) -> std::borrow::Cow<'_, str> {
    match legacy_source_line(code) {
        Some(range) => format!("{}{}", &code[..range.start], &code[range.end..]).into(),
        None => code.into(),
    }
}

fn parse_secrets(text: &str) -> Option<BTreeMap<String, String>> {
    let mut secrets = BTreeMap::new();
    if text == "none" {
        return Some(secrets);
    }
    let mut rest = text;
    while !rest.is_empty() {
        let (name, after) = take_value(rest, '=')?;
        let after = after.strip_prefix('=')?;
        let (fp, after) = take_value(after, ',')?;
        secrets.insert(name, fp);
        rest = match after.strip_prefix(", ") {
            Some(next) => next,
            None if after.is_empty() => after,
            None => return None,
        };
    }
    Some(secrets)
}

/// Reads one value up to `stop` (a JSON string, or plain text up to the separator).
fn take_value(text: &str, stop: char) -> Option<(String, &str)> {
    if text.starts_with('"') {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<String>();
        let value = stream.next()?.ok()?;
        let used = stream.byte_offset();
        return Some((value, &text[used..]));
    }
    // A fingerprint contains `,` (`m=19456,t=2,p=1`) but never `, `.
    let end = match stop {
        ',' => text.find(", ").unwrap_or(text.len()),
        _ => text.find(stop)?,
    };
    Some((text[..end].to_owned(), &text[end..]))
}

/// Whether a value can be written as is: ASCII letters, digits and a few path characters.
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('"')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/@:+".contains(&b))
}

pub(super) fn encode(text: &str) -> String {
    if is_plain(text) {
        text.to_owned()
    } else {
        json_ascii(text)
    }
}

/// PHC strings also hold `$`, `=` and `,`, which the parser handles; anything else is quoted.
fn encode_fingerprint(fp: &str) -> String {
    let ok = !fp.is_empty()
        && !fp.starts_with('"')
        && !fp.contains(", ")
        && fp
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"$=,+/._-".contains(&b));
    if ok { fp.to_owned() } else { json_ascii(fp) }
}

pub(super) fn decode(text: &str) -> Option<String> {
    if text.starts_with('"') {
        serde_json::from_str(text).ok()
    } else {
        Some(text.to_owned())
    }
}

/// A JSON string literal with every character outside printable ASCII escaped as `\uXXXX`.
pub(crate) fn json_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut buf = [0u16; 2];
                for unit in ch.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(action: &str, secrets: &[(&str, &str)]) -> ManagedHeader {
        ManagedHeader {
            owner: DEFAULT_OWNER.into(),
            action: action.into(),
            kind: "hasura".into(),
            secrets: secrets
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn round_trips_plain_and_odd_values() {
        let fp = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
        for h in [
            header("hasura-claims", &[]),
            header("hasura-claims", &[("A", fp), ("B_2", "unset")]),
            header("evil\n// name\u{2028}\"x\" ✓", &[("we, ird=\"", fp)]),
        ] {
            let code = format!("{}exports.x = 1;\n", h.render());
            assert_eq!(parse_header(&code), Some(h.clone()), "{code}");
            assert_eq!(strip_header(&code), "exports.x = 1;\n");
            assert_eq!(code.lines().count(), 6, "{code}");
        }
    }

    /// A non-default owner adds one line after the marker and reads back; the default owner's
    /// header is the one written before owners existed.
    #[test]
    fn owner_line_round_trips_and_the_default_writes_none() {
        let mut h = header("hasura-claims", &[("A", "$argon2id$x")]);
        let default = h.render();
        assert!(!default.contains("owner"), "{default}");
        h.owner = "team-b".into();
        let code = format!("{}exports.x = 1;\n", h.render());
        assert!(code.contains("\n// loginflow-managed: v1\n// owner: team-b\n// action:"));
        assert_eq!(parse_header(&code), Some(h.clone()));
        assert_eq!(strip_header(&code), "exports.x = 1;\n");
        assert_eq!(code.lines().count(), 7);
        // An owner line with a value that does not decode is no header.
        let bad = code.replace("// owner: team-b", "// owner: \"unterminated");
        assert_eq!(parse_header(&bad), None);
    }

    #[test]
    fn exact_shape() {
        let h = header("hasura-claims", &[("HASURA_ADMIN_SECRET", "$argon2id$x")]);
        assert_eq!(
            h.render(),
            "// Managed by loginflow. Edits made in the Auth0 dashboard are overwritten by `loginflow apply`.\n\
             // loginflow-managed: v1\n// action: hasura-claims\n\
             // kind: hasura\n// secrets: HASURA_ADMIN_SECRET=$argon2id$x\n"
        );
    }

    /// A header of an earlier version, with the tenant file's path, is still managed; its code
    /// is the same as the new header's, whatever the path.
    #[test]
    fn legacy_headers_with_a_source_line_parse_and_compare_equal() {
        let h = header("hasura-claims", &[("A", "$argon2id$x")]);
        let new = format!("{}exports.x = 1;\n", h.render());
        for source in ["tenants/prod.yaml", "\"odd \\u2028 path\""] {
            let old = new.replacen("// action:", &format!("// source: {source}\n// action:"), 1);
            assert_eq!(parse_header(&old), Some(h.clone()), "{old}");
            assert_eq!(strip_header(&old), "exports.x = 1;\n");
            assert!(same_code(&old, &new) && same_code(&new, &old));
        }
        let other = new.replace("exports.x = 1;", "exports.x = 2;");
        let old = other.replacen("// action:", "// source: a.yaml\n// action:", 1);
        assert!(!same_code(&old, &new));
        // `source:` anywhere but right after the marker is not a header line.
        let code = "exports.x = 1;\n// source: a.yaml\n";
        assert!(!same_code(code, "exports.x = 1;\n"));
    }

    #[test]
    fn fingerprints_are_replaced_by_name_only() {
        let h = header("x", &[("A", UNSET), ("B", UNSET)]);
        let code = format!("{}exports.x = 1;\n", h.render());
        let live = [("A".to_string(), "$argon2id$a".to_string())].into();
        let replaced = with_fingerprints(&code, &live);
        let expected = header("x", &[("A", "$argon2id$a"), ("B", UNSET)]);
        assert_eq!(replaced, format!("{}exports.x = 1;\n", expected.render()));
        assert_eq!(
            with_fingerprints("exports.x = 1;\n", &live),
            "exports.x = 1;\n"
        );
    }

    #[test]
    fn unmanaged_code_is_left_alone() {
        let code = "exports.onExecutePostLogin = async () => {};\n";
        assert_eq!(parse_header(code), None);
        assert_eq!(strip_header(code), code);
    }
}
