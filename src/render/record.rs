//! The apply record: lines right after the managed header of every version loginflow deploys,
//! saying which apply made it. Auth0 keeps the versions of an action (at most 50), so the
//! records are the tenant's own audit trail, read back by `loginflow history` and `rollback`.
//!
//! ```text
//! // apply-id: 20260529T104558.123Z-3f2a
//! // apply-time: 2026-05-29T10:45:58.123Z
//! // apply-commit: 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567
//! // apply-file: tenants/prod.yaml
//! // apply-bindings: post-login=["a","b"]
//! ```
//!
//! `apply-commit` is left out when no commit is known. `apply-bindings` is the whole binding
//! order of the action's trigger that the apply set. No secret value is ever part of it.
//!
//! The record is not part of the desired code: the planner compares code with the record lines
//! stripped ([`strip_record`]), so an apply does not make the next plan show a change.

use std::borrow::Cow;

use super::header::{decode, encode, header_end, json_ascii};

/// Every record line starts with this.
const PREFIX: &str = "// apply-";
/// The record's keys, in the order they are written.
const KEYS: [&str; 5] = ["id", "time", "commit", "file", "bindings"];

/// What the record of one version says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplyRecord {
    /// A sortable, time-based id: `YYYYMMDDTHHMMSS.mmmZ-xxxx`.
    pub id: String,
    /// When the apply started, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// The git commit of the config, when known.
    pub commit: Option<String>,
    /// The tenant file, as the user named it.
    pub file: String,
    /// The trigger of the action.
    pub trigger: String,
    /// The trigger's whole binding order after the apply.
    pub bindings: Vec<String>,
}

impl ApplyRecord {
    /// The record's lines, each ending with `\n`.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{PREFIX}id: {}\n{PREFIX}time: {}\n",
            encode(&self.id),
            encode(&self.time)
        );
        if let Some(c) = &self.commit {
            out += &format!("{PREFIX}commit: {}\n", encode(c));
        }
        let names: Vec<String> = self.bindings.iter().map(|n| json_ascii(n)).collect();
        out += &format!(
            "{PREFIX}file: {}\n{PREFIX}bindings: {}=[{}]\n",
            encode(&self.file),
            encode(&self.trigger),
            names.join(",")
        );
        out
    }
}

/// `code` (managed, without a record) with `record` inserted right after its header. Unmanaged
/// code is returned unchanged.
pub fn with_record(code: &str, record: &ApplyRecord) -> String {
    let code = strip_record(code);
    match header_end(&code) {
        Some(end) => format!("{}{}{}", &code[..end], record.render(), &code[end..]),
        None => code.into_owned(),
    }
}

/// The length in bytes of the record lines at the start of `text` (0 when there are none).
pub fn record_len(text: &str) -> usize {
    let mut len = 0;
    for line in text.split_inclusive('\n') {
        let known = line
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(": "))
            .is_some_and(|(key, _)| KEYS.contains(&key));
        if !known || !line.ends_with('\n') {
            break;
        }
        len += line.len();
    }
    len
}

/// `code` without its record lines: what the planner compares with the desired code.
pub fn strip_record(code: &str) -> Cow<'_, str> {
    let Some(end) = header_end(code) else {
        return Cow::Borrowed(code);
    };
    match record_len(&code[end..]) {
        0 => Cow::Borrowed(code),
        n => Cow::Owned(format!("{}{}", &code[..end], &code[end + n..])),
    }
}

/// The record of a managed version, if it has one.
pub fn parse_record(code: &str) -> Option<ApplyRecord> {
    let end = header_end(code)?;
    let rest = &code[end..];
    let lines = &rest[..record_len(rest)];
    let mut record = ApplyRecord::default();
    for line in lines.lines() {
        let (key, value) = line.strip_prefix(PREFIX)?.split_once(": ")?;
        match key {
            "id" => record.id = decode(value)?,
            "time" => record.time = decode(value)?,
            "commit" => record.commit = Some(decode(value)?),
            "file" => record.file = decode(value)?,
            "bindings" => {
                let (trigger, list) = value.split_once("=[")?;
                record.trigger = decode(trigger)?;
                record.bindings = serde_json::from_str(&format!("[{list}")).ok()?;
            }
            _ => return None,
        }
    }
    (!record.id.is_empty()).then_some(record)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::render::header::{ManagedHeader, parse_header, strip_header};

    fn code() -> String {
        let h = ManagedHeader {
            owner: crate::config::model::DEFAULT_OWNER.into(),
            action: "a".into(),
            kind: "custom".into(),
            secrets: Default::default(),
        };
        format!("{}exports.x = 1;\n", h.render())
    }

    fn record() -> ApplyRecord {
        ApplyRecord {
            id: "20260529T104558.123Z-3f2a".into(),
            time: "2026-05-29T10:45:58.123Z".into(),
            commit: Some("0a1b2c".into()),
            file: "tenants/odd name ✓.yaml".into(),
            trigger: "post-login".into(),
            bindings: vec!["a".into(), "b, \"c\"\n".into()],
        }
    }

    #[test]
    fn round_trips_and_strips() {
        let plain = code();
        for r in [
            record(),
            ApplyRecord {
                commit: None,
                bindings: vec![],
                ..record()
            },
        ] {
            let recorded = with_record(&plain, &r);
            assert_eq!(parse_record(&recorded), Some(r.clone()), "{recorded}");
            assert_eq!(strip_record(&recorded), plain);
            assert_eq!(parse_header(&recorded), parse_header(&plain));
            assert_eq!(strip_header(&recorded), "exports.x = 1;\n");
            // A second record replaces the first.
            let again = with_record(&recorded, &r);
            assert_eq!(again, recorded);
        }
        assert_eq!(parse_record(&plain), None);
        assert_eq!(strip_record(&plain), plain);
    }

    #[test]
    fn exact_lines() {
        let r = ApplyRecord {
            file: "tenants/prod.yaml".into(),
            bindings: vec!["a".into(), "b".into()],
            ..record()
        };
        assert_eq!(
            r.render(),
            "// apply-id: 20260529T104558.123Z-3f2a\n// apply-time: 2026-05-29T10:45:58.123Z\n\
             // apply-commit: 0a1b2c\n// apply-file: tenants/prod.yaml\n\
             // apply-bindings: post-login=[\"a\",\"b\"]\n"
        );
    }

    #[test]
    fn unmanaged_code_gets_no_record() {
        let code = "exports.x = 1;\n";
        assert_eq!(with_record(code, &record()), code);
        assert_eq!(strip_record(code), code);
    }
}
