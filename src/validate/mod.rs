//! Validation: the checks of SPEC §3.2 over loaded files. Pure: no I/O here; the loader
//! (`config::load`) reads files and the checks only look at values. Every check returns all its
//! findings; nothing stops at the first problem.

pub mod auth0_rules;
pub mod finding;
pub mod kind_rules;
pub mod limits;
pub mod refs;
pub mod schema_check;
pub mod suggest;
pub mod trust;
pub mod walk;

pub use finding::Finding;

use crate::config::load::{self, LoadedTenant};
use crate::diagnostics::Diagnostic;
use crate::diagnostics::render::Sources;

/// The semantic checks of a merged tenant, located in their files.
pub fn check_tenant(tenant: &LoadedTenant) -> Vec<Diagnostic> {
    let mut findings = refs::check(&tenant.config);
    findings.extend(auth0_rules::check(tenant));
    findings.extend(kind_rules::check(&tenant.config.actions));
    findings.extend(limits::check(tenant));
    let mut diags: Vec<Diagnostic> = findings.into_iter().map(|f| tenant.locate(f)).collect();
    sort(&mut diags);
    diags
}

/// Loads and checks one tenant file: every diagnostic, the sources to show them, and the tenant
/// when it loaded (it may still have semantic errors).
pub fn validate_file(path: &std::path::Path) -> Validated {
    schema_check::compile_in_background();
    let mut outcome = load::load(path);
    if let Some(t) = &outcome.tenant {
        outcome.diagnostics.extend(check_tenant(t));
    }
    sort(&mut outcome.diagnostics);
    (outcome.tenant, outcome.diagnostics, outcome.sources)
}

/// A tenant that passed every check except the JSON Schema, whose verdict comes later (see
/// [`load::load_deferring_schema`]).
pub struct Provisional {
    pub tenant: LoadedTenant,
    /// What the loader reported (never an error on this path), printed with the verdict.
    load: Vec<Diagnostic>,
    /// Warnings of the semantic checks, which `validate` shows only for a schema-valid tenant.
    semantic: Vec<Diagnostic>,
    schema: load::PendingSchema,
}

/// What [`validate_file`] returns: the tenant if it loaded, every diagnostic, the sources.
pub type Validated = (Option<LoadedTenant>, Vec<Diagnostic>, Sources);

/// Either a tenant waiting only for its schema verdict, or exactly what [`validate_file`]
/// reports for the file.
pub enum Verdict {
    Pending(Provisional),
    Final(Validated),
}

/// Validates like [`validate_file`] without waiting for the schema when the file is otherwise
/// clean. Any error sends the file through [`validate_file`] again, so that what is printed is
/// always what `validate` prints.
pub fn validate_provisionally(path: &std::path::Path) -> Verdict {
    // No schema thread: the verdict is wanted only after the first request, and compiling it
    // now would take a core from the TLS handshake.
    let (outcome, schema) = load::load_deferring_schema(path);
    let clean = |d: &[Diagnostic]| !d.iter().any(Diagnostic::is_error);
    if let Some(tenant) = outcome.tenant
        && clean(&outcome.diagnostics)
    {
        let semantic = check_tenant(&tenant);
        if clean(&semantic) {
            return Verdict::Pending(Provisional {
                tenant,
                load: outcome.diagnostics,
                semantic,
                schema,
            });
        }
    }
    Verdict::Final(validate_file(path))
}

impl Provisional {
    /// Waits for the schema verdict: the tenant and its warnings, or, when the schema finds an
    /// error, exactly what [`validate_file`] reports (which does not follow the includes of a
    /// file the schema refuses, so the file is validated again rather than patched up here).
    pub fn confirm(self) -> Validated {
        let mut found = self.schema.check(&self.tenant.files);
        if found.iter().any(Diagnostic::is_error) {
            return validate_file(self.tenant.path());
        }
        found.extend(self.load);
        found.extend(self.semantic);
        sort(&mut found);
        let sources = sources_of(&self.tenant);
        (Some(self.tenant), found, sources)
    }
}

fn sources_of(tenant: &LoadedTenant) -> Sources {
    tenant
        .files
        .iter()
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect()
}

/// Orders diagnostics by file, then position, then code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let pa = a.pos.map(|p| (p.line, p.column));
        let pb = b.pos.map(|p| (p.line, p.column));
        (&a.file, pa, a.code, &a.message).cmp(&(&b.file, pb, b.code, &b.message))
    });
}
