//! The asynchronous build state machine, computed lazily from timestamps rather than by timers:
//! a GET at time `t` shows the phase the build is in at `t`. Nothing needs waking up, and a
//! restarted emulator resumes builds where they were.
//!
//! Phases (fractions of the build time): a build that succeeds is `pending` for the first
//! quarter, then `building`, then `built`. A failing build is `pending`, `building`, `retrying`,
//! `building` (a fifth each), then `failed`, as recorded for an unresolvable dependency.

use super::clock::Nanos;
use super::model::{Build, Dependency};

/// The status Auth0 reports for a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Pending,
    Building,
    Retrying,
    Built,
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Building => "building",
            Phase::Retrying => "retrying",
            Phase::Built => "built",
            Phase::Failed => "failed",
        }
    }
}

/// The moment a build ends.
pub fn end(b: &Build) -> Nanos {
    b.started
        .saturating_add(b.duration_ms.saturating_mul(1_000_000))
}

/// The phase of build `b` at time `now`.
pub fn phase(b: &Build, now: Nanos) -> Phase {
    let total = b.duration_ms.saturating_mul(1_000_000);
    let elapsed = now.saturating_sub(b.started);
    if elapsed >= total {
        return if b.fails { Phase::Failed } else { Phase::Built };
    }
    let fifth = total / 5;
    if b.fails {
        match elapsed / fifth.max(1) {
            0 => Phase::Pending,
            1 | 3 => Phase::Building,
            _ => Phase::Retrying,
        }
    } else if elapsed < total / 4 {
        Phase::Pending
    } else {
        Phase::Building
    }
}

/// Node.js core modules: npm has only placeholder packages under these names, and the recorded
/// build with `crypto@17.7.1` failed.
const NODE_CORE: &[&str] = &[
    "assert",
    "buffer",
    "child_process",
    "cluster",
    "crypto",
    "dgram",
    "dns",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "net",
    "os",
    "path",
    "querystring",
    "readline",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "worker_threads",
    "zlib",
];

/// Whether npm could not resolve this dependency: a core-module name, a malformed package name,
/// or a version that is not `MAJOR.MINOR.PATCH[-pre]` (nor `latest`).
pub fn is_bad_dependency(dep: &Dependency) -> bool {
    let name_ok = !dep.name.is_empty()
        && dep.name.len() <= 214
        && dep
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._@/~".contains(c));
    !name_ok || NODE_CORE.contains(&dep.name.as_str()) || !is_version(&dep.version)
}

fn is_version(v: &str) -> bool {
    if v == "latest" {
        return true;
    }
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(name: &str, version: &str) -> Dependency {
        Dependency {
            name: name.into(),
            version: version.into(),
            registry_url: None,
        }
    }

    #[test]
    fn phases_follow_time() {
        let b = Build {
            started: 0,
            duration_ms: 100,
            fails: false,
        };
        assert_eq!(phase(&b, 0), Phase::Pending);
        assert_eq!(phase(&b, 50_000_000), Phase::Building);
        assert_eq!(phase(&b, 100_000_000), Phase::Built);
        let f = Build { fails: true, ..b };
        assert_eq!(phase(&f, 50_000_000), Phase::Retrying);
        assert_eq!(phase(&f, 70_000_000), Phase::Building);
        assert_eq!(phase(&f, 100_000_000), Phase::Failed);
        let instant = Build {
            duration_ms: 0,
            ..b
        };
        assert_eq!(phase(&instant, 0), Phase::Built);
    }

    #[test]
    fn bad_dependencies() {
        assert!(is_bad_dependency(&dep("crypto", "17.7.1")));
        assert!(is_bad_dependency(&dep("lodash", "not-a-version")));
        assert!(is_bad_dependency(&dep("Bad Name", "1.0.0")));
        assert!(!is_bad_dependency(&dep("lodash", "4.17.21")));
        assert!(!is_bad_dependency(&dep("@auth0/x", "1.0.0-beta.1")));
    }
}
