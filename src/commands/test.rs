//! `loginflow test [FILE...]`: run each tenant's test cases through its rendered post-login flow
//! in Node, without a tenant.
//!
//! The per-case lines and the summary (or the JUnit XML) are the command's data and go to
//! stdout; diagnostics of tenants that do not validate and notes go to stderr.

use std::io::Write as _;

use crate::cli::{TestArgs, TestFormat};
use crate::diagnostics::{error_count, render};
use crate::error::{Error, Result};
use crate::output;
use crate::pipeline::tenant_files;
use crate::testing;

/// Runs `test`; exit code 0 when every selected case passed, 1 otherwise (a failed case, a
/// tenant with validation errors, or a `--filter` that selects nothing).
pub fn run(args: &TestArgs) -> Result<u8> {
    let files = tenant_files(&args.files)?;
    let mut suites = Vec::new();
    let mut invalid = 0usize;
    for file in &files {
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
    let junit_text = (args.format == TestFormat::Junit || args.junit_out.is_some())
        .then(|| testing::junit::junit(&outcomes));
    let stdout_text = match (&args.format, &args.junit_out, &junit_text) {
        (TestFormat::Junit, None, Some(xml)) => xml.clone(),
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
