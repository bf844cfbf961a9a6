//! `loginflow test [FILE...]`: run each tenant's test cases through its rendered post-login flow
//! in Node, without a tenant.
//!
//! The per-case lines and the summary (or the JUnit XML) are the command's data and go to
//! stdout; diagnostics of tenants that do not validate and notes go to stderr.

use std::io::Write as _;

use std::path::PathBuf;

use crate::diagnostics::{error_count, render};
use crate::error::{Error, Result};
use crate::output;
use crate::testing;

/// What `test` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub files: Vec<PathBuf>,
    /// Only the cases whose name contains this text (case-insensitive).
    pub filter: Option<String>,
    pub format: Format,
    /// Also write the JUnit XML here (stdout keeps the human lines).
    pub junit_out: Option<PathBuf>,
    /// The time budget of one flow, instead of Auth0's 20 s.
    pub time_limit_ms: Option<u64>,
}

/// What `test` prints on stdout.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    Human,
    Junit,
}

/// Runs `test`; exit code 0 when every selected case passed, 1 otherwise (a failed case, a
/// tenant with validation errors, or a `--filter` that selects nothing).
pub fn run(args: &Settings) -> Result<u8> {
    let files = &args.files;
    let mut suites = Vec::new();
    let mut invalid = 0usize;
    for file in files {
        let (tenant, diags, sources) = crate::validate::validate_file(file);
        let shown = file.display().to_string();
        let tenant = match tenant {
            Some(t) if error_count(&diags) == 0 => t,
            _ => {
                eprint!(
                    "{}",
                    render::human(&diags, &sources, output::stderr_color())
                );
                output::status(&format!(
                    "{shown}: not tested: the tenant has validation errors (run `loginflow validate {shown}`)"
                ));
                invalid += 1;
                continue;
            }
        };
        let suite = testing::suite(&tenant, &shown, args.filter.as_deref())
            .map_err(|e| Error::other(format!("{shown}: could not render the flow: {e}"), None))?;
        suites.push(suite);
    }
    let selected: usize = suites.iter().map(|s| s.cases.len()).sum();
    let outcomes = testing::run(&suites, args.time_limit_ms)?;
    let junit_text = (matches!(args.format, Format::Junit) || args.junit_out.is_some())
        .then(|| testing::junit::junit(&outcomes));
    let stdout_text = match (&args.format, &args.junit_out, &junit_text) {
        (Format::Junit, None, Some(xml)) => xml.clone(),
        _ => testing::report::human(&outcomes),
    };
    if let (Some(path), Some(xml)) = (&args.junit_out, &junit_text) {
        std::fs::write(path, xml).map_err(|source| Error::Io {
            action: "write the JUnit report to",
            path: path.clone(),
            source,
        })?;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(stdout_text.as_bytes());
    let _ = out.flush();
    if selected == 0
        && let Some(filter) = &args.filter
    {
        output::status(&format!("no test case name contains `{filter}`"));
        return Ok(1);
    }
    let failed = outcomes.iter().any(|o| !o.passed());
    Ok(u8::from(failed || invalid > 0))
}
