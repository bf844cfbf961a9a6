//! The one rate limiter per tenant, shared by every concurrent request of a client. It only
//! waits; it never sends, retries or logs. What it guarantees:
//! * With a configured `rate_limit`, requests never outrun that token bucket (`burst` tokens,
//!   refilled at `per_second`); each answer's `x-ratelimit-remaining` may only lower it (others
//!   may share the tenant).
//! * Without one, at most [`INITIAL_ALLOWANCE`] requests are in flight before the first answer,
//!   whose `remaining`, less the others in flight, may then be spent. Later answers only lower
//!   what is left, but one to a request nothing overlapped is exact and sets it. Once it is
//!   spent, one request goes when all are answered and `x-ratelimit-reset` has passed (the server
//!   has a token again by then), and its exact answer says how many may follow. Nothing refills
//!   between answers, so no refill rate is assumed. A server without hints is not paced.
//! * A 429 pauses everyone until the time the caller gives.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Notify;

use super::hints::Hints;
use crate::config::model::RateLimit;

/// Requests in flight before the server has said anything: Auth0's free tenants have a burst of
/// 2, the smallest it documents, so two requests never overrun a full bucket.
const INITIAL_ALLOWANCE: i64 = 2;

/// When to ask again if the server gives no `x-ratelimit-reset`.
const NO_RESET: Duration = Duration::from_secs(1);

/// Shared pacing for one tenant. Cheap to share behind the client's `Arc`.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
    changed: Notify,
}

/// Leave to send one request. Give it the response's hints with [`Permit::observe`]; dropped
/// unobserved (a transport failure, a cancelled future), it only ends the request's flight.
#[derive(Debug)]
#[must_use]
pub struct Permit<'a> {
    limiter: &'a RateLimiter,
    seq: Option<u64>,
}

#[derive(Debug)]
struct State {
    /// The user's cap, if one is configured; the server's hints only lower it.
    cap: Option<Bucket>,
    /// Without a cap: requests the server's answers leave us (negative: a debt; `i64::MAX` for
    /// a server without hints), when it has a token again, and whether an answer said yet.
    left: i64,
    reset: Instant,
    synced: bool,
    paused_until: Option<Instant>,
    dispatched: u64,
    in_flight: u32,
    /// The last request sent while another was in flight: it and every one before it overlapped.
    overlapped: u64,
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A limiter; `limit` is the tenant's configured client-side cap, if any.
    pub fn new(limit: Option<RateLimit>) -> RateLimiter {
        let state = Mutex::new(State::new(limit, Instant::now()));
        RateLimiter {
            state,
            changed: Notify::new(),
        }
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = match self.lock().try_take(Instant::now()) {
                Ok(seq) => {
                    return Permit {
                        limiter: self,
                        seq: Some(seq),
                    };
                }
                Err(wait) => wait,
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = notified => {}
            }
        }
    }

    /// Stops every request until `until` (after a 429).
    pub fn pause_until(&self, until: Instant) {
        let mut state = self.lock();
        state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The numbers stay usable after a panic elsewhere, so a poisoned lock is simply reused.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Permit<'_> {
    /// Feeds the hints of the response to this permit's request.
    pub fn observe(mut self, hints: &Hints) {
        if let Some(seq) = self.seq.take() {
            let mut state = self.limiter.lock();
            state.observe(seq, hints, SystemTime::now(), Instant::now());
        }
        self.limiter.changed.notify_waiters();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.seq.take().is_some() {
            self.limiter.lock().in_flight -= 1;
            self.limiter.changed.notify_waiters();
        }
    }
}

impl State {
    fn new(limit: Option<RateLimit>, now: Instant) -> State {
        State {
            cap: limit.map(|l| Bucket {
                capacity: f64::from(l.burst.max(1)),
                // `max` also turns a NaN into the floor (an infinity is no cap: refill fills).
                per_second: l.per_second.max(0.01),
                tokens: f64::from(l.burst.max(1)),
                last: now,
            }),
            left: INITIAL_ALLOWANCE,
            reset: now,
            synced: false,
            paused_until: None,
            dispatched: 0,
            in_flight: 0,
            overlapped: 0,
        }
    }

    /// Takes a sequence number, or says how long to wait before asking again (answers wake the
    /// waiters sooner).
    fn try_take(&mut self, now: Instant) -> Result<u64, Duration> {
        if let Some(until) = self.paused_until.filter(|until| now < *until) {
            return Err(until - now);
        }
        if let Some(bucket) = &mut self.cap {
            bucket.take(now)?;
        } else if self.left >= 1 {
            self.left -= 1;
        } else if self.reset > now {
            return Err(self.reset - now);
        } else if self.in_flight > 0 {
            return Err(NO_RESET);
        }
        self.dispatched += 1;
        if self.in_flight > 0 {
            self.overlapped = self.dispatched;
        }
        self.in_flight += 1;
        Ok(self.dispatched)
    }

    fn observe(&mut self, seq: u64, hints: &Hints, wall: SystemTime, now: Instant) {
        self.in_flight -= 1;
        match (&mut self.cap, hints.remaining) {
            (Some(bucket), Some(remaining)) => {
                bucket.refill(now);
                bucket.tokens = bucket.tokens.min(f64::from(remaining));
            }
            // A server that never sends hints is not paced; one that sometimes omits them is.
            (None, None) if !self.synced => self.left = i64::MAX,
            (None, Some(remaining)) => {
                let remaining = i64::from(remaining);
                // An answer to a request that nothing else overlapped is the server's exact
                // figure; others may or may not count our requests still in flight.
                self.left = if seq > self.overlapped {
                    remaining
                } else if self.synced {
                    self.left.min(remaining)
                } else {
                    remaining - i64::from(self.in_flight)
                };
                self.synced = true;
                self.reset = now + hints.wait_from(wall).unwrap_or(NO_RESET);
            }
            _ => {}
        }
    }
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = now;
    }

    /// Takes one token, or says how long until there is one.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens < 1.0 {
            let wait = (1.0 - self.tokens) / self.per_second;
            return Err(Duration::from_secs_f64(wait));
        }
        self.tokens -= 1.0;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn limit(per_second: f64, burst: u32) -> Option<RateLimit> {
        Some(RateLimit { per_second, burst })
    }

    /// Hints as the server sends them; `reset` in seconds after [`wall`].
    fn hints(remaining: u32, reset: u64) -> Hints {
        Hints {
            limit: Some(10),
            remaining: Some(remaining),
            reset: Some(1000 + reset),
            retry_after: None,
        }
    }

    /// The wall clock of every answer: 1000 s after the epoch.
    fn wall() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1000)
    }

    fn answer(s: &mut State, t: u64, h: Hints, now: Instant) {
        s.observe(t, &h, wall(), now);
    }

    #[test]
    fn configured_bucket_allows_a_burst_then_paces() {
        let t0 = Instant::now();
        let mut s = State::new(limit(2.0, 3), t0);
        let tickets: Vec<u64> = (0..3).map(|_| s.try_take(t0).unwrap()).collect();
        for t in tickets {
            answer(&mut s, t, Hints::default(), t0);
        }
        assert_eq!(s.try_take(t0), Err(Duration::from_millis(500)));
        assert!(s.try_take(t0 + Duration::from_millis(500)).is_ok());
    }

    #[test]
    fn a_configured_bucket_is_lowered_by_the_server_never_raised() {
        let t0 = Instant::now();
        let mut s = State::new(limit(2.0, 10), t0);
        let first = s.try_take(t0).unwrap();
        answer(&mut s, first, hints(1, 1), t0);
        assert!(s.try_take(t0).is_ok());
        assert_eq!(s.try_take(t0), Err(Duration::from_millis(500)));
        // A lone answer with plenty left does not raise it: one token per 500 ms.
        let later = t0 + Duration::from_millis(500);
        let lone = s.try_take(later).unwrap();
        answer(&mut s, lone, hints(10, 0), later);
        assert_eq!(s.try_take(later), Err(Duration::from_millis(500)));
    }

    #[test]
    fn without_a_limit_two_go_before_the_first_answer() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let a = s.try_take(t0).unwrap();
        let _b = s.try_take(t0).unwrap();
        assert!(s.try_take(t0).is_err());
        // The answer to `a`, with `b` still in flight: 7 − 1 = 6 left.
        answer(&mut s, a, hints(7, 1), t0);
        for _ in 0..6 {
            assert!(s.try_take(t0).is_ok());
        }
        assert!(s.try_take(t0).is_err());
    }

    #[test]
    fn requests_lost_before_the_first_answer_let_one_more_go() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let _a = s.try_take(t0).unwrap();
        let _b = s.try_take(t0).unwrap();
        s.in_flight -= 1;
        assert!(s.try_take(t0).is_err(), "one still in flight");
        s.in_flight -= 1;
        assert!(s.try_take(t0).is_ok());
        assert!(s.try_take(t0).is_err());
    }

    #[test]
    fn the_first_answer_leaves_room_for_every_request_still_in_flight() {
        // The second request's answer comes first: the first may not be counted in it.
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let _a = s.try_take(t0).unwrap();
        let b = s.try_take(t0).unwrap();
        answer(&mut s, b, hints(1, 1), t0);
        assert!(s.try_take(t0).is_err(), "the server may have 0 left");
    }

    #[test]
    fn spent_it_waits_for_the_reset_and_every_answer_then_sends_one() {
        let t0 = Instant::now();
        let s1 = t0 + Duration::from_secs(1);
        let mut s = State::new(None, t0);
        let probe = s.try_take(t0).unwrap();
        answer(&mut s, probe, hints(1, 1), t0);
        let last = s.try_take(t0).unwrap();
        assert_eq!(s.try_take(t0), Err(Duration::from_secs(1)));
        // The reset passes with `last` unanswered: wait for its answer.
        assert!(s.try_take(s1).is_err());
        answer(&mut s, last, hints(0, 2), s1);
        assert_eq!(s.try_take(s1), Err(Duration::from_secs(2)));
        let s3 = t0 + Duration::from_secs(3);
        let probe = s.try_take(s3).unwrap();
        assert!(s.try_take(s3).is_err(), "one at a time until it answers");
        // Its answer is exact: 3 more may go.
        answer(&mut s, probe, hints(3, 1), s3);
        for _ in 0..3 {
            assert!(s.try_take(s3).is_ok());
        }
        assert!(s.try_take(s3).is_err());
    }

    #[test]
    fn an_overlapping_answer_only_lowers_a_lone_one_sets() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let first = s.try_take(t0).unwrap();
        answer(&mut s, first, hints(2, 1), t0);
        let a = s.try_take(t0).unwrap();
        let b = s.try_take(t0).unwrap();
        // The server handled `b` second but its answer came first; `a`'s answer, arriving last
        // with nothing else in flight, is still older news and raises nothing.
        answer(&mut s, b, hints(0, 1), t0);
        answer(&mut s, a, hints(1, 1), t0);
        assert!(s.try_take(t0).is_err());
        // After the reset, a lone request's answer is exact and raises what is left.
        let t1 = t0 + Duration::from_secs(1);
        let c = s.try_take(t1).unwrap();
        answer(&mut s, c, hints(5, 1), t1);
        for _ in 0..5 {
            assert!(s.try_take(t1).is_ok());
        }
        assert!(s.try_take(t1).is_err());
    }

    #[test]
    fn a_burst_answered_out_of_order_leaves_no_debt() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let first = s.try_take(t0).unwrap();
        answer(&mut s, first, hints(47, 1), t0);
        let tickets: Vec<u64> = (0..47).map(|_| s.try_take(t0).unwrap()).collect();
        // The server handles them in reverse order; the answers come back shuffled.
        let mut answers: Vec<(u64, u32)> = tickets
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, i as u32))
            .collect();
        answers.sort_by_key(|(t, _)| (t * 7919) % 47);
        for (t, remaining) in answers {
            answer(&mut s, t, hints(remaining, 1), t0);
        }
        // No debt: one request goes as soon as the reset passes.
        assert_eq!(s.try_take(t0), Err(Duration::from_secs(1)));
        assert!(s.try_take(t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn a_silent_server_is_not_paced() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let probe = s.try_take(t0).unwrap();
        answer(&mut s, probe, Hints::default(), t0);
        for _ in 0..100 {
            assert!(s.try_take(t0).is_ok());
        }
    }

    #[test]
    fn a_pause_stops_everyone_in_every_mode() {
        let t0 = Instant::now();
        for limit in [None, limit(100.0, 100)] {
            let limiter = RateLimiter::new(limit);
            limiter.pause_until(t0 + Duration::from_secs(2));
            let mut s = limiter.lock();
            assert_eq!(s.try_take(t0), Err(Duration::from_secs(2)));
            assert!(s.try_take(t0 + Duration::from_secs(2)).is_ok());
        }
    }

    /// Another task's `acquire`, given 20 ms; yields the sequence number it got.
    async fn acquire_later(
        limiter: &std::sync::Arc<RateLimiter>,
    ) -> tokio::task::JoinHandle<Option<u64>> {
        let limiter = limiter.clone();
        let waiting = tokio::spawn(async move { limiter.acquire().await.seq });
        tokio::time::sleep(Duration::from_millis(20)).await;
        waiting
    }

    #[tokio::test]
    async fn acquire_waits_for_the_bucket() {
        let limiter = std::sync::Arc::new(RateLimiter::new(limit(10.0, 1)));
        let a = limiter.acquire().await;
        let waiting = acquire_later(&limiter).await;
        assert!(!waiting.is_finished(), "the next token is 100 ms away");
        let first = a.seq.unwrap();
        a.observe(&Hints::default());
        let second = waiting.await.unwrap().unwrap();
        assert_eq!((first, second), (1, 2));
    }

    #[tokio::test]
    async fn a_dropped_permit_frees_its_place() {
        let limiter = std::sync::Arc::new(RateLimiter::new(None));
        let a = limiter.acquire().await;
        let b = limiter.acquire().await;
        let waiting = acquire_later(&limiter).await;
        assert!(!waiting.is_finished(), "two in flight before an answer");
        drop((a, b));
        assert!(waiting.await.unwrap().is_some());
    }
}
