//! Runs Auth0 Actions in Node against test events: the engine of the render tests and of
//! `loginflow test`.
//!
//! One `node` process runs a whole batch: the embedded `harness.js` reads a [`Job`] on stdin and
//! answers one [`CaseResult`] per case. See the harness's header comment for what it emulates.

mod job;
mod run;

pub use job::{
    CacheDelete, CacheRead, CacheWrite, CaseResult, HttpCall, Job, JobAction, JobCase, LogLine,
    ThrownError,
};
pub use run::{NodeError, node_version, run_batch};

/// The harness source, run with `node --eval`.
pub const HARNESS: &str = include_str!("harness.js");
