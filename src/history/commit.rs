//! The git commit an apply records: `--commit SHA`, else `GITHUB_SHA` or `CI_COMMIT_SHA`, else
//! `git rev-parse HEAD` in the tenant file's folder when it is in a git work tree. Best effort:
//! anything that does not look like a commit id is left out, and nothing here fails.

use std::path::Path;
use std::process::{Command, Stdio};

/// The commit to record, if one is known.
pub fn resolve(flag: Option<&str>, tenant_file: &Path) -> Option<String> {
    if let Some(given) = flag {
        if looks_like_commit(given) {
            return Some(given.trim().to_ascii_lowercase());
        }
        crate::output::status(&format!(
            "warning: `--commit {given}` is not a commit id (4 to 64 hex digits); not recorded"
        ));
        return None;
    }
    for var in ["GITHUB_SHA", "CI_COMMIT_SHA"] {
        if let Ok(v) = std::env::var(var)
            && looks_like_commit(&v)
        {
            return Some(v.trim().to_ascii_lowercase());
        }
    }
    let dir = match tenant_file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && looks_like_commit(&text)).then(|| text.trim().to_owned())
}

fn looks_like_commit(text: &str) -> bool {
    let t = text.trim();
    (4..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_wins_and_junk_is_dropped() {
        let here = Path::new("tenant.yaml");
        assert_eq!(resolve(Some("ABC123"), here).as_deref(), Some("abc123"));
        assert_eq!(resolve(Some("not a sha"), here), None);
        assert!(!looks_like_commit("abc\n// x"));
    }
}
