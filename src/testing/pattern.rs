//! URL and key patterns of test expectations: `*` matches any run of characters.

/// Whether `text` matches `pattern`, where `*` stands for any (possibly empty) run of characters
/// and every other character stands for itself.
pub fn matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_match_any_run() {
        assert!(matches("https://a.example/*", "https://a.example/x?y=1"));
        assert!(matches("https://a.example/*", "https://a.example/"));
        assert!(matches("*", ""));
        assert!(matches("loginflow:m2m:*", "loginflow:m2m:0123"));
        assert!(matches("a*b*c", "a-b-b-c"));
        assert!(!matches("a*b*c", "a-c"));
        assert!(!matches("ab*ba", "aba"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exact2"));
    }
}
