//! `tinybird` actions against the Tinybird project (`project:`): scopes naming pipes or data
//! sources that do not exist, `fixed_params` the pipe never reads, and tenant-key parameters
//! (`tenant_keys`) a pipe reads that the scope does not fix: row-level-security holes, errors
//! unless `allow_unfixed` acknowledges them. `datafile` and `template` parse the datafiles,
//! `read` reads the folder, `rules` checks each scope.

pub mod datafile;
pub mod read;
pub mod rules;
pub mod template;

use crate::config::ActionConfig;
use crate::config::load::LoadedTenant;
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::{Code, Diagnostic, Finding};

/// Every finding of the `tinybird` actions that name a project folder.
pub fn check(tenant: &LoadedTenant) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, action) in &tenant.config.actions {
        let ActionConfig::Tinybird(a) = action else {
            continue;
        };
        let Some(dir) = &a.spec.project else {
            continue;
        };
        let base = format!("/actions/{}", escape_pointer(name));
        let ptr = format!("{base}/project");
        let what = format!("Tinybird project folder `{dir}`");
        let base_dir = super::declaring_dir(tenant, name, "project");
        let findings: Vec<Finding> =
            match super::folder(tenant, base_dir, dir, &ptr, &what, Code::TinybirdProject) {
                Err(f) => vec![*f],
                Ok(real) => {
                    let (project, problems) = read::read(&tenant.root, &real, dir);
                    let mut f: Vec<Finding> = problems
                        .into_iter()
                        .map(|(at, msg)| super::problem(Code::TinybirdProject, &ptr, at, &msg))
                        .collect();
                    f.extend(rules::check(&a.spec, &project, &base));
                    f
                }
            };
        out.extend(findings.into_iter().map(|f| tenant.locate(f)));
    }
    out
}
