//! The one rate limiter per tenant, shared by every concurrent request of a client. It only
//! waits; it never sends, retries or logs. What it guarantees:
//! * Requests never outrun a token bucket: the configured `rate_limit` (`burst` tokens refilled
//!   at `per_second`), or, without one, the server's bucket as its first answer describes it
//!   (size `x-ratelimit-limit`, content `x-ratelimit-remaining` less the requests still in
//!   flight, refilled at the documented rate of the Auth0 plan with that size).
//! * Every answer's `x-ratelimit-remaining` may lower the bucket (others may share the tenant).
//!   Answers to concurrent requests come back in any order, so only the answer to a request
//!   that nothing overlapped is exact: without a configured limit it also raises the bucket,
//!   which is how a plan faster than its documented rate is followed.
//! * Before the first answer, without a configured limit, at most two requests
//!   are in flight. A server whose first answer has no hints is not paced.
//! * A 429 pauses everyone until the time the caller gives.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::hints::Hints;
use crate::config::model::RateLimit;

/// Requests in flight before the server has said anything: Auth0's free tenants have a burst of
/// 2, the smallest it documents, so two requests never overrun a full bucket.
const INITIAL_ALLOWANCE: u32 = 2;

/// How long a request waits for the first answer before asking again (answers wake it sooner).
const FIRST_ANSWER_WAIT: Duration = Duration::from_secs(1);

/// The sustained rate of the Auth0 plan whose bucket holds `size` (Auth0's "Management API rate
/// limit configurations"): 50 is Enterprise production, 16/s; the rest (10: non-production, 2:
/// free) refill at 2/s, the slowest documented rate. A faster one shows in lone answers.
fn documented_rate(size: u32) -> f64 {
    if size == 50 { 16.0 } else { 2.0 }
}

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
    /// The request's number while it is in flight.
    seq: Option<u64>,
}

#[derive(Debug)]
struct State {
    /// `None` until the server's first answer when no limit is configured.
    bucket: Option<Bucket>,
    /// Without a bucket: requests that may still go before the first answer.
    allowance: u32,
    /// The bucket is the user's `rate_limit`: answers never raise it.
    configured: bool,
    paused_until: Option<Instant>,
    in_flight: u32,
    sent: u64,
    /// The last request sent while another was in flight: it and every one before overlapped.
    overlapped: u64,
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    /// May go negative: requests in flight when the bucket was learnt are a debt.
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
        let paused = &mut self.lock().paused_until;
        *paused = Some(paused.map_or(until, |p| p.max(until)));
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
            self.limiter.lock().observe(seq, hints, Instant::now());
        }
        self.limiter.changed.notify_waiters();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.seq.take().is_some() {
            self.limiter.lock().lost();
            self.limiter.changed.notify_waiters();
        }
    }
}

impl State {
    fn new(limit: Option<RateLimit>, now: Instant) -> State {
        State {
            // `max` also turns a NaN into the floor (an infinity is no cap: refill fills).
            bucket: limit.map(|l| Bucket::new(l.burst.max(1), l.per_second.max(0.01), now)),
            allowance: INITIAL_ALLOWANCE,
            configured: limit.is_some(),
            paused_until: None,
            in_flight: 0,
            sent: 0,
            overlapped: 0,
        }
    }

    /// Takes a request number, or says how long to wait before asking again (answers wake the
    /// waiters sooner).
    fn try_take(&mut self, now: Instant) -> Result<u64, Duration> {
        if let Some(until) = self.paused_until.filter(|until| now < *until) {
            return Err(until - now);
        }
        if let Some(bucket) = &mut self.bucket {
            bucket.take(now)?;
        } else if self.allowance == 0 {
            return Err(FIRST_ANSWER_WAIT);
        } else {
            self.allowance -= 1;
        }
        self.sent += 1;
        if self.in_flight > 0 {
            self.overlapped = self.sent;
        }
        self.in_flight += 1;
        Ok(self.sent)
    }

    fn observe(&mut self, seq: u64, hints: &Hints, now: Instant) {
        self.in_flight -= 1;
        let exact = seq > self.overlapped && !self.configured;
        match (&mut self.bucket, hints.remaining) {
            (Some(bucket), Some(remaining)) => {
                bucket.refill(now);
                let remaining = f64::from(remaining);
                bucket.tokens = if exact {
                    remaining
                } else {
                    bucket.tokens.min(remaining)
                };
            }
            (None, Some(remaining)) => {
                let size = hints.limit.unwrap_or(remaining).max(1);
                let mut bucket = Bucket::new(size, documented_rate(size), now);
                // The server may not have counted the requests still in flight yet.
                bucket.tokens = f64::from(remaining) - f64::from(self.in_flight);
                self.bucket = Some(bucket);
            }
            // A server without hints is not paced: a bucket that never runs dry.
            (None, None) => self.bucket = Some(Bucket::new(u32::MAX, f64::MAX, now)),
            _ => {}
        }
    }

    /// A request ended without an answer. Before the first answer its place goes back, so that
    /// lost requests cannot stall the client.
    fn lost(&mut self) {
        self.in_flight -= 1;
        if self.bucket.is_none() {
            self.allowance = (self.allowance + 1).min(INITIAL_ALLOWANCE);
        }
    }
}

impl Bucket {
    fn new(size: u32, per_second: f64, now: Instant) -> Bucket {
        let capacity = f64::from(size);
        let (tokens, last) = (capacity, now);
        Bucket {
            capacity,
            per_second,
            tokens,
            last,
        }
    }

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

    fn limit(per_second: f64, burst: u32) -> Option<RateLimit> {
        Some(RateLimit { per_second, burst })
    }

    fn hints(limit: u32, remaining: u32) -> Hints {
        Hints {
            limit: Some(limit),
            remaining: Some(remaining),
            reset: None,
            retry_after: None,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_configured_bucket_allows_a_burst_then_paces() {
        let t0 = Instant::now();
        let mut s = State::new(limit(2.0, 3), t0);
        for _ in 0..3 {
            let seq = s.try_take(t0).unwrap();
            s.observe(seq, &Hints::default(), t0);
        }
        assert_eq!(s.try_take(t0), Err(ms(500)));
        assert!(s.try_take(t0 + ms(500)).is_ok());
    }

    #[test]
    fn the_server_lowers_a_bucket_and_never_raises_it() {
        let t0 = Instant::now();
        let mut s = State::new(limit(2.0, 10), t0);
        let seq = s.try_take(t0).unwrap();
        s.observe(seq, &hints(10, 1), t0);
        assert!(s.try_take(t0).is_ok());
        assert_eq!(s.try_take(t0), Err(ms(500)));
        let later = t0 + ms(500);
        let seq = s.try_take(later).unwrap();
        s.observe(seq - 1, &Hints::default(), later);
        s.observe(seq, &hints(10, 10), later);
        assert_eq!(
            s.try_take(later),
            Err(ms(500)),
            "plenty left raises nothing"
        );
    }

    #[test]
    fn without_a_limit_two_go_then_the_first_answer_sets_the_bucket() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let a = s.try_take(t0).unwrap();
        s.try_take(t0).unwrap();
        assert_eq!(s.try_take(t0), Err(FIRST_ANSWER_WAIT));
        // 7 left with one request still in flight: 6 may go, then 2/s (a 10-token bucket).
        s.observe(a, &hints(10, 7), t0);
        for _ in 0..6 {
            assert!(s.try_take(t0).is_ok());
        }
        assert_eq!(s.try_take(t0), Err(ms(500)));
    }

    #[test]
    fn a_production_sized_bucket_refills_at_its_documented_rate() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let seq = s.try_take(t0).unwrap();
        s.observe(seq, &hints(50, 0), t0);
        assert_eq!(s.try_take(t0), Err(ms(62) + Duration::from_micros(500)));
    }

    #[test]
    fn requests_lost_before_the_first_answer_give_their_place_back() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        s.try_take(t0).unwrap();
        s.try_take(t0).unwrap();
        s.lost();
        assert!(s.try_take(t0).is_ok());
        assert!(s.try_take(t0).is_err());
    }

    #[test]
    fn answers_out_of_order_only_lower_the_bucket() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let seq = s.try_take(t0).unwrap();
        s.observe(seq, &hints(10, 10), t0);
        let burst: Vec<u64> = (0..4).map(|_| s.try_take(t0).unwrap()).collect();
        // The last request's answer (6 left) arrives before the first's (9 left).
        s.observe(burst[3], &hints(10, 6), t0);
        s.observe(burst[0], &hints(10, 9), t0);
        for _ in 0..6 {
            assert!(s.try_take(t0).is_ok());
        }
        assert!(s.try_take(t0).is_err());
    }

    #[test]
    fn a_lone_answer_is_exact_and_raises_a_learnt_bucket() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let seq = s.try_take(t0).unwrap();
        s.observe(seq, &hints(10, 0), t0);
        // The server refills faster than the documented 2/s: its lone answer says 5 are left.
        let later = t0 + ms(500);
        let seq = s.try_take(later).unwrap();
        s.observe(seq, &hints(10, 5), later);
        for _ in 0..5 {
            assert!(s.try_take(later).is_ok());
        }
        assert!(s.try_take(later).is_err());
    }

    #[test]
    fn a_silent_server_is_not_paced() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let seq = s.try_take(t0).unwrap();
        s.observe(seq, &Hints::default(), t0);
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

    /// Another task's `acquire`, given 20 ms.
    async fn acquire_later(limiter: &std::sync::Arc<RateLimiter>) -> tokio::task::JoinHandle<()> {
        let limiter = limiter.clone();
        let waiting = tokio::spawn(async move {
            let _ = limiter.acquire().await;
        });
        tokio::time::sleep(ms(20)).await;
        waiting
    }

    #[tokio::test]
    async fn acquire_waits_for_the_bucket() {
        let limiter = std::sync::Arc::new(RateLimiter::new(limit(10.0, 1)));
        let a = limiter.acquire().await;
        let waiting = acquire_later(&limiter).await;
        assert!(!waiting.is_finished(), "the next token is 100 ms away");
        a.observe(&Hints::default());
        waiting.await.unwrap();
    }

    #[tokio::test]
    async fn a_dropped_permit_frees_its_place() {
        let limiter = std::sync::Arc::new(RateLimiter::new(None));
        let a = limiter.acquire().await;
        let b = limiter.acquire().await;
        let waiting = acquire_later(&limiter).await;
        assert!(!waiting.is_finished(), "two in flight before an answer");
        drop((a, b));
        waiting.await.unwrap();
    }
}
