//! `loginflow test`: runs a tenant's test cases through its rendered post-login flow in Node and
//! judges them against their expectations, without a tenant.
//!
//! [`suite`](mod@suite) renders each tenant's flow and selects its cases, [`run`] sends every case of every
//! suite to ONE Node process (the harness of `crate::node`) and compares each result with its
//! expectations ([`expect`]), producing [`CaseOutcome`]s with secret values redacted; [`report`]
//! and [`junit`] print them.

pub mod event;
pub mod expect;
pub mod junit;
pub mod matcher;
pub mod outcome;
pub mod pattern;
pub mod redact;
pub mod report;
pub mod suite;

pub use outcome::{CaseOutcome, summary};
pub use suite::{Suite, suite};

use crate::node::{Job, JobCase, NodeError, run_batch};
use redact::Redactor;

/// The clock of every case (`Date.now()` in the actions): 2026-01-05T08:00:00Z, the default
/// `event.user.updated_at`. A fixed clock makes timestamps, token expiries and cache ages
/// reproducible, so they can be expected exactly.
pub const NOW_MS: u64 = 1_767_600_000_000;

/// Runs every case of `suites` in one Node process. `time_limit_ms` replaces Auth0's 20-second
/// budget per flow (for tests of the limit itself). Without any case, Node is not started.
pub fn run(suites: &[Suite], time_limit_ms: Option<u64>) -> Result<Vec<CaseOutcome>, NodeError> {
    let mut job = Job {
        time_limit_ms,
        ..Job::default()
    };
    for (i, s) in suites.iter().enumerate() {
        job.flows.push(s.actions.clone());
        for case in &s.cases {
            job.cases.push(JobCase {
                name: case.name.clone(),
                event: event::build_event(&case.event, &s.tenant_id),
                secrets: case.secrets.clone(),
                http_stubs: case.http.clone(),
                cache: case.cache.clone(),
                now_ms: Some(NOW_MS),
                flow: Some(i),
            });
        }
    }
    if job.cases.is_empty() {
        return Ok(Vec::new());
    }
    let results = run_batch(&job)?;
    let cases = suites
        .iter()
        .flat_map(|s| s.cases.iter().map(move |c| (s.file.as_str(), c)));
    Ok(cases
        .zip(results)
        .map(|((file, case), result)| {
            let redactor = Redactor::new(case.secrets.values());
            let failures: Vec<String> = expect::compare(&case.expect, &result, &case.secrets)
                .iter()
                .map(|m| redactor.apply(&m.to_string()))
                .collect();
            let logs = if failures.is_empty() {
                Vec::new()
            } else {
                result
                    .logs
                    .iter()
                    .map(|l| redactor.apply(&format!("[{}] {}", l.action, l.message)))
                    .collect()
            };
            CaseOutcome {
                file: file.to_owned(),
                name: case.name.clone(),
                failures,
                logs,
                time_ms: result.duration_ms,
            }
        })
        .collect())
}
