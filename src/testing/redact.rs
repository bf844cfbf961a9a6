//! Keeps test secret values out of everything `loginflow test` prints: verbatim, JSON-escaped,
//! and in the forms code commonly turns a secret into before it ends up in a log line, a header
//! or a claim — upper or lower case (any mix, for ASCII), URL-encoded (`encodeURIComponent`,
//! form encoding), hex, and base64 (standard and URL-safe, with or without padding, also when the
//! secret is encoded inside a longer string such as `user:secret` of Basic auth).

/// What replaces a secret value in output.
pub const REDACTED: &str = "[redacted]";

/// Shortest encoded run (in characters) of a secret inside a longer base64 text that is
/// redacted; shorter runs would match ordinary text by chance.
const MIN_BASE64_RUN: usize = 8;

/// Replaces the values of a case's secrets in text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole. Each needle says
    /// whether it matches regardless of ASCII case.
    needles: Vec<(String, bool)>,
}

impl Redactor {
    /// A redactor for these secret values (empty values are ignored).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a String>) -> Self {
        let mut needles: Vec<(String, bool)> = Vec::new();
        for v in values.into_iter().filter(|v| !v.is_empty()) {
            let mut forms = vec![v.clone(), v.to_uppercase(), v.to_lowercase()];
            forms.push(json_inner(v));
            forms.push(url_encode(v, false));
            forms.push(url_encode(v, true));
            for f in forms {
                if !f.is_empty() {
                    needles.push((f, true));
                }
            }
            needles.push((hex(v.as_bytes()), true));
            for b64 in base64_forms(v.as_bytes()) {
                needles.push((b64, false));
            }
        }
        needles.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Redactor { needles }
    }

    /// `text` with every form of every secret value replaced by [`REDACTED`].
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (needle, any_case) in &self.needles {
            out = if *any_case {
                replace_ascii_case_insensitive(&out, needle)
            } else {
                out.replace(needle.as_str(), REDACTED)
            };
        }
        out
    }
}

/// The value as it appears inside a JSON string (quotes, backslashes, control characters).
fn json_inner(v: &str) -> String {
    let escaped = serde_json::to_string(v).unwrap_or_default();
    escaped
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// Percent-encoding as `encodeURIComponent` does it, or as HTML forms do (space as `+`).
fn url_encode(v: &str, form: bool) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b'!' | b'\'' | b'(' | b')' | b'*' if !form => out.push(b as char),
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 without padding.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(STANDARD[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The base64 text of a secret: whole (with and without padding), and at each of the three byte
/// alignments it can have inside a longer string, the characters that depend on the secret
/// alone. Each also in the URL-safe alphabet.
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    let mut forms = Vec::new();
    let whole = base64(bytes);
    let pad = "=".repeat((4 - whole.len() % 4) % 4);
    forms.push(format!("{whole}{pad}"));
    forms.push(whole);
    for shift in 0..3usize {
        let mut padded = vec![0u8; shift];
        padded.extend_from_slice(bytes);
        // Characters before `skip` mix in the preceding bytes; the last group, the following.
        let skip = (shift * 8).div_ceil(6);
        let full = (shift + bytes.len()) / 3 * 4;
        let enc = base64(&padded);
        if let Some(run) = enc.get(skip..full)
            && run.len() >= MIN_BASE64_RUN
        {
            forms.push(run.to_owned());
        }
    }
    let url_safe: Vec<String> = forms
        .iter()
        .map(|f| f.replace('+', "-").replace('/', "_"))
        .collect();
    forms.extend(url_safe);
    forms.retain(|f| !f.is_empty());
    forms
}

/// Replaces every occurrence of `needle` in `text`, ignoring ASCII case.
fn replace_ascii_case_insensitive(text: &str, needle: &str) -> String {
    let lower_text = text.to_ascii_lowercase();
    let lower_needle = needle.to_ascii_lowercase();
    if !lower_text.contains(&lower_needle) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    // ASCII lower-casing keeps byte offsets, so matches in `lower_text` are offsets in `text`.
    for (i, _) in lower_text.match_indices(&lower_needle) {
        if i < last {
            continue;
        }
        out.push_str(&text[last..i]);
        out.push_str(REDACTED);
        last = i + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_and_json_escaped_values_are_replaced() {
        let secrets = ["s3cret".to_owned(), "a\"b".to_owned(), String::new()];
        let r = Redactor::new(secrets.iter());
        assert_eq!(r.apply("Bearer s3cret"), "Bearer [redacted]");
        assert_eq!(r.apply(r#"{"k":"a\"b"}"#), r#"{"k":"[redacted]"}"#);
        assert_eq!(r.apply("nothing here"), "nothing here");
    }

    #[test]
    fn transformed_values_are_replaced() {
        let secret = "sk-Test/41f0+c9 d2?".to_owned();
        let r = Redactor::new([&secret]);
        let encoded = |prefix: &str| base64(format!("{prefix}{secret}").as_bytes());
        for shown in [
            secret.to_uppercase(),
            secret.to_lowercase(),
            "sK-tEsT/41F0+C9 D2?".to_owned(),
            url_encode(&secret, false),
            url_encode(&secret, false).to_lowercase(),
            url_encode(&secret, true),
            hex(secret.as_bytes()),
            hex(secret.as_bytes()).to_uppercase(),
            base64(secret.as_bytes()),
            encoded("user:"),
            encoded("x"),
            encoded("xy"),
            encoded("xy").replace('+', "-").replace('/', "_"),
        ] {
            let out = r.apply(&format!("got <{shown}>"));
            assert!(out.contains(REDACTED), "{shown} -> {out}");
            assert!(
                !out.contains("41f0") && !out.contains("41F0"),
                "{shown} -> {out}"
            );
        }
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE");
        assert_eq!(base64(b"M"), "TQ");
    }
}
