//! The one rate limiter per tenant, shared by every concurrent request of a client.
//!
//! Two sources of truth, used differently:
//! * With a configured `rate_limit`, a client-side token bucket paces requests, and every
//!   response's `x-ratelimit-remaining` can only *lower* the bucket (never raise it): the server
//!   bucket is shared with other users of the tenant, so ours may be fuller than theirs. When the
//!   configured rate matches the server's this gives the server's full rate with no 429s.
//! * Without one, the server's hints alone pace: spend the reported `remaining`, then wait for
//!   `x-ratelimit-reset` and send one probe whose answer says how much is left. Until the first
//!   answer only one request is in flight, so a burst of concurrent callers cannot overrun a
//!   bucket we know nothing about. A server that sends no hints is not paced at all.
//!
//! In both modes a 429 pauses everyone until the server's reset. A hint from a response is
//! reduced by the requests dispatched after that response's request, which the server had not
//! counted yet. This module only waits; it never sends, retries or logs bodies.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Notify;

use super::hints::Hints;
use crate::config::model::RateLimit;

/// How long a probe may stay unanswered before another request is let through.
const PROBE_WAIT: Duration = Duration::from_secs(1);

/// Shared pacing for one tenant. Cheap to share behind the client's `Arc`.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
    changed: Notify,
}

/// Proof that a request may be sent; `seq` orders dispatches for [`RateLimiter::observe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    pub seq: u64,
}

#[derive(Debug)]
struct State {
    bucket: Option<Bucket>,
    server: Server,
    paused_until: Option<Instant>,
    dispatched: u64,
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

/// What we know of the server's bucket (used only without a configured limit).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Server {
    /// Budget left, and when the server refills (or when an unanswered probe times out).
    Budget {
        remaining: i64,
        reset: Option<Instant>,
    },
    /// The server sends no hints: nothing to pace by.
    Silent,
}

impl RateLimiter {
    /// A limiter; `limit` is the tenant's configured client-side cap, if any.
    pub fn new(limit: Option<RateLimit>) -> RateLimiter {
        let now = Instant::now();
        RateLimiter {
            state: Mutex::new(State::new(limit, now)),
            changed: Notify::new(),
        }
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) -> Permit {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = match self.lock().try_take(Instant::now()) {
                Ok(permit) => return permit,
                Err(wait) => wait,
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = notified => {}
            }
        }
    }

    /// Feeds the hints of the response to the request holding `permit`.
    pub fn observe(&self, permit: Permit, hints: &Hints) {
        self.lock()
            .observe(permit, hints, Instant::now(), SystemTime::now());
        self.changed.notify_waiters();
    }

    /// Stops every request until `until` (after a 429).
    pub fn pause_until(&self, until: Instant) {
        self.lock().pause_until(until);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the numbers inconsistent in a way that
        // matters more than stopping would, so a poisoned lock is simply reused.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn new(limit: Option<RateLimit>, now: Instant) -> State {
        let bucket = limit.map(|l| {
            let capacity = f64::from(l.burst.max(1));
            Bucket {
                capacity,
                per_second: if l.per_second.is_finite() {
                    l.per_second.max(0.01)
                } else {
                    1.0
                },
                tokens: capacity,
                last: now,
            }
        });
        State {
            bucket,
            // One request first; its answer tells us the rest.
            server: Server::Budget {
                remaining: 1,
                reset: Some(now + PROBE_WAIT),
            },
            paused_until: None,
            dispatched: 0,
        }
    }

    /// Takes a permit, or says how long to wait before asking again.
    fn try_take(&mut self, now: Instant) -> Result<Permit, Duration> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Err(until - now);
            }
            self.paused_until = None;
        }
        if let Some(bucket) = &mut self.bucket {
            bucket.refill(now);
            if bucket.tokens < 1.0 {
                return Err(Duration::from_secs_f64(
                    (1.0 - bucket.tokens) / bucket.per_second,
                ));
            }
            bucket.tokens -= 1.0;
        } else if let Server::Budget { remaining, reset } = &mut self.server {
            if *remaining <= 0 {
                match reset {
                    Some(at) if now < *at => return Err(*at - now),
                    // The server has refilled (or the probe went unanswered): one probe goes.
                    _ => *reset = Some(now + PROBE_WAIT),
                }
            } else {
                *remaining -= 1;
            }
        }
        self.dispatched += 1;
        Ok(Permit {
            seq: self.dispatched,
        })
    }

    fn observe(&mut self, permit: Permit, hints: &Hints, now: Instant, wall: SystemTime) {
        let Some(remaining) = hints.remaining else {
            // A server that never sends hints is not paced; one that sometimes omits them keeps
            // its last budget.
            if matches!(self.server, Server::Budget { .. }) && permit.seq == 1 {
                self.server = Server::Silent;
            }
            return;
        };
        let later = self.dispatched.saturating_sub(permit.seq);
        let effective = i64::from(remaining) - i64::try_from(later).unwrap_or(i64::MAX);
        if let Some(bucket) = &mut self.bucket {
            bucket.refill(now);
            bucket.tokens = bucket.tokens.min(effective.max(0) as f64);
        } else {
            let reset = hints.wait_from(wall).map(|w| now + w);
            self.server = Server::Budget {
                remaining: effective,
                reset,
            };
        }
    }

    fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        if let Some(bucket) = &mut self.bucket {
            bucket.tokens = bucket.tokens.min(0.0);
        } else {
            self.server = Server::Budget {
                remaining: 0,
                reset: Some(until),
            };
        }
    }
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = now;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn limit(per_second: f64, burst: u32) -> Option<RateLimit> {
        Some(RateLimit { per_second, burst })
    }

    fn hints(remaining: u32, reset_in_secs: u64, wall: SystemTime) -> Hints {
        let now = wall
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        Hints {
            remaining: Some(remaining),
            reset: Some(now + reset_in_secs),
            ..Hints::default()
        }
    }

    #[test]
    fn configured_bucket_allows_a_burst_then_paces() {
        let t0 = Instant::now();
        let mut s = State::new(limit(2.0, 3), t0);
        for _ in 0..3 {
            assert!(s.try_take(t0).is_ok());
        }
        assert_eq!(s.try_take(t0), Err(Duration::from_millis(500)));
        assert!(s.try_take(t0 + Duration::from_millis(500)).is_ok());
    }

    #[test]
    fn server_remaining_lowers_the_bucket_but_never_raises_it() {
        let t0 = Instant::now();
        let wall = SystemTime::now();
        let mut s = State::new(limit(2.0, 10), t0);
        let first = s.try_take(t0).unwrap();
        let _second = s.try_take(t0).unwrap();
        // The server saw the first request with 1 left; the second was not counted yet.
        s.observe(first, &hints(1, 1, wall), t0, wall);
        assert_eq!(s.try_take(t0), Err(Duration::from_millis(500)));
        s.observe(
            first,
            &hints(10, 1, wall),
            t0 + Duration::from_millis(500),
            wall,
        );
        assert!(s.try_take(t0 + Duration::from_millis(500)).is_ok());
        assert!(s.try_take(t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn without_a_limit_one_probe_goes_first_then_the_budget_is_spent() {
        let t0 = Instant::now();
        let wall = SystemTime::now();
        let mut s = State::new(None, t0);
        let probe = s.try_take(t0).unwrap();
        assert_eq!(s.try_take(t0), Err(PROBE_WAIT));
        s.observe(probe, &hints(2, 2, wall), t0, wall);
        assert!(s.try_take(t0).is_ok());
        assert!(s.try_take(t0).is_ok());
        let wait = s.try_take(t0).unwrap_err();
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(2),
            "{wait:?}"
        );
        // After the reset one probe goes, the next waits for its answer.
        let later = t0 + wait;
        assert!(s.try_take(later).is_ok());
        assert_eq!(s.try_take(later), Err(PROBE_WAIT));
    }

    #[test]
    fn a_silent_server_is_not_paced() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let probe = s.try_take(t0).unwrap();
        s.observe(probe, &Hints::default(), t0, SystemTime::now());
        for _ in 0..100 {
            assert!(s.try_take(t0).is_ok());
        }
    }

    #[test]
    fn a_pause_stops_everyone_in_both_modes() {
        let t0 = Instant::now();
        for limit in [None, limit(100.0, 100)] {
            let mut s = State::new(limit, t0);
            s.pause_until(t0 + Duration::from_secs(2));
            assert_eq!(s.try_take(t0), Err(Duration::from_secs(2)));
            assert!(s.try_take(t0 + Duration::from_secs(2)).is_ok());
        }
    }

    #[tokio::test]
    async fn acquire_waits_for_the_bucket() {
        let limiter = RateLimiter::new(limit(1000.0, 1));
        let a = limiter.acquire().await;
        let b = limiter.acquire().await;
        assert_eq!((a.seq, b.seq), (1, 2));
    }
}
