//! `loginflow config show FILE [--origin] [--format yaml|json]`: the configuration a tenant file
//! resolves to, its includes merged, overrides applied and variables substituted; with
//! `--origin`, the `file:line:col` that set every value (as `git config --show-origin` does).
//! Diagnostics go to stderr as `validate` prints them; the configuration is shown whenever it
//! could be merged, and the exit code is 1 when there is an error.

use std::path::PathBuf;

use crate::config::emit;
use crate::diagnostics::{error_count, render};
use crate::error::{Error, Result};
use crate::output;

/// What `config show` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub file: PathBuf,
    pub origin: bool,
    pub format: Format,
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// Runs `config show`.
pub fn run(args: &Settings) -> Result<u8> {
    let (tenant, diags, sources) = crate::validate::validate_file(&args.file);
    if !diags.is_empty() {
        eprint!(
            "{}",
            render::human(&diags, &sources, output::stderr_color())
        );
    }
    let errors = error_count(&diags);
    let Some(tenant) = tenant else {
        return Err(Error::InvalidConfig { count: errors });
    };
    let text = match (args.format, args.origin) {
        (Format::Yaml, false) => emit::yaml(&tenant.merged, &|_| None),
        (Format::Yaml, true) => emit::yaml(&tenant.merged, &|p| Some(tenant.origin_text(p))),
        (Format::Json, false) => pretty(&tenant.merged),
        (Format::Json, true) => {
            let origins: serde_json::Map<String, serde_json::Value> = emit::leaves(&tenant.merged)
                .into_iter()
                .map(|p| {
                    let o = tenant.origin_text(&p);
                    (p, o.into())
                })
                .collect();
            pretty(&serde_json::json!({ "config": tenant.merged, "origins": origins }))
        }
    };
    output::data(&text);
    Ok(u8::from(errors > 0))
}

fn pretty(v: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
    text.push('\n');
    text
}
