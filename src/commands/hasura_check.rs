//! `loginflow hasura check --tenant FILE [--metadata DIR]`: the tenant's `hasura` actions against
//! the Hasura metadata. Diagnostics (the tenant's own, then the cross-checks) go to stderr; the
//! roles × tables × operations table of each action goes to stdout.

use std::path::PathBuf;

use crate::config::load;
use crate::crosscheck::hasura;
use crate::diagnostics::{error_count, render};
use crate::error::{Error, Result};
use crate::output;

/// What `hasura check` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub tenant: PathBuf,
    /// Used for every `hasura` action instead of its `metadata` key.
    pub metadata: Option<PathBuf>,
}

/// Runs `hasura check`: exit code 0 without errors, 1 with.
pub fn run(settings: &Settings) -> Result<u8> {
    crate::config::schema_check::compile_in_background();
    let outcome = load::load(&settings.tenant);
    let mut diags = outcome.diagnostics;
    let mut tables = Vec::new();
    if let Some(tenant) = &outcome.tenant {
        diags.extend(crate::validate::check_tenant(tenant));
        let reports = hasura::reports(tenant, settings.metadata.as_deref());
        if reports.is_empty() {
            return Err(Error::other(
                "no `hasura` action of this tenant names a metadata folder",
                Some("set `metadata:` on the action, or pass `--metadata DIR`".into()),
            ));
        }
        for r in reports {
            diags.extend(r.diagnostics);
            if let Some(md) = &r.metadata {
                tables.push(format!(
                    "{} ({}):\n{}",
                    r.action,
                    r.shown,
                    hasura::table::render(r.spec, md)
                ));
            }
        }
    }
    crate::validate::sort(&mut diags);
    if !diags.is_empty() {
        eprint!(
            "{}",
            render::human(&diags, &outcome.sources, output::stderr_color())
        );
    }
    output::data(&tables.join("\n"));
    output::status(&render::summary(&diags, 1));
    Ok(u8::from(error_count(&diags) > 0))
}
