//! Fault injection: what can go wrong on purpose, so clients' retry paths get exercised.
//!
//! `--faults SPEC` is a comma-separated list of `key=value` items:
//!
//! | item | effect |
//! |---|---|
//! | `429=N` | the next N API requests answer 429 with the recorded body (a burst) |
//! | `5xx=F` | each API request answers 503 with probability F (0..=1), before it is applied |
//! | `500=F` | the same with 500 |
//! | `drop=F` | each API request has its connection closed without a response with probability F, before it is applied |
//! | `5xx-after=F` | each API request is applied, then answered 503 instead, with probability F: the write happened but its answer was lost |
//! | `drop-after=F` | each API request is applied, then its connection closed without a response, with probability F |
//! | `seed=N` | the seed of the random draws (a whole number) |
//! | `latency=MS` | every API request waits MS more milliseconds |
//! | `fail-builds=F` | a fraction F of builds end `failed` (besides bad dependencies), deterministically: every 1/F-th build |
//! | `slow-builds=MS` | every build takes MS more milliseconds |
//! | `deny-scope=SCOPE` | every API request (not the token exchange) with a valid token answers 403 `insufficient_scope` naming SCOPE, as a token granted without it would |
//!
//! Each API request draws one random number from a generator seeded with `seed` (or, without
//! one, a seed picked at random when the emulator starts), so request faults are random but
//! replayable: the seed in effect is answered by `PUT /__emulator/faults` (`{"seed": N}`),
//! returned by [`crate::Emulator::fault_seed`] and printed by `loginflow emulator`; a client
//! that sends the same requests in the same order to an emulator started with that seed meets
//! the same faults. Replacing the spec without a seed, or with the seed in effect, continues the
//! same sequence; a new seed restarts it. The probabilities of the five request faults add up
//! (at most one fault per request). `/__emulator/*` requests are never faulted. Example:
//! `429=3,5xx=0.1,drop=0.05,drop-after=0.05,seed=42,latency=20,fail-builds=0.5,slow-builds=2000`.

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
    /// Fraction of requests applied, then answered 503.
    pub error_503_after: f64,
    /// Fraction of requests applied, then dropped without an answer.
    pub drop_after: f64,
    /// Seed of the random draws; `None` keeps the sequence in effect (or picks a seed at start).
    pub seed: Option<u64>,
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
                "5xx-after" | "503-after" => spec.error_503_after = frac()?,
                "drop-after" => spec.drop_after = frac()?,
                "seed" => spec.seed = Some(int()?),
                "latency" => spec.latency_ms = int()?,
                "fail-builds" => spec.fail_builds = frac()?,
                "slow-builds" => spec.slow_builds_ms = int()?,
                "deny-scope" => spec.deny_scope = Some(value.trim().to_string()),
                other => {
                    return Err(format!(
                        "unknown fault `{other}` (known: 429, 5xx, 500, drop, 5xx-after, drop-after, seed, latency, fail-builds, slow-builds, deny-scope)"
                    ));
                }
            }
        }
        let total =
            spec.drop + spec.error_503 + spec.error_500 + spec.drop_after + spec.error_503_after;
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "faults: the request fault probabilities add up to {total}, more than 1"
            ));
        }
        Ok(spec)
    }
}

/// A small seeded generator (SplitMix64): the same seed gives the same draws on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A uniform draw in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A seed from the OS (falling back to the clock), for a spec that names none.
pub fn random_seed() -> u64 {
    let mut buf = [0u8; 8];
    if getrandom::fill(&mut buf).is_err() {
        return super::clock::now();
    }
    // Small enough to read and type back.
    u64::from_le_bytes(buf) % 1_000_000_000
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
        assert!("5xx=0.6,drop-after=0.5".parse::<FaultSpec>().is_err());
        let after: FaultSpec = "5xx-after=0.2,drop-after=0.1,seed=7"
            .parse()
            .unwrap_or_default();
        assert_eq!(
            (after.error_503_after, after.drop_after, after.seed),
            (0.2, 0.1, Some(7))
        );
        assert_eq!("".parse::<FaultSpec>(), Ok(FaultSpec::default()));
    }

    #[test]
    fn draws_are_uniform_and_replayable() {
        let draws = |seed| {
            let mut r = Rng::new(seed);
            (0..1000).map(|_| r.next_f64()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        let d = draws(7);
        assert!(d.iter().all(|x| (0.0..1.0).contains(x)));
        let low = d.iter().filter(|&&x| x < 0.3).count();
        assert!((240..360).contains(&low), "{low}");
    }

    #[test]
    fn fractions_hit_evenly() {
        let hit: Vec<u64> = (1..=8).filter(|&n| hits(0.25, n)).collect();
        assert_eq!(hit, vec![4, 8]);
        assert!((1..=10).all(|n| hits(1.0, n)));
        assert!(!(1..=10).any(|n| hits(0.0, n)));
    }
}
