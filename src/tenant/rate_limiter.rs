//! The one rate limiter per tenant, shared by every concurrent request of a client.
//!
//! Both modes keep a token bucket that mirrors the server's; they differ in who may fill it:
//! * With a configured `rate_limit`, the bucket is the user's cap, and every response's
//!   `x-ratelimit-remaining` can only *lower* it (never raise it): the server bucket is shared with
//!   other users of the tenant, so ours may be fuller than theirs. When the configured rate
//!   matches the server's this gives the server's full rate with no 429s.
//! * Without one, the server's hints are the truth. Before the first answer at most
//!   `INITIAL_ALLOWANCE` requests go (the smallest burst Auth0 documents), so a crowd of
//!   concurrent callers cannot overrun a bucket we know nothing about. The first answer sets the
//!   bucket: size from `x-ratelimit-limit`, content from `x-ratelimit-remaining`, refill rate from
//!   the documented plan that size identifies (`documented_rate`). A server that sends no
//!   hints is not paced at all.
//!
//! Between answers the bucket spends a token per request and refills at its rate, as the
//! server's does. The server may count a request as late as it answers it, and until then its
//! bucket still holds that token; a full bucket refills nothing, so ours never refills past
//! its size less the requests in flight. With that, as long as nobody else uses the tenant and
//! the server counts each request within `COUNTED_WITHIN` (2 s) of its sending, ours never
//! holds more than the server's, and answers correct it:
//! * The figure is rounded down: a server reporting `n` has less than `n + 1`. Only a bucket a
//!   whole token or more above the figure is provably ahead and drops to it; a fraction within
//!   the rounding is refill the server has too, and is kept (dropping it cost up to a token,
//!   62.5 ms at 16/s or 500 ms at 2/s, on every answer). Not with a configured limit: that
//!   mode is for tenants shared with other clients, whose spending the fraction may hide, so
//!   the figure stays the ceiling there.
//! * The first answer sizes the bucket at the figure less every other request still in
//!   flight, which the server may not have counted yet.
//! * An answer to a request that had no other in flight also raises the bucket to the figure
//!   (not with a configured limit, which only the server's answers lower).
//! * Concurrent requests reach the server, and their answers come back, in any order, so an
//!   overlapping answer is read in the light most favourable to us: the server handled every
//!   request we sent after it before it. Even then it has less than a token more than it
//!   reports, and what it reports below what we expected, someone else took (the bucket loses
//!   that many tokens). Reading it the other way, every later request still to come, would
//!   double-count: in a burst of 50 that puts the bucket tens of tokens in debt and stalls the
//!   client for seconds.
//!
//! In both modes a 429 pauses everyone until the server's reset. This module only waits; it never
//! sends, retries or logs bodies.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::hints::Hints;
use crate::config::model::RateLimit;

/// Requests that may go before the server has said anything: Auth0's free tenants have a burst of
/// 2, the smallest it documents, so two requests never overrun a full bucket.
const INITIAL_ALLOWANCE: u32 = 2;

/// How long the first requests may stay unanswered before one more is let through.
const PROBE_WAIT: Duration = Duration::from_secs(1);

/// A request unanswered for this long is taken to be counted by the server: it stops holding
/// back our refill (see [`Bucket::refill`]), and a lost answer cannot stall the bucket.
const COUNTED_WITHIN: Duration = Duration::from_secs(2);

/// A request unanswered for this long is presumed lost (its future was dropped) and no longer
/// counted as in flight. Longer than any request timeout.
const STALE: Duration = Duration::from_secs(120);

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
    pacing: Pacing,
    paused_until: Option<Instant>,
    dispatched: u64,
    /// Requests sent and not answered yet, by sequence number.
    outstanding: BTreeMap<u64, InFlight>,
    /// Tokens the answers prove others took since the last exact figure (already taken off).
    drained: f64,
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    sent: Instant,
    /// Another request was in flight at some point during this one.
    overlapped: bool,
    /// The bucket right after this request took its token: what the server should report for
    /// it if it handled every earlier request first and no later one. `None` while unknown.
    expected: Option<f64>,
}

#[derive(Debug)]
enum Pacing {
    /// The user's cap; the server's hints only lower it.
    Configured(Bucket),
    /// No hint yet: `allowance` more requests may go; after that, one more each time `retry_at`
    /// passes without an answer.
    Unknown {
        allowance: u32,
        retry_at: Option<Instant>,
    },
    /// The server's bucket as its hints describe it.
    Server(Bucket),
    /// The server sends no hints: nothing to pace by.
    Silent,
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    /// May go negative: requests the server has not counted yet are a debt.
    tokens: f64,
    last: Instant,
}

/// The sustained rate of the Auth0 plan whose bucket size is `limit` (reference: "Rate limiting"
/// in the Management API notes): 50 is an Enterprise production tenant (16/s); 10 (Enterprise
/// non-production, older free) and 2 (free) refill at 2/s. Anything else gets the slowest
/// documented rate; the server's later answers raise the bucket when it refills faster.
fn documented_rate(limit: u32) -> f64 {
    match limit {
        50 => 16.0,
        _ => 2.0,
    }
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
        self.lock().observe(permit, hints, Instant::now());
        self.changed.notify_waiters();
    }

    /// The request holding `permit` got no response (a transport failure).
    pub fn forget(&self, permit: Permit) {
        self.lock().forget(permit, Instant::now());
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
        let pacing = match limit {
            Some(l) => {
                let capacity = f64::from(l.burst.max(1));
                let per_second = if l.per_second.is_finite() {
                    l.per_second.max(0.01)
                } else {
                    1.0
                };
                Pacing::Configured(Bucket::full(capacity, per_second, now))
            }
            None => Pacing::Unknown {
                allowance: INITIAL_ALLOWANCE,
                retry_at: None,
            },
        };
        State {
            pacing,
            paused_until: None,
            dispatched: 0,
            outstanding: BTreeMap::new(),
            drained: 0.0,
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
        self.refill(now);
        let mut expected = None;
        match &mut self.pacing {
            Pacing::Configured(bucket) | Pacing::Server(bucket) => {
                if let Err(wait) = bucket.take() {
                    return Err(self.held_until(now).map_or(wait, |held| held.max(wait)));
                }
                expected = Some(bucket.tokens);
            }
            Pacing::Unknown {
                allowance,
                retry_at,
            } => {
                if *allowance > 0 {
                    *allowance -= 1;
                    if *allowance == 0 {
                        *retry_at = Some(now + PROBE_WAIT);
                    }
                } else {
                    match retry_at {
                        Some(at) if now < *at => return Err(*at - now),
                        _ => *retry_at = Some(now + PROBE_WAIT),
                    }
                }
            }
            Pacing::Silent => {}
        }
        self.dispatched += 1;
        let overlapped = !self.outstanding.is_empty();
        for other in self.outstanding.values_mut() {
            other.overlapped = true;
        }
        self.outstanding.insert(
            self.dispatched,
            InFlight {
                sent: now,
                overlapped,
                expected,
            },
        );
        Ok(Permit {
            seq: self.dispatched,
        })
    }

    /// Brings the bucket up to `now`. Called before every change to the requests in flight,
    /// which cap the refill (see [`Bucket::refill`]).
    fn refill(&mut self, now: Instant) {
        if let Pacing::Configured(bucket) | Pacing::Server(bucket) = &mut self.pacing {
            let uncounted = uncounted(&self.outstanding, bucket.last).count();
            bucket.refill(now, uncounted as f64);
        }
    }

    /// When the requests in flight keep the bucket from reaching a whole token, the earliest
    /// moment one of them counts as counted (their answers wake the waiters sooner).
    fn held_until(&self, now: Instant) -> Option<Duration> {
        let (Pacing::Configured(bucket) | Pacing::Server(bucket)) = &self.pacing else {
            return None;
        };
        let holding = uncounted(&self.outstanding, now).count();
        if bucket.capacity - holding as f64 >= 1.0 {
            return None;
        }
        let oldest = uncounted(&self.outstanding, now).min()?;
        let refill = Duration::from_secs_f64((1.0 - bucket.tokens).max(0.0) / bucket.per_second);
        Some((oldest + COUNTED_WITHIN).saturating_duration_since(now) + refill)
    }

    fn forget(&mut self, permit: Permit, now: Instant) {
        self.refill(now);
        self.outstanding.remove(&permit.seq);
    }

    fn observe(&mut self, permit: Permit, hints: &Hints, now: Instant) {
        self.refill(now);
        let flight = self.outstanding.remove(&permit.seq);
        let alone = flight.is_some_and(|f| !f.overlapped);
        self.outstanding
            .retain(|_, f| now.saturating_duration_since(f.sent) < STALE);
        let Some(remaining) = hints.remaining else {
            // A server that never sends hints is not paced; one that sometimes omits them keeps
            // its bucket.
            if matches!(self.pacing, Pacing::Unknown { .. }) {
                self.pacing = Pacing::Silent;
            }
            return;
        };
        // A server reporting what is left but not its bucket size has at least that much room.
        let limit = hints.limit.unwrap_or(remaining.saturating_add(1)).max(1);
        // Every figure is taken as of now, not of when the server counted the request: that
        // moment is unknown, and crediting the refill since a guess of it drew 429s. The figure
        // is rounded down, so it only proves a bucket a whole token or more above it wrong; one
        // within the rounding keeps its fraction (see `Bucket::lower`).
        let remaining = f64::from(remaining);
        let configured = matches!(self.pacing, Pacing::Configured(_));
        match &mut self.pacing {
            Pacing::Unknown { .. } | Pacing::Silent => {
                let mut bucket = Bucket::full(f64::from(limit), documented_rate(limit), now);
                // The few others still in flight, sent before or after this one, may not be
                // counted in it yet.
                let others = self.outstanding.len() as f64;
                bucket.tokens = (remaining - others).min(bucket.capacity);
                self.pacing = Pacing::Server(bucket);
                self.drained = 0.0;
            }
            Pacing::Server(bucket) if alone => {
                if hints.limit.is_some() {
                    bucket.capacity = f64::from(limit);
                }
                bucket.set(remaining);
                self.drained = 0.0;
            }
            Pacing::Configured(bucket) if alone => {
                bucket.lower_strictly(remaining);
                self.drained = 0.0;
            }
            Pacing::Configured(bucket) | Pacing::Server(bucket) => {
                // Read at best for us: every later request of ours was handled before this one.
                // Even then the server has less than a token more than it reports, and what it
                // reports below what we expected, someone else took.
                let before = bucket.tokens;
                if configured {
                    bucket.lower_strictly(remaining);
                } else {
                    bucket.lower(remaining);
                }
                let mut left = bucket.tokens;
                if let Some(expected) = flight.and_then(|f| f.expected) {
                    let later = self.dispatched.saturating_sub(permit.seq) as f64;
                    let drain = (expected - later - remaining).floor();
                    if drain > self.drained {
                        left = left.min(before - (drain - self.drained));
                        self.drained = drain;
                    }
                }
                bucket.tokens = left;
            }
        }
    }

    fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        match &mut self.pacing {
            Pacing::Configured(bucket) | Pacing::Server(bucket) => {
                bucket.tokens = bucket.tokens.min(0.0);
            }
            Pacing::Unknown {
                allowance,
                retry_at,
            } => {
                *allowance = 0;
                *retry_at = Some(until);
            }
            Pacing::Silent => {}
        }
    }
}

/// When each request in flight was sent, for those the server may not have counted yet at `at`.
fn uncounted(
    outstanding: &BTreeMap<u64, InFlight>,
    at: Instant,
) -> impl Iterator<Item = Instant> + '_ {
    outstanding
        .values()
        .map(|f| f.sent)
        .filter(move |sent| at.saturating_duration_since(*sent) < COUNTED_WITHIN)
}

impl Bucket {
    fn full(capacity: f64, per_second: f64, now: Instant) -> Bucket {
        Bucket {
            capacity,
            per_second,
            tokens: capacity,
            last: now,
        }
    }

    /// Refills up to `now`, with `in_flight` requests sent and unanswered since the last call.
    /// We spend a token when we send; the server, when it counts the request, which may be as
    /// late as its answer. Until then its bucket holds that token, and a full bucket refills
    /// nothing: so ours stops short of full by the requests in flight, or it would gain refill
    /// the server never got.
    fn refill(&mut self, now: Instant, in_flight: f64) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        let ceiling = (self.capacity - in_flight).max(self.tokens);
        self.tokens = (self.tokens + elapsed * self.per_second).min(ceiling);
        self.last = now;
    }

    /// Takes one token, or says how long until there is one. Refill first.
    fn take(&mut self) -> Result<(), Duration> {
        if self.tokens < 1.0 {
            return Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_second,
            ));
        }
        self.tokens -= 1.0;
        Ok(())
    }

    /// The server reported `left`, rounded down, so it had less than `left + 1`. Only a bucket
    /// a whole token or more above `left` is provably ahead of the server's, and drops to it;
    /// one within the rounding keeps its fraction, which the server has too. Refill first.
    fn lower(&mut self, left: f64) {
        if self.tokens >= left + 1.0 {
            self.tokens = left;
        }
    }

    /// With a configured limit the tenant's bucket is presumably shared with other clients, whose
    /// spending makes a fraction above the figure unsafe to keep: the figure is the ceiling.
    fn lower_strictly(&mut self, left: f64) {
        self.tokens = self.tokens.min(left);
    }

    /// The server reported `left` for a request nothing overlapped: it has at least that much,
    /// and less than a token more unless it refilled since it counted. Refill first.
    fn set(&mut self, left: f64) {
        self.lower(left);
        self.tokens = self.tokens.max(left).min(self.capacity).max(-self.capacity);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    impl State {
        /// A permit for a request with nothing else in flight (test setup).
        fn lone(s: &mut State, now: Instant) -> Permit {
            s.outstanding.clear();
            let seq = s.dispatched + 1;
            s.dispatched = seq;
            s.outstanding.insert(
                seq,
                InFlight {
                    sent: now,
                    overlapped: false,
                    expected: None,
                },
            );
            Permit { seq }
        }
    }

    fn limit(per_second: f64, burst: u32) -> Option<RateLimit> {
        Some(RateLimit { per_second, burst })
    }

    fn hints(limit: u32, remaining: u32) -> Hints {
        Hints {
            limit: Some(limit),
            remaining: Some(remaining),
            ..Hints::default()
        }
    }

    #[test]
    fn configured_bucket_allows_a_burst_then_paces() {
        let t0 = Instant::now();
        let mut s = State::new(limit(2.0, 3), t0);
        let permits: Vec<Permit> = (0..3).map(|_| s.try_take(t0).unwrap()).collect();
        for p in permits {
            s.observe(p, &Hints::default(), t0);
        }
        assert_eq!(s.try_take(t0), Err(Duration::from_millis(500)));
        assert!(s.try_take(t0 + Duration::from_millis(500)).is_ok());
    }

    #[test]
    fn a_bucket_near_full_refills_only_past_the_requests_in_flight() {
        // The server may count a request as late as it answers; until then its bucket holds
        // that token and, full, refills nothing.
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut s = State::new(limit(10.0, 2), t0);
        let first = s.try_take(t0).unwrap();
        let _second = s.try_take(ms(1000)).unwrap();
        assert!(
            s.try_take(ms(1500)).is_err(),
            "two in flight hold both tokens"
        );
        s.observe(first, &Hints::default(), ms(1500));
        assert!(s.try_take(ms(1550)).is_err());
        assert!(s.try_take(ms(1600)).is_ok(), "one token refilled in 100 ms");
    }

    #[test]
    fn the_first_answer_leaves_room_for_every_request_still_in_flight() {
        // The second request's answer comes first: the first may not be counted in it.
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let _a = s.try_take(t0).unwrap();
        let b = s.try_take(t0).unwrap();
        s.observe(b, &hints(2, 1), t0);
        assert!(s.try_take(t0).is_err(), "the server may have 0 left");
    }

    #[test]
    fn an_unanswered_request_holds_the_refill_for_a_bounded_time() {
        let t0 = Instant::now();
        let mut s = State::new(limit(10.0, 1), t0);
        let _lost = s.try_take(t0).unwrap();
        // Held for 2 s, then one token at 10/s takes 100 ms more.
        assert_eq!(
            s.try_take(t0),
            Err(COUNTED_WITHIN + Duration::from_millis(100))
        );
        let held = t0 + COUNTED_WITHIN;
        assert_eq!(s.try_take(held), Err(Duration::from_millis(100)));
        assert!(s.try_take(held + Duration::from_millis(100)).is_ok());
    }

    #[test]
    fn a_fraction_within_the_rounding_is_kept() {
        // 16/s: the server reports 0 for a bucket that holds 0.8 after 50 ms of refill.
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut s = State::new(None, t0);
        let first = s.try_take(t0).unwrap();
        s.observe(first, &hints(50, 1), ms(50));
        let next = s.try_take(ms(50)).unwrap();
        s.observe(next, &hints(50, 0), ms(100));
        // 0.8 tokens, not 0: the next one comes after 12.5 ms, not 62.5.
        assert_eq!(
            s.try_take(ms(100)),
            Err(Duration::from_secs_f64(0.2 / 16.0))
        );
        // A report a whole token below the bucket does lower it.
        let t1 = ms(1100);
        let lone = s.try_take(t1).unwrap();
        s.observe(lone, &hints(50, 3), t1);
        let burst: Vec<Permit> = (0..3).map(|_| s.try_take(t1).unwrap()).collect();
        assert!(s.try_take(t1).is_err(), "{burst:?}");
    }

    #[test]
    fn server_remaining_lowers_the_bucket_but_never_raises_it() {
        let t0 = Instant::now();
        let mut s = State::new(limit(2.0, 10), t0);
        let first = s.try_take(t0).unwrap();
        let _second = s.try_take(t0).unwrap();
        // Even if the server handled the second before the first, 1 left means others took 7.
        s.observe(first, &hints(10, 1), t0);
        assert!(s.try_take(t0).is_ok());
        assert_eq!(s.try_take(t0), Err(Duration::from_millis(500)));
        // A lone answer with plenty left does not raise a configured bucket.
        let later = t0 + Duration::from_millis(500);
        let lone = State::lone(&mut s, later);
        s.observe(lone, &hints(10, 10), later);
        assert!(s.try_take(later).is_ok(), "the token refilled in 500 ms");
        assert!(s.try_take(later).is_err());
    }

    #[test]
    fn without_a_limit_two_go_before_the_first_answer() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let a = s.try_take(t0).unwrap();
        let _b = s.try_take(t0).unwrap();
        assert_eq!(s.try_take(t0), Err(PROBE_WAIT));
        // An answer that never comes lets one more through after a while.
        assert!(s.try_take(t0 + PROBE_WAIT).is_ok());
        assert_eq!(s.try_take(t0 + PROBE_WAIT), Err(PROBE_WAIT));
        // The answer to `a` (b and the third still in flight) sets the bucket: 7 − 2 = 5 left.
        s.observe(a, &hints(10, 7), t0 + PROBE_WAIT);
        let t1 = t0 + PROBE_WAIT;
        for _ in 0..5 {
            assert!(s.try_take(t1).is_ok());
        }
        // Bucket of 10 is a 2/s plan.
        assert_eq!(s.try_take(t1), Err(Duration::from_millis(500)));
    }

    #[test]
    fn a_production_sized_bucket_refills_at_its_documented_rate() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let a = s.try_take(t0).unwrap();
        s.observe(a, &hints(50, 0), t0);
        assert_eq!(s.try_take(t0), Err(Duration::from_secs_f64(1.0 / 16.0)));
    }

    #[test]
    fn an_overlapping_answer_takes_off_only_what_others_provably_took() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let first = s.try_take(t0).unwrap();
        s.observe(first, &hints(10, 9), t0);
        let permits: Vec<Permit> = (0..3).map(|_| s.try_take(t0).unwrap()).collect();
        // 6 left after the first of three: consistent with the two later ones handled first.
        s.observe(permits[0], &hints(10, 6), t0);
        // 3 left after the second: even with the third handled first, others took 3.
        s.observe(permits[1], &hints(10, 3), t0);
        for _ in 0..3 {
            assert!(s.try_take(t0).is_ok());
        }
        assert!(s.try_take(t0).is_err());
    }

    #[test]
    fn a_burst_answered_out_of_order_leaves_no_debt() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let first = s.try_take(t0).unwrap();
        s.observe(first, &hints(50, 47), t0);
        let permits: Vec<Permit> = (0..47).map(|_| s.try_take(t0).unwrap()).collect();
        // The server handles them in reverse order; the answers come back shuffled.
        let mut answers: Vec<(Permit, u32)> = permits
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, i as u32))
            .collect();
        answers.sort_by_key(|(p, _)| (p.seq * 7919) % 47);
        for (p, remaining) in answers {
            s.observe(p, &hints(50, remaining), t0);
        }
        // Empty, not in debt: the next token comes after 1/16 s.
        assert_eq!(s.try_take(t0), Err(Duration::from_secs_f64(1.0 / 16.0)));
    }

    #[test]
    fn an_overlapping_answer_only_lowers_a_lone_one_syncs() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let first = s.try_take(t0).unwrap();
        s.observe(first, &hints(10, 2), t0);
        let a = s.try_take(t0).unwrap();
        let b = s.try_take(t0).unwrap();
        // The server handled `b` second but its answer came first; `a`'s answer, arriving last
        // with nothing else in flight, is still older news and raises nothing.
        s.observe(b, &hints(10, 0), t0);
        s.observe(a, &hints(10, 1), t0);
        assert!(s.try_take(t0).is_err());
        // A lone request after a refill: its answer is exact and raises the bucket.
        let t1 = t0 + Duration::from_secs(1);
        let c = s.try_take(t1).unwrap();
        s.observe(c, &hints(10, 5), t1);
        for _ in 0..5 {
            assert!(s.try_take(t1).is_ok());
        }
        assert!(s.try_take(t1).is_err());
    }

    #[test]
    fn a_server_without_a_bucket_size_gets_room_for_what_it_reports() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let first = s.try_take(t0).unwrap();
        let no_limit = Hints {
            remaining: Some(7),
            ..Hints::default()
        };
        s.observe(first, &no_limit, t0);
        for _ in 0..7 {
            assert!(s.try_take(t0).is_ok());
        }
        assert!(s.try_take(t0).is_err());
    }

    #[test]
    fn a_silent_server_is_not_paced() {
        let t0 = Instant::now();
        let mut s = State::new(None, t0);
        let probe = s.try_take(t0).unwrap();
        s.observe(probe, &Hints::default(), t0);
        for _ in 0..100 {
            assert!(s.try_take(t0).is_ok());
        }
    }

    #[test]
    fn a_pause_stops_everyone_in_every_mode() {
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
        let limiter = std::sync::Arc::new(RateLimiter::new(limit(1000.0, 1)));
        let a = limiter.acquire().await;
        let waiting = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.acquire().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "a bucket of 1 waits for the answer");
        limiter.observe(a, &Hints::default());
        let b = waiting.await.unwrap();
        assert_eq!((a.seq, b.seq), (1, 2));
    }
}
