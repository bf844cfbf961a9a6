//! What every request handler shares: the store, issued tokens, the rate limiter, the fault
//! state, the recorder and the state file. Each part has its own lock, held briefly and never
//! across an `.await`, so reads stay fast under concurrency.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::clock::{self, Nanos};
use super::faults::{FaultSpec, hits};
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

/// Faults plus the counters that spread fractional faults evenly.
#[derive(Debug, Default)]
pub struct FaultState {
    pub spec: FaultSpec,
    pub burst_left: u32,
    pub seen: u64,
}

/// The injected outcome for one request, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    Drop,
    Status(u16),
}

impl FaultState {
    pub fn replace(&mut self, spec: FaultSpec) {
        self.burst_left = spec.burst_429;
        self.spec = spec;
        self.seen = 0;
    }

    /// Decides this request's fault: a pending 429 burst first, then drops, then 5xx.
    pub fn next(&mut self) -> Option<Injected> {
        self.seen += 1;
        if self.burst_left > 0 {
            self.burst_left -= 1;
            return Some(Injected::Status(429));
        }
        if hits(self.spec.drop, self.seen) {
            return Some(Injected::Drop);
        }
        if hits(self.spec.error_503, self.seen) {
            return Some(Injected::Status(503));
        }
        if hits(self.spec.error_500, self.seen) {
            return Some(Injected::Status(500));
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
    pub tokens: Mutex<HashMap<String, Nanos>>,
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
        let mut faults = FaultState::default();
        faults.replace(opts.faults.clone());
        let shared = Shared {
            client_id: opts.client_id.clone(),
            client_secret: opts.client_secret.clone(),
            latency_ms: opts.latency_ms,
            store: Mutex::new(store),
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
