//! `hasura` actions against the Hasura project's metadata (`metadata:`): roles granted without
//! permissions and permissions no rule grants, session variables a permission reads that the
//! claims do not always set, role spellings Hasura would never match. `read` does the I/O,
//! `rules` the checks, `table` the roles × tables × operations table of `hasura check`.

pub mod metadata;
pub mod read;
pub mod rules;
pub mod table;
pub mod vars;

use std::path::Path;

use crate::config::ActionConfig;
use crate::config::kinds::HasuraSpec;
use crate::config::load::LoadedTenant;
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::{Code, Diagnostic, Finding};
use metadata::Metadata;

/// One `hasura` action checked against a metadata folder.
#[derive(Debug)]
pub struct Report<'t> {
    pub action: &'t str,
    pub spec: &'t HasuraSpec,
    /// The folder as the messages name it.
    pub shown: String,
    /// `None` when the folder could not be used.
    pub metadata: Option<Metadata>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks every `hasura` action that names a metadata folder, or every `hasura` action against
/// `folder` (a path relative to the current directory, from `hasura check --metadata`).
pub fn reports<'t>(tenant: &'t LoadedTenant, folder: Option<&Path>) -> Vec<Report<'t>> {
    let mut out = Vec::new();
    for (name, action) in &tenant.config.actions {
        let ActionConfig::Hasura(a) = action else {
            continue;
        };
        let (base_dir, dir) = match (folder, &a.spec.metadata) {
            (Some(f), _) => (Path::new("."), f.to_string_lossy().into_owned()),
            (None, Some(m)) => (super::declaring_dir(tenant, name, "metadata"), m.clone()),
            (None, None) => continue,
        };
        let base = format!("/actions/{}", escape_pointer(name));
        let mut report = Report {
            action: name,
            spec: &a.spec,
            shown: dir.clone(),
            metadata: None,
            diagnostics: Vec::new(),
        };
        let ptr = format!("{base}/metadata");
        let what = format!("metadata folder `{dir}`");
        let findings =
            match super::folder(tenant, base_dir, &dir, &ptr, &what, Code::HasuraMetadata) {
                Err(f) => vec![*f],
                Ok(real) => {
                    let (md, problems) = read::read(&tenant.root, &real, &dir);
                    let mut f: Vec<Finding> = problems
                        .into_iter()
                        .map(|p| super::problem(Code::HasuraMetadata, &ptr, p.at, &p.message))
                        .collect();
                    f.extend(rules::check(&a.spec, &md, &base));
                    report.metadata = Some(md);
                    f
                }
            };
        report.diagnostics = findings.into_iter().map(|f| tenant.locate(f)).collect();
        out.push(report);
    }
    out
}
