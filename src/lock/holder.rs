//! Who holds a tenant lock, written into the lock action's code and read back from it; and the
//! durations (`15m`, `30s`, `0`) of `tenant.lock_ttl`, `--lock-ttl` and `--lock-timeout`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The line of the lock action's code that carries the holder as JSON.
const HOLDER_PREFIX: &str = "// holder: ";

/// The holder of a tenant lock: which run, where, since when, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    /// The commit being applied, when known (`GITHUB_SHA`, `CI_COMMIT_SHA`, `git rev-parse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The tenant file, as the holder named it.
    #[serde(default)]
    pub file: String,
    pub acquired_at: String,
    pub expires_at: String,
    pub acquired_unix: u64,
    pub expires_unix: u64,
    /// Unique per acquisition: tells our own lock from another's after an ambiguous create.
    pub token: String,
}

impl Holder {
    /// This process, taking a lock for `ttl` on behalf of `file`.
    pub fn this_process(file: &str, dir: &std::path::Path, ttl: Duration) -> Holder {
        let now = unix_now();
        let expires = now.saturating_add(ttl.as_secs().max(1));
        let host = hostname();
        let pid = std::process::id();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let token = {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(format!("{host}\0{pid}\0{nanos}\0{file}"));
            digest[..12].iter().map(|b| format!("{b:02x}")).collect()
        };
        Holder {
            host,
            pid,
            commit: commit(dir),
            file: file.to_string(),
            acquired_at: rfc3339(now),
            expires_at: rfc3339(expires),
            acquired_unix: now,
            expires_unix: expires,
            token,
        }
    }

    /// The code of the lock action: a comment for people who find it in the dashboard, the
    /// holder as JSON, and a handler that does nothing (it is never deployed nor bound).
    pub fn code(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!(
            "// loginflow apply lock: a `loginflow apply` is changing this tenant ({who}).\n\
             // It is never deployed or bound, is deleted when that apply ends, and expires at {exp}.\n\
             // If that run is gone: `loginflow unlock {file} --force`.\n\
             {HOLDER_PREFIX}{json}\n\
             exports.onExecutePostLogin = async () => {{}};\n",
            who = self.who(),
            exp = self.expires_at,
            file = if self.file.is_empty() {
                "FILE"
            } else {
                &self.file
            },
        )
    }

    /// Reads the holder back from a lock action's code; `None` when it is not ours to read.
    pub fn parse(code: &str) -> Option<Holder> {
        let line = code.lines().find_map(|l| l.strip_prefix(HOLDER_PREFIX))?;
        serde_json::from_str(line).ok()
    }

    /// `host ci-7, pid 4242, commit 0a1b2c3d4e5f`.
    pub fn who(&self) -> String {
        let mut s = format!("host {}, pid {}", self.host, self.pid);
        if let Some(c) = &self.commit {
            s.push_str(&format!(
                ", commit {}",
                c.chars().take(12).collect::<String>()
            ));
        }
        if !self.file.is_empty() {
            s.push_str(&format!(", file {}", self.file));
        }
        s
    }

    /// Whether it has expired at `now` (seconds since the epoch).
    pub fn expired(&self, now: u64) -> bool {
        now >= self.expires_unix
    }

    /// `host ci-7, pid 4242 (taken 2m10s ago, expires in 12m50s)`.
    pub fn describe(&self, now: u64) -> String {
        let age = human(Duration::from_secs(now.saturating_sub(self.acquired_unix)));
        let expiry = if self.expired(now) {
            format!(
                "expired {} ago",
                human(Duration::from_secs(now - self.expires_unix))
            )
        } else {
            format!(
                "expires in {}",
                human(Duration::from_secs(self.expires_unix - now))
            )
        };
        format!("{} (taken {age} ago, {expiry})", self.who())
    }
}

/// Seconds since the epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn hostname() -> String {
    let from_file = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string());
    from_file
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// The commit being applied: CI's variable, else `git rev-parse HEAD` in the tenant's folder.
fn commit(dir: &std::path::Path) -> Option<String> {
    let valid = |s: String| {
        let s = s.trim().to_string();
        (!s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_hexdigit())).then_some(s)
    };
    for var in ["GITHUB_SHA", "CI_COMMIT_SHA"] {
        if let Some(sha) = std::env::var(var).ok().and_then(valid) {
            return Some(sha);
        }
    }
    let dir = if dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        dir
    };
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .and_then(valid)
}

/// `2026-05-29T10:45:58Z` from seconds since the epoch (UTC), by the emulator's formatter
/// (the one Auth0's timestamps are written with) without its fraction.
pub fn rfc3339(unix: u64) -> String {
    let full = loginflow_emulator::clock::rfc3339(unix.saturating_mul(1_000_000_000));
    match full.split_once('.') {
        Some((secs, _)) => format!("{secs}Z"),
        None => full,
    }
}

/// `0`, `500ms`, `30s`, `15m`, `2h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let (n, unit) = s.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration: use e.g. `0`, `30s`, `5m`, `1h`"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => {
            return Err(format!(
                "`{s}` is not a duration: use a number with `ms`, `s`, `m` or `h` (e.g. `5m`), or `0`"
            ));
        }
    };
    Ok(d)
}

/// `2h5m`, `12m50s`, `3s`, `0s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_780_051_558), "2026-05-29T10:45:58Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("5").is_err() && parse_duration("m").is_err());
        assert_eq!(human(Duration::from_secs(770)), "12m50s");
        assert_eq!(human(Duration::from_secs(3)), "3s");
    }

    #[test]
    fn the_holder_round_trips_through_the_code() {
        let h = Holder::this_process(
            "tenants/prod.yaml",
            std::path::Path::new("/"),
            Duration::from_secs(60),
        );
        let back = Holder::parse(&h.code()).unwrap();
        assert_eq!(back, h);
        assert!(!h.expired(h.acquired_unix) && h.expired(h.expires_unix));
        assert!(h.describe(h.acquired_unix).contains("expires in 1m"));
        assert_eq!(Holder::parse("exports.x = 1;"), None);
    }
}
