//! Plain YAML scalars read by the YAML 1.2 core schema, and warnings where that reading is not
//! what the author (or another tool) may expect.
//!
//! YAML 1.1 (PyYAML, older Go and Ruby parsers, many editors) reads `NO`, `yes`, `on`, `y` as
//! booleans, `012` as octal, `1_000` and `0b101` as integers and `1:20` as 80 (base 60); YAML 1.2
//! reads all of these as strings except `012`, a decimal 12. The parser (serde-saphyr) accepts
//! both; [`resolve`] decides a plain scalar's value from its spelling by the 1.2 core schema
//! alone, so that `country: NO` stays the string `NO`. Where a YAML 1.1 tool would read the same
//! text differently, or a number cannot be kept exactly, the scalar is recorded as a
//! [`PlainScalar`] and [`warnings`] reports it. Where the JSON Schema wants a string and a plain
//! scalar was read as a number or a boolean (`client_id: 012345`, `0x1F`), [`coerce`] keeps its
//! spelling as the string and warns, instead of a type error or a silently changed value.

use std::path::Path;

use serde_json::Value;

use super::load::SourceFile;
use crate::diagnostics::Finding;
use crate::diagnostics::Pos;
use crate::diagnostics::{Code, Diagnostic};

/// A plain scalar's reading under one schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str,
}

/// A plain scalar that may not mean what it looks like: what YAML 1.1 reads, what loginflow
/// (YAML 1.2 core) reads.
#[derive(Debug, Clone)]
pub struct PlainScalar {
    /// Pointer of the value (for a key: of its entry, with `key` set).
    pub pointer: String,
    pub pos: Pos,
    /// The text as written.
    pub spelling: String,
    pub yaml11: Scalar,
    pub core: Scalar,
    /// The scalar is a mapping key (always a string in the configuration).
    pub key: bool,
}

impl PlainScalar {
    /// Whether the note matters: the scalar is a number or boolean (a string may be wanted
    /// where it is), or YAML 1.1 reads it differently.
    pub fn worth_keeping(&self) -> bool {
        self.ambiguous() || !matches!(self.core, Scalar::Str | Scalar::Null)
    }

    /// Whether this scalar deserves a warning wherever it is.
    fn ambiguous(&self) -> bool {
        if self.key {
            // Keys are taken as written; other tools turn the key they read back into text.
            let text = |s: Scalar| key_text(s).is_some_and(|t| t != self.spelling);
            return text(self.core) || text(self.yaml11);
        }
        !same(self.yaml11, self.core) || self.lossy()
    }

    /// An integer JSON cannot hold exactly.
    fn lossy(&self) -> bool {
        matches!(self.core, Scalar::Int(i) if i64::try_from(i).is_err() && u64::try_from(i).is_err())
    }
}

/// The text a YAML-to-JSON converter makes of a key it read as `s` (`None`: kept as written).
fn key_text(s: Scalar) -> Option<String> {
    match s {
        Scalar::Null => Some("null".into()),
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::Int(i) => Some(i.to_string()),
        Scalar::Float(f) => Some(f.to_string()),
        Scalar::Str => None,
    }
}

fn same(a: Scalar, b: Scalar) -> bool {
    match (a, b) {
        (Scalar::Float(x), Scalar::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

/// The YAML 1.2 core schema reading of a plain scalar's text (YAML 1.2.2, section 10.3.2).
pub fn core(s: &str) -> Scalar {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        _ => {}
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return radix(hex, 16, |c| c.is_ascii_hexdigit());
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return radix(oct, 8, |c| matches!(c, '0'..='7'));
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<i128>() {
            Ok(i) => Scalar::Int(i),
            Err(_) => s.parse().map_or(Scalar::Str, Scalar::Float),
        };
    }
    if core_float(digits) {
        return s.parse().map_or(Scalar::Str, Scalar::Float);
    }
    Scalar::Str
}

fn radix(digits: &str, base: u32, ok: impl Fn(char) -> bool) -> Scalar {
    if digits.is_empty() || !digits.chars().all(ok) {
        return Scalar::Str;
    }
    i128::from_str_radix(digits, base).map_or(Scalar::Str, Scalar::Int)
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the sign already removed.
fn core_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(f) => digits(int) && digits(f) && (!int.is_empty() || !f.is_empty()),
        None => !int.is_empty() && digits(int),
    };
    exp_ok && mantissa_ok
}

/// The YAML 1.1 reading of a plain scalar's text (the yaml.org type repository: bool, int, float,
/// null). Timestamps are left out: they become strings in JSON either way.
pub fn yaml11(s: &str) -> Scalar {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Scalar::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Scalar::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        _ => {}
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let signed = |i: i128| Scalar::Int(if neg { -i } else { i });
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    let int = |digits: &str, base: u32| i128::from_str_radix(digits, base).ok().map(signed);
    let found = if let Some(b) = body.strip_prefix("0b") {
        let ok = !b.is_empty() && b.chars().all(|c| matches!(c, '0' | '1' | '_'));
        ok.then(|| int(&clean[2..], 2)).flatten()
    } else if let Some(h) = body.strip_prefix("0x") {
        let ok = !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
        ok.then(|| int(&clean[2..], 16)).flatten()
    } else if body == "0" {
        Some(Scalar::Int(0))
    } else if body.len() > 1
        && body.starts_with('0')
        && body.chars().all(|c| matches!(c, '0'..='7' | '_'))
    {
        int(&clean[1..], 8)
    } else if body.starts_with(['1', '2', '3', '4', '5', '6', '7', '8', '9'])
        && body.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        int(&clean, 10)
    } else if body.starts_with(['1', '2', '3', '4', '5', '6', '7', '8', '9']) && body.contains(':')
    {
        sexagesimal(body).map(|v| {
            if v.fract() == 0.0 && !body.contains('.') {
                signed(v as i128)
            } else {
                Scalar::Float(if neg { -v } else { v })
            }
        })
    } else if body.contains('.') && yaml11_float(body) {
        clean
            .parse::<f64>()
            .ok()
            .map(|v| Scalar::Float(if neg { -v } else { v }))
    } else {
        None
    };
    found.unwrap_or(Scalar::Str)
}

/// `([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?`, the sign already removed.
fn yaml11_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let exp_ok = exp.is_none_or(|e| {
        e.strip_prefix(['-', '+'])
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    });
    let Some((int, frac)) = mantissa.split_once('.') else {
        return false;
    };
    let int_ok = int.is_empty()
        || (int.starts_with(|c: char| c.is_ascii_digit())
            && int.chars().all(|c| c.is_ascii_digit() || c == '_'));
    exp_ok && int_ok && frac.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// `[1-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`: base 60, as in `1:20` (80) or `1:20.5`.
fn sexagesimal(s: &str) -> Option<f64> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let mut parts = whole.split(':');
    let first = parts.next()?.replace('_', "");
    let mut value: f64 = first.parse::<u64>().ok()? as f64;
    let mut any = false;
    for p in parts {
        let ok = (1..=2).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || p.as_bytes()[0] <= b'5');
        if !ok {
            return None;
        }
        value = value * 60.0 + p.parse::<u64>().ok()? as f64;
        any = true;
    }
    if let Some(f) = frac {
        if !f.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return None;
        }
        let f: String = f.chars().filter(|c| *c != '_').collect();
        if !f.is_empty() {
            value += format!("0.{f}").parse::<f64>().ok()?;
        }
    }
    any.then_some(value)
}

/// Whether a plain scalar needs a closer look: a number, a boolean or null under YAML 1.1 or
/// 1.2. Quick enough to run on every scalar before its spelling is read from the source.
pub fn interesting(s: &str) -> bool {
    !matches!(core(s), Scalar::Str) || !matches!(yaml11(s), Scalar::Str)
}

/// The JSON value of a plain scalar: its YAML 1.2 core reading. `None` for a non-finite float,
/// which JSON cannot hold (the parser refuses those before this is reached).
pub fn resolve(spelling: &str) -> Option<Value> {
    Some(match core(spelling) {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => match (i64::try_from(i), u64::try_from(i)) {
            (Ok(v), _) => Value::from(v),
            (_, Ok(v)) => Value::from(v),
            _ => Value::Number(serde_json::Number::from_f64(i as f64)?),
        },
        Scalar::Float(f) => Value::Number(serde_json::Number::from_f64(f)?),
        Scalar::Str => Value::String(spelling.to_owned()),
    })
}

/// The plain scalar written at the start of `rest` (a value or key, up to `: `, ` #`, a flow
/// indicator or the end of the line), or `None` when the node there is not plain (quoted, block,
/// tagged, anchored or an alias).
pub fn spelling_at(rest: &str) -> Option<&str> {
    let first = rest.chars().next()?;
    if matches!(
        first,
        '"' | '\'' | '|' | '>' | '!' | '&' | '*' | '[' | '{' | '#' | '\n' | '\r'
    ) {
        return None;
    }
    let line = rest.lines().next().unwrap_or("");
    let mut end = line.len();
    for (i, c) in line.char_indices() {
        let next = line[i + c.len_utf8()..].chars().next();
        let stop = match c {
            ',' | '[' | ']' | '{' | '}' => true,
            ':' => next.is_none_or(char::is_whitespace),
            ' ' | '\t' => next.is_none_or(|n| n == '#'),
            _ => false,
        };
        if stop {
            end = i;
            break;
        }
    }
    Some(line[..end].trim_end())
}

fn describe(s: Scalar) -> String {
    match s {
        Scalar::Null => "null".into(),
        Scalar::Bool(b) => format!("the boolean `{b}`"),
        Scalar::Int(i) => format!("the number {i}"),
        Scalar::Float(f) => format!("the number {f}"),
        Scalar::Str => "a string".into(),
    }
}

/// The YAML 1.2 spelling of a reading, for "or `false` for the boolean".
fn plain_spelling(s: Scalar) -> Option<String> {
    match s {
        Scalar::Bool(b) => Some(format!("`{b}` for the boolean")),
        Scalar::Int(i) => Some(format!("`{i}` for the number")),
        Scalar::Float(f) if f.is_finite() => Some(format!("`{f}` for the number")),
        _ => None,
    }
}

/// A quoted spelling, as the user would write it, in backticks.
fn quoted(s: &str) -> String {
    let q = serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""));
    format!("`{q}`")
}

/// One warning per plain scalar whose meaning depends on the YAML version, or which cannot be
/// kept exactly as a number.
pub fn warnings(path: &Path, plain: &[PlainScalar]) -> Vec<Diagnostic> {
    plain
        .iter()
        .filter(|p| p.ambiguous())
        .map(|p| warning(path, p))
        .collect()
}

fn warning(path: &Path, p: &PlainScalar) -> Diagnostic {
    let q = quoted(&p.spelling);
    let s = &p.spelling;
    let (message, hint) = if p.key {
        let readings: Vec<String> = [("1.2", p.core), ("1.1", p.yaml11)]
            .into_iter()
            .filter_map(|(v, r)| key_text(r).map(|t| format!("`{t}` (YAML {v})")))
            .collect();
        (
            format!(
                "key `{s}` is taken as written, but YAML tools turn it into {}",
                readings.join(" or ")
            ),
            format!("write {q} so that every YAML tool reads the same key"),
        )
    } else if p.lossy() {
        (
            format!("`{s}` is too large to be kept exactly as a number"),
            format!("write {q} to keep it a string"),
        )
    } else {
        let reading = match p.core {
            Scalar::Str => format!("the string {}", q.trim_matches('`')),
            other => describe(other),
        };
        let or = match p.core {
            Scalar::Str => plain_spelling(p.yaml11).map(|o| format!(", or {o}")),
            _ => plain_spelling(p.core).map(|o| format!(", or {o}")),
        };
        (
            format!(
                "`{s}` is {reading} (YAML 1.2), but YAML 1.1 tools read it as {}",
                describe(p.yaml11)
            ),
            format!("write {q} to keep it a string{}", or.unwrap_or_default()),
        )
    };
    Diagnostic::warning(Code::PlainScalar, message)
        .at(path, p.pointer.clone(), Some(p.pos))
        .with_width(p.spelling.chars().count())
        .with_hint(hint)
}

/// Where the schema found a type error on a plain scalar read as a number or a boolean, and the
/// scalar's spelling as a string satisfies the schema there: keeps the spelling (what a typed
/// YAML reader does for a string field) and replaces the error with a warning. Returns the
/// findings left; the warnings (replacing any [`warnings`] already given for the same scalar) go
/// to `diags`.
pub fn coerce(
    findings: Vec<Finding>,
    value: &mut Value,
    file: &SourceFile,
    check: impl Fn(&Value) -> Vec<Finding>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Finding> {
    let candidates: Vec<&PlainScalar> = file
        .index
        .plain()
        .iter()
        .filter(|p| !p.key && !matches!(p.core, Scalar::Str | Scalar::Null))
        .filter(|p| {
            findings
                .iter()
                .any(|f| f.diag.code == Code::Type && f.pointer == p.pointer)
        })
        .collect();
    if candidates.is_empty() {
        return findings;
    }
    let mut trial = value.clone();
    for p in &candidates {
        if let Some(v) = trial.pointer_mut(&p.pointer) {
            *v = Value::String(p.spelling.clone());
        }
    }
    let again = check(&trial);
    let below =
        |f: &Finding, ptr: &str| f.pointer == ptr || f.pointer.starts_with(&format!("{ptr}/"));
    let mut kept = Vec::new();
    for p in candidates {
        if again.iter().any(|f| below(f, &p.pointer)) {
            continue;
        }
        if let Some(v) = value.pointer_mut(&p.pointer) {
            *v = Value::String(p.spelling.clone());
        }
        kept.push(p);
    }
    let mut out = findings;
    out.retain(|f| !(f.diag.code == Code::Type && kept.iter().any(|p| p.pointer == f.pointer)));
    for p in kept {
        diags.retain(|d| {
            !(d.code == Code::PlainScalar && d.pointer == p.pointer && d.file == file.path)
        });
        let q = quoted(&p.spelling);
        let msg = format!(
            "`{}` is read as the string {} because a string is expected here, but YAML reads it as {}",
            p.spelling,
            q.trim_matches('`'),
            describe(p.core)
        );
        diags.push(
            Diagnostic::warning(Code::PlainScalar, msg)
                .at(&file.path, p.pointer.clone(), Some(p.pos))
                .with_width(p.spelling.chars().count())
                .with_hint(format!("write {q} so that every YAML tool reads a string")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_readings() {
        for (s, want) in [
            ("NO", Scalar::Str),
            ("yes", Scalar::Str),
            ("on", Scalar::Str),
            ("y", Scalar::Str),
            ("tRue", Scalar::Str),
            ("True", Scalar::Bool(true)),
            ("FALSE", Scalar::Bool(false)),
            ("012345", Scalar::Int(12345)),
            ("0x1F", Scalar::Int(31)),
            ("0o17", Scalar::Int(15)),
            ("1_000", Scalar::Str),
            ("0b101", Scalar::Str),
            ("1:20", Scalar::Str),
            ("-12", Scalar::Int(-12)),
            ("1e3", Scalar::Float(1000.0)),
            ("1.", Scalar::Float(1.0)),
            (".5", Scalar::Float(0.5)),
            ("4.17.21", Scalar::Str),
            ("~", Scalar::Null),
        ] {
            assert_eq!(core(s), want, "{s}");
        }
    }

    #[test]
    fn yaml11_readings() {
        for (s, want) in [
            ("NO", Scalar::Bool(false)),
            ("yes", Scalar::Bool(true)),
            ("on", Scalar::Bool(true)),
            ("off", Scalar::Bool(false)),
            ("012345", Scalar::Int(0o12345)),
            ("0x1F", Scalar::Int(31)),
            ("0o17", Scalar::Str),
            ("1_000", Scalar::Int(1000)),
            ("0b101", Scalar::Int(5)),
            ("1:20", Scalar::Int(80)),
            ("08", Scalar::Str),
            ("1e3", Scalar::Str),
            ("1.5", Scalar::Float(1.5)),
            ("4.17.21", Scalar::Str),
            ("12", Scalar::Int(12)),
        ] {
            assert_eq!(yaml11(s), want, "{s}");
        }
    }

    #[test]
    fn spelling_stops_where_the_scalar_does() {
        assert_eq!(spelling_at("012, 3]"), Some("012"));
        assert_eq!(spelling_at("NO # country"), Some("NO"));
        assert_eq!(spelling_at("1:20\nb: 2"), Some("1:20"));
        assert_eq!(spelling_at("yes: x"), Some("yes"));
        assert_eq!(spelling_at("\"NO\""), None);
        assert_eq!(spelling_at("!!str 1"), None);
    }
}
