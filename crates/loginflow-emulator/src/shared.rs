//! What every request handler shares: the store, issued tokens, the rate limiter, the fault
//! state, the recorder and the state file. Each part has its own lock, held briefly and never
//! across an `.await`, so reads stay fast under concurrency.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::clock::{self, Nanos};
use super::faults::{FaultSpec, Rng, random_seed};
use super::options::EmulatorOptions;
use super::rate_limit::{TokenBucket, Verdict};
use super::state_file;
use super::stats::Recorder;
use super::store::Store;

/// Locks a mutex, recovering the data if a previous holder panicked: the emulator must keep
/// serving, and every critical section leaves its data consistent before any fallible step.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Faults plus the seeded generator that draws them.
#[derive(Debug)]
pub struct FaultState {
    pub spec: FaultSpec,
    pub burst_left: u32,
    /// The seed in effect.
    pub seed: u64,
    rng: Rng,
}

/// The injected outcome for one request, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Close the connection before the request is applied.
    Drop,
    /// Answer this status before the request is applied.
    Status(u16),
    /// Apply the request, then close the connection without an answer.
    DropAfter,
    /// Apply the request, then answer 503 instead.
    StatusAfter,
}

impl FaultState {
    /// Faults of `spec`, drawn from its seed or a random one.
    pub fn new(spec: FaultSpec) -> Self {
        let seed = spec.seed.unwrap_or_else(random_seed);
        let mut state = FaultState {
            spec: FaultSpec::default(),
            burst_left: 0,
            seed,
            rng: Rng::new(seed),
        };
        state.replace(spec);
        state
    }

    /// Replaces the spec; a seed other than the one in effect restarts the draws from it.
    pub fn replace(&mut self, spec: FaultSpec) {
        if let Some(seed) = spec.seed.filter(|&s| s != self.seed) {
            self.seed = seed;
            self.rng = Rng::new(seed);
        }
        self.burst_left = spec.burst_429;
        self.spec = spec;
    }

    /// Decides this request's fault: a pending 429 burst first, then one random draw against
    /// the request faults' probabilities, laid end to end.
    pub fn next(&mut self) -> Option<Injected> {
        if self.burst_left > 0 {
            self.burst_left -= 1;
            return Some(Injected::Status(429));
        }
        let s = &self.spec;
        let outcomes = [
            (s.drop, Injected::Drop),
            (s.error_503, Injected::Status(503)),
            (s.error_500, Injected::Status(500)),
            (s.drop_after, Injected::DropAfter),
            (s.error_503_after, Injected::StatusAfter),
        ];
        if outcomes.iter().all(|(p, _)| *p <= 0.0) {
            return None;
        }
        let draw = self.rng.next_f64();
        let mut edge = 0.0;
        for (p, outcome) in outcomes {
            edge += p;
            if draw < edge {
                return Some(outcome);
            }
        }
        None
    }
}

/// The server's shared state.
#[derive(Debug)]
pub struct Shared {
    pub client_id: String,
    pub client_secret: String,
    pub latency_ms: u64,
    pub store: Mutex<Store>,
    /// More clients and their grants ([`crate::ClientGrant`]).
    pub clients: Vec<crate::ClientGrant>,
    /// Issued token → (expiry, granted scopes).
    pub tokens: Mutex<HashMap<String, (Nanos, String)>>,
    pub bucket: Mutex<Option<TokenBucket>>,
    pub faults: Mutex<FaultState>,
    pub recorder: Mutex<Recorder>,
    pub state_file: Option<PathBuf>,
    /// Serializes state-file writes; holds the generation last written.
    pub saved: Mutex<u64>,
    pub generation: Mutex<u64>,
}

impl Shared {
    pub fn new(opts: &EmulatorOptions, store: Store) -> Self {
        let faults = FaultState::new(opts.faults.clone());
        let shared = Shared {
            client_id: opts.client_id.clone(),
            client_secret: opts.client_secret.clone(),
            latency_ms: opts.latency_ms,
            store: Mutex::new(store),
            clients: opts.clients.clone(),
            tokens: Mutex::new(HashMap::new()),
            bucket: Mutex::new(opts.rate_limit.map(TokenBucket::new)),
            faults: Mutex::new(faults),
            recorder: Mutex::new(Recorder::default()),
            state_file: opts.state_file.clone(),
            saved: Mutex::new(0),
            generation: Mutex::new(0),
        };
        shared.apply_build_faults();
        shared
    }

    /// Copies the build-related faults into the store (they shape builds, not requests).
    pub fn apply_build_faults(&self) {
        let spec = lock(&self.faults).spec.clone();
        let mut store = lock(&self.store);
        store.fail_builds = spec.fail_builds;
        store.slow_builds_ms = spec.slow_builds_ms;
    }

    /// The request counters plus the store's version counter.
    pub fn stats(&self) -> super::stats::Stats {
        let mut stats = lock(&self.recorder).stats();
        stats.versions_created = lock(&self.store).versions_created;
        stats
    }

    /// Takes a rate-limit token; `None` when rate limiting is off.
    pub fn rate_limit(&self) -> Option<Verdict> {
        let now = clock::now() as f64 / 1e9;
        lock(&self.bucket).as_mut().map(|b| b.take(now))
    }

    /// Writes the state file if one is configured. Encoding happens under the store lock;
    /// a generation counter makes sure an older snapshot never overwrites a newer one.
    pub fn persist(&self) -> crate::error::Result<()> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        let (bytes, generation) = {
            let store = lock(&self.store);
            let mut g = lock(&self.generation);
            *g += 1;
            (state_file::encode(&store.state), *g)
        };
        let mut saved = lock(&self.saved);
        if *saved > generation {
            return Ok(());
        }
        state_file::write(path, &bytes)?;
        *saved = generation;
        Ok(())
    }
}
