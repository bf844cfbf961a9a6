//! `loginflow validate [FILE...]`: load and check tenant files, print every diagnostic.
//!
//! Human diagnostics go to stderr, like a compiler's; `--format json` is data and goes to stdout.

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::diagnostics::render::{self, Sources};
use crate::diagnostics::{Diagnostic, error_count};
use crate::error::Result;
use crate::output;

/// Runs `validate`; exit code 0 without errors, 1 with.
pub fn run(args: &ValidateArgs) -> Result<u8> {
    let files = crate::pipeline::tenant_files(&args.files)?;
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut sources = Sources::new();
    for file in &files {
        let (_, d, s) = crate::validate::validate_file(file);
        diags.extend(d);
        sources.extend(s);
    }
    match args.format {
        DiagnosticFormat::Json => output::data(&render::json(&diags)),
        DiagnosticFormat::Human => {
            eprint!(
                "{}",
                render::human(&diags, &sources, output::stderr_color())
            );
            output::status(&render::summary(&diags, files.len()));
        }
    }
    Ok(u8::from(error_count(&diags) > 0))
}
