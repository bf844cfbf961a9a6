//! Validation: the checks of SPEC §3.2 over loaded files. Pure: no I/O here; the loader
//! (`config::load`) reads files and the checks only look at values. Every check returns all its
//! findings; nothing stops at the first problem.

pub mod auth0_rules;
pub mod budget;
pub mod calls;
pub mod kind_rules;
pub mod limits;
pub mod owners;
pub mod refs;
pub mod trust;
pub mod walk;

use crate::config::load::{self, LoadedTenant};
use crate::diagnostics::Diagnostic;
use crate::diagnostics::render::Sources;

/// The semantic checks of a merged tenant, located in their files.
pub fn check_tenant(tenant: &LoadedTenant) -> Vec<Diagnostic> {
    let mut findings = refs::check(&tenant.config);
    findings.extend(auth0_rules::check(tenant));
    findings.extend(kind_rules::check(&tenant.config.actions));
    findings.extend(limits::check(tenant));
    findings.extend(budget::check(&tenant.config));
    findings.extend(calls::check(&tenant.config));
    let mut diags: Vec<Diagnostic> = findings.into_iter().map(|f| tenant.locate(f)).collect();
    sort(&mut diags);
    diags
}

/// Loads and checks one tenant file: every diagnostic, the sources to show them, and the tenant
/// when it loaded (it may still have semantic errors).
pub fn validate_file(path: &std::path::Path) -> Validated {
    crate::config::schema_check::compile_in_background();
    let mut outcome = load::load(path);
    if let Some(t) = &outcome.tenant {
        outcome.diagnostics.extend(check_tenant(t));
        outcome.diagnostics.extend(crate::crosscheck::check(t));
    }
    sort(&mut outcome.diagnostics);
    (outcome.tenant, outcome.diagnostics, outcome.sources)
}

/// What [`validate_file`] returns: the tenant if it loaded, every diagnostic, the sources.
pub type Validated = (Option<LoadedTenant>, Vec<Diagnostic>, Sources);

/// Orders diagnostics by file, then position, then code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let pa = a.pos.map(|p| (p.line, p.column));
        let pb = b.pos.map(|p| (p.line, p.column));
        (&a.file, pa, a.code, &a.message).cmp(&(&b.file, pb, b.code, &b.message))
    });
}
