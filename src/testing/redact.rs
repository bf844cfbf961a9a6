//! Keeps test secret values out of everything `loginflow test` prints.

/// What replaces a secret value in output.
pub const REDACTED: &str = "[redacted]";

/// Replaces the values of a case's secrets in text, raw and JSON-escaped.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    needles: Vec<String>,
}

impl Redactor {
    /// A redactor for these secret values (empty values are ignored).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a String>) -> Self {
        let mut needles: Vec<String> = Vec::new();
        for v in values.into_iter().filter(|v| !v.is_empty()) {
            needles.push(v.clone());
            // As it appears inside JSON text (quotes, backslashes, control characters).
            let escaped = serde_json::to_string(v).unwrap_or_default();
            let inner = escaped
                .strip_prefix('"')
                .and_then(|e| e.strip_suffix('"'))
                .unwrap_or_default();
            if !inner.is_empty() && inner != v {
                needles.push(inner.to_owned());
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        Redactor { needles }
    }

    /// `text` with every secret value replaced by [`REDACTED`].
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), REDACTED);
            }
        }
        out
    }
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
}
