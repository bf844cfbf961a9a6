//! Request accounting for benchmarks and tests: counts by `METHOD /path/{template}`, totals, 429s,
//! and a bounded log of every API request (method, template, raw path, status, body with secret
//! values replaced by fingerprints) so tests can assert exactly what a client sent. `/__emulator/*` requests are not counted.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

/// How many requests the log keeps; older ones are dropped first.
const LOG_CAPACITY: usize = 10_000;

/// A snapshot of the counters, as `GET /__emulator/stats` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// API requests received (including faulted and rate-limited ones).
    pub total: u64,
    /// Requests answered 429, by the token bucket or by an injected burst.
    pub rate_limited: u64,
    /// Requests answered by an injected 5xx or dropped connection.
    pub faults_injected: u64,
    /// Action versions created (create with `deploy`, deploy, rollback). Kept by the store and
    /// filled in by [`crate::Emulator::stats`] and `GET /__emulator/stats`.
    pub versions_created: u64,
    /// `"GET /api/v2/actions/actions/{id}"` → count.
    pub by_endpoint: BTreeMap<String, u64>,
    /// HTTP status → count (dropped connections count as `0`).
    pub by_status: BTreeMap<u16, u64>,
}

/// One logged request.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    /// The path template, e.g. `/api/v2/actions/actions/{id}`.
    pub template: String,
    /// The raw path and query as received.
    pub path: String,
    pub status: u16,
    /// The request body as text (lossy UTF-8), secret values replaced by their fingerprints
    /// (see [`crate::fingerprint`]); empty when there was none.
    pub body: String,
}

/// Counters plus the log.
#[derive(Debug, Default)]
pub struct Recorder {
    stats: Stats,
    log: VecDeque<LoggedRequest>,
}

impl Recorder {
    pub fn record(&mut self, entry: LoggedRequest, faulted: bool) {
        let s = &mut self.stats;
        s.total += 1;
        if entry.status == 429 {
            s.rate_limited += 1;
        }
        if faulted {
            s.faults_injected += 1;
        }
        let key = format!("{} {}", entry.method, entry.template);
        *s.by_endpoint.entry(key).or_default() += 1;
        *s.by_status.entry(entry.status).or_default() += 1;
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    pub fn stats(&self) -> Stats {
        self.stats.clone()
    }

    pub fn log(&self) -> Vec<LoggedRequest> {
        self.log.iter().cloned().collect()
    }

    pub fn reset(&mut self) {
        *self = Recorder::default();
    }
}
