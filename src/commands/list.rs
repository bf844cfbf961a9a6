//! `loginflow list [FILE...] [--format human|json]`: the tenant files (default: every
//! `tenants/*.yaml`) and the domain each manages, for CI fleets: a matrix job per tenant fed by
//! `list --format json`. Reads no secret and sends no request; a file with errors gets
//! `validate`'s diagnostics and is left out (exit 1).

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;

/// What `list` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub files: Vec<PathBuf>,
    pub format: Format,
}

/// How the list is printed on stdout.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    /// One `FILE  DOMAIN` line per tenant.
    Human,
    /// `{"format_version": 1, "tenants": [{"file", "domain"}]}`.
    Json,
}

/// The version of the JSON list format.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document {
    format_version: u32,
    tenants: Vec<Entry>,
}

/// One tenant file.
#[derive(Serialize)]
struct Entry {
    /// The file as found or given.
    file: String,
    /// Its `tenant.domain` (empty when it has no `tenant` section).
    domain: String,
}

/// Runs `list`; exit 0 when every file is valid, 1 otherwise.
pub fn run(args: &Settings) -> Result<u8> {
    let mut tenants = Vec::new();
    let mut failed = false;
    for file in &args.files {
        match crate::pipeline::load_valid(file) {
            Ok(t) => tenants.push(Entry {
                file: file.display().to_string(),
                domain: t.config.tenant.map(|t| t.domain).unwrap_or_default(),
            }),
            Err(e) => {
                crate::output::report_error(&e);
                failed = true;
            }
        }
    }
    crate::output::data(&render(tenants, args.format));
    Ok(u8::from(failed))
}

fn render(tenants: Vec<Entry>, format: Format) -> String {
    match format {
        Format::Human => {
            let width = tenants.iter().map(|t| t.file.len()).max().unwrap_or(0);
            tenants
                .iter()
                .map(|t| format!("{:<width$}  {}\n", t.file, t.domain))
                .collect()
        }
        Format::Json => {
            let doc = Document {
                format_version: FORMAT_VERSION,
                tenants,
            };
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
    }
}
