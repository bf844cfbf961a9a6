//! Fault injection: what can go wrong on purpose, so clients' retry paths get exercised.
//!
//! `--faults SPEC` is a comma-separated list of `key=value` items:
//!
//! | item | effect |
//! |---|---|
//! | `429=N` | the next N API requests answer 429 with the recorded body (a burst) |
//! | `5xx=F` | a fraction F (0..=1) of API requests answer 503 |
//! | `500=F` | a fraction F answer 500 instead |
//! | `drop=F` | a fraction F of API requests have their connection closed without a response |
//! | `latency=MS` | every API request waits MS more milliseconds |
//! | `fail-builds=F` | a fraction F of builds end `failed` (besides bad dependencies) |
//! | `slow-builds=MS` | every build takes MS more milliseconds |
//! | `deny-scope=SCOPE` | every API request (not the token exchange) with a valid token answers 403 `insufficient_scope` naming SCOPE, as a token granted without it would |
//!
//! Fractions are applied deterministically, not randomly: with `F = 0.25` exactly every fourth
//! request is hit, so tests can count. `/__emulator/*` requests are never faulted. Example:
//! `429=3,5xx=0.1,drop=0.05,latency=20,fail-builds=0.5,slow-builds=2000`.

use std::str::FromStr;

/// The faults to inject. `Default` injects none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// Answer 429 to this many upcoming API requests.
    pub burst_429: u32,
    /// Fraction of requests answered 503.
    pub error_503: f64,
    /// Fraction of requests answered 500.
    pub error_500: f64,
    /// Fraction of requests whose connection is dropped.
    pub drop: f64,
    /// Extra latency per request, in milliseconds.
    pub latency_ms: u64,
    /// Fraction of builds that fail.
    pub fail_builds: f64,
    /// Extra build time, in milliseconds.
    pub slow_builds_ms: u64,
    /// Answer authenticated API requests 403 `insufficient_scope`, naming this scope.
    pub deny_scope: Option<String>,
}

impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("fault `{item}`: expected key=value"))?;
            let frac = || parse_fraction(key, value);
            let int = || {
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("fault `{key}`: `{value}` is not a whole number"))
            };
            match key.trim() {
                "429" => spec.burst_429 = u32::try_from(int()?).unwrap_or(u32::MAX),
                "5xx" | "503" => spec.error_503 = frac()?,
                "500" => spec.error_500 = frac()?,
                "drop" => spec.drop = frac()?,
                "latency" => spec.latency_ms = int()?,
                "fail-builds" => spec.fail_builds = frac()?,
                "slow-builds" => spec.slow_builds_ms = int()?,
                "deny-scope" => spec.deny_scope = Some(value.trim().to_string()),
                other => {
                    return Err(format!(
                        "unknown fault `{other}` (known: 429, 5xx, 500, drop, latency, fail-builds, slow-builds, deny-scope)"
                    ));
                }
            }
        }
        Ok(spec)
    }
}

fn parse_fraction(key: &str, value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "fault `{key}`: `{value}` is not a fraction between 0 and 1"
        )),
    }
}

/// True when the `n`-th event (1-based) is hit by fraction `f`: spreads hits evenly, so that
/// exactly `floor(n * f)` of the first `n` events are hit.
pub fn hits(f: f64, n: u64) -> bool {
    if f <= 0.0 || n == 0 {
        return false;
    }
    let now = (n as f64 * f).floor();
    let before = ((n - 1) as f64 * f).floor();
    now > before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_spec() {
        let spec: FaultSpec =
            "429=3, 5xx=0.1,drop=0.05,latency=20,fail-builds=0.5,slow-builds=2000"
                .parse()
                .unwrap_or_default();
        assert_eq!(spec.burst_429, 3);
        assert_eq!(spec.error_503, 0.1);
        assert_eq!(spec.drop, 0.05);
        assert_eq!(spec.latency_ms, 20);
        assert_eq!(spec.fail_builds, 0.5);
        assert_eq!(spec.slow_builds_ms, 2000);
        assert!("nope=1".parse::<FaultSpec>().is_err());
        assert!("5xx=2".parse::<FaultSpec>().is_err());
        assert_eq!("".parse::<FaultSpec>(), Ok(FaultSpec::default()));
    }

    #[test]
    fn fractions_hit_evenly() {
        let hit: Vec<u64> = (1..=8).filter(|&n| hits(0.25, n)).collect();
        assert_eq!(hit, vec![4, 8]);
        assert!((1..=10).all(|n| hits(1.0, n)));
        assert!(!(1..=10).any(|n| hits(0.0, n)));
    }
}
