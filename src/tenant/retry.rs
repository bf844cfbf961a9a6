//! When a failed request may be sent again, and how long to wait first.
//!
//! The rule that matters: a request is resent blindly only when sending it twice cannot do harm.
//! GET, PUT, DELETE and the bindings PATCH (which replaces the whole list) are idempotent; a
//! DELETE that finds nothing after an ambiguous attempt was done by that attempt. A POST that
//! creates an action or deploys one is not: a second create may duplicate the action, a second
//! deploy mints another version. After an ambiguous failure (timeout, dropped connection, 5xx)
//! such a write is reported as ambiguous, and the caller reads the tenant to learn whether it
//! happened before sending it again (a create looks the name up; a deploy reads the action and
//! checks whether it now runs its draft). A 429 (rejected, hence not applied) and a connection
//! that never opened (nothing sent) are safe to retry for every kind.
//! This module decides; it neither sleeps nor sends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after 5xx or connection failures.
    pub max_retries: u32,
    /// Retries after 429s. Larger: a 429 is the server asking us to wait, not a fault.
    pub max_rate_limited: u32,
    /// First backoff delay; doubles per retry.
    pub base: Duration,
    /// Largest backoff delay.
    pub cap: Duration,
}

impl RetryPolicy {
    /// A patient default for real tenants: 8 retries (about 20–40 s of backoff in all, enough
    /// to ride out a tenant failing half its requests), 8 rate-limit retries.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_retries: 8,
        max_rate_limited: 8,
        base: Duration::from_millis(250),
        cap: Duration::from_secs(8),
    };

    /// The delay before retry number `retry` (0 for the first): capped exponential with "equal
    /// jitter" — half fixed, half random — so concurrent callers spread out but never retry at
    /// once. `unit` is a random number in `[0, 1)`.
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX));
        let capped = exp.min(self.cap);
        let half = capped / 2;
        half + half.mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// How safe it is to send a request twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// GET, PUT, DELETE, bindings PATCH, action PATCH (same body, same result).
    Idempotent,
    /// POST create or deploy: a second send may duplicate the action or mint another version,
    /// so after an ambiguous failure the caller reads the outcome before sending it again.
    ConfirmByRead,
}

/// What went wrong with one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 429: the server rejected the request without applying it.
    RateLimited,
    /// 5xx: the server may or may not have applied it.
    ServerError,
    /// The connection never opened (refused): nothing was sent.
    NotSent,
    /// DNS or TLS failure: nothing was sent, and trying again will not help.
    Permanent,
    /// Timeout or a connection lost after sending: outcome unknown.
    Unknown,
}

/// What to do about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Retry,
    GiveUp,
    /// Give up and tell the caller the write may have happened.
    Ambiguous,
}

/// The decision for a failure of a request of the given safety.
pub fn decide(safety: Safety, failure: Failure) -> Decision {
    match (failure, safety) {
        (Failure::RateLimited | Failure::NotSent, _) => Decision::Retry,
        (Failure::Permanent, _) => Decision::GiveUp,
        (Failure::ServerError | Failure::Unknown, Safety::Idempotent) => Decision::Retry,
        (Failure::ServerError | Failure::Unknown, Safety::ConfirmByRead) => Decision::Ambiguous,
    }
}

/// A number in `[0, 1)` good enough for jitter: the clock's nanoseconds and a counter mixed by
/// splitmix64. Not random in any cryptographic sense, and it needs no dependency.
pub fn jitter_unit() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    let mut z = nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::DEFAULT;
        let lows: Vec<u128> = (0..7).map(|r| p.backoff(r, 0.0).as_millis()).collect();
        assert_eq!(lows, vec![125, 250, 500, 1000, 2000, 4000, 4000]);
        let highs: Vec<u128> = (0..7)
            .map(|r| p.backoff(r, 0.999_999).as_millis())
            .collect();
        assert_eq!(highs, vec![249, 499, 999, 1999, 3999, 7999, 7999]);
        assert_eq!(p.backoff(u32::MAX, 0.5), Duration::from_secs(6));
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let samples: Vec<f64> = (0..100).map(|_| jitter_unit()).collect();
        assert!(samples.iter().all(|u| (0.0..1.0).contains(u)));
        let first = samples[0];
        assert!(samples.iter().any(|u| *u != first));
    }

    #[test]
    fn creates_and_deploys_are_never_blindly_retried() {
        use Decision::*;
        use Failure::*;
        let table = [
            (Safety::Idempotent, [Retry, Retry, Retry, GiveUp, Retry]),
            (
                Safety::ConfirmByRead,
                [Retry, Ambiguous, Retry, GiveUp, Ambiguous],
            ),
        ];
        for (safety, expected) in table {
            let got =
                [RateLimited, ServerError, NotSent, Permanent, Unknown].map(|f| decide(safety, f));
            assert_eq!(got, expected, "{safety:?}");
        }
    }
}
