//! `loginflow validate [FILE...]`: load and check tenant files, print every diagnostic.
//!
//! Human diagnostics go to stderr, like a compiler's; `--format json` is data and goes to stdout.

use std::path::PathBuf;

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::diagnostics::render::{self, Sources};
use crate::diagnostics::{Diagnostic, error_count};
use crate::error::{Error, Result};
use crate::output;

/// Runs `validate`; exit code 0 without errors, 1 with.
pub fn run(args: &ValidateArgs) -> Result<u8> {
    let files = tenant_files(&args.files)?;
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

/// Loads a tenant for a command that needs it valid: on errors, prints every diagnostic and
/// fails; warnings are printed and tolerated.
pub fn load_valid(file: &std::path::Path) -> Result<crate::config::load::LoadedTenant> {
    accept(file, crate::validate::validate_file(file))
}

/// Prints the diagnostics of a validated file; the tenant when none of them is an error.
pub fn accept(
    file: &std::path::Path,
    (tenant, diags, sources): crate::validate::Validated,
) -> Result<crate::config::load::LoadedTenant> {
    if !diags.is_empty() {
        eprint!(
            "{}",
            render::human(&diags, &sources, output::stderr_color())
        );
    }
    let errors = error_count(&diags);
    match tenant {
        Some(t) if errors == 0 => Ok(t),
        _ => Err(Error::other(
            format!("`{}` has {errors} error(s); fix them first", file.display()),
            Some(format!(
                "`loginflow validate {}` lists them",
                file.display()
            )),
        )),
    }
}

/// The files named on the command line, or every `tenants/*.yaml` (sorted) when none are.
pub fn tenant_files(given: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let dir = PathBuf::from("tenants");
    let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
        action: "list tenant files in",
        path: dir.clone(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::other(
            "no tenant files in `tenants/`",
            Some(
                "name files on the command line, or run from the folder that holds `tenants/`"
                    .into(),
            ),
        ));
    }
    Ok(files)
}
