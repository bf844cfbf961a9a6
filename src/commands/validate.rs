//! `loginflow validate [FILE...]`: load and check tenant files, print every diagnostic.
//!
//! Human diagnostics go to stderr, like a compiler's; `--format json` is data and goes to stdout.

use std::path::PathBuf;

use crate::diagnostics::render::{self, Sources};
use crate::diagnostics::{Diagnostic, error_count};
use crate::error::Result;
use crate::output;

/// What `validate` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub files: Vec<PathBuf>,
    pub format: Format,
}

/// How diagnostics are printed: human on stderr, or one JSON document on stdout.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    Human,
    Json,
}

/// Runs `validate`; exit code 0 without errors, 1 with.
pub fn run(args: &Settings) -> Result<u8> {
    let files = &args.files;
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut sources = Sources::new();
    let mut tenants = Vec::new();
    for file in files {
        let (t, d, s) = crate::validate::validate_file(file);
        diags.extend(d);
        sources.extend(s);
        tenants.extend(t);
    }
    // Across the files: one tenant, one file per owner.
    diags.extend(crate::validate::owners::check(
        &tenants.iter().collect::<Vec<_>>(),
    ));
    match args.format {
        Format::Json => output::data(&render::json(&diags)),
        Format::Human => {
            eprint!(
                "{}",
                render::human(&diags, &sources, output::stderr_color())
            );
            output::status(&render::summary(&diags, files.len()));
        }
    }
    Ok(u8::from(error_count(&diags) > 0))
}
