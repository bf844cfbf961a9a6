//! The token bucket behind `x-ratelimit-*` headers and 429s, like Auth0's global Management API
//! limit: `burst` tokens, refilled continuously at `per_second`.

use std::time::Instant;

use super::options::RateLimitSpec;

/// What the bucket said about one request.
#[derive(Debug, Clone, Copy)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Unix time in seconds when the next token arrives (what Auth0's `x-ratelimit-reset` means).
    pub reset: u64,
}

/// A token bucket. Not thread-safe by itself; the server keeps it behind a mutex.
#[derive(Debug)]
pub struct TokenBucket {
    spec: RateLimitSpec,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(spec: RateLimitSpec) -> Self {
        TokenBucket {
            spec,
            tokens: f64::from(spec.burst),
            last: Instant::now(),
        }
    }

    /// Takes one token if there is one. `now_unix` is the wall clock for the reset header.
    pub fn take(&mut self, now_unix_secs: f64) -> Verdict {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        let cap = f64::from(self.spec.burst);
        self.tokens = (self.tokens + elapsed * self.spec.per_second).min(cap);
        let allowed = self.tokens >= 1.0;
        if allowed {
            self.tokens -= 1.0;
        }
        let missing = (1.0 - self.tokens.fract()).min(1.0);
        let wait = if self.tokens >= cap {
            0.0
        } else {
            missing / self.spec.per_second
        };
        Verdict {
            allowed,
            limit: self.spec.burst,
            remaining: self.tokens.floor().max(0.0) as u32,
            reset: (now_unix_secs + wait).ceil() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empties_after_burst() {
        let mut bucket = TokenBucket::new(RateLimitSpec {
            burst: 3,
            per_second: 0.001,
        });
        let verdicts: Vec<_> = (0..4).map(|_| bucket.take(1000.0)).collect();
        assert!(verdicts[..3].iter().all(|v| v.allowed));
        assert_eq!(verdicts[2].remaining, 0);
        assert!(!verdicts[3].allowed);
        assert_eq!(verdicts[0].limit, 3);
        assert!(verdicts[3].reset > 1000);
    }
}
