//! Cross-system checks: the tenant's `hasura` and `tinybird` actions against the projects the
//! team already keeps (Hasura metadata, Tinybird datafiles). Each reads its folder through
//! `fsread` (inside the repository root, capped), then checks purely; every finding is located
//! in the tenant file and names the project file it is about.

pub mod hasura;
pub mod tinybird;

use std::fmt::Display;
use std::path::{Path, PathBuf};

use crate::config::load::{LoadedTenant, read_finding};
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::{Code, Diagnostic, Finding};
use crate::fsread::ReadError;

/// Every cross-system diagnostic of a loaded tenant.
pub fn check(tenant: &LoadedTenant) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = hasura::reports(tenant, None)
        .into_iter()
        .flat_map(|r| r.diagnostics)
        .collect();
    out.extend(tinybird::check(tenant));
    out
}

/// The folder of the file that set `field` of action `name` (an override may set it): the
/// path is relative to it.
fn declaring_dir<'t>(tenant: &'t LoadedTenant, name: &str, field: &str) -> &'t Path {
    let ptr = format!("/actions/{}/{field}", escape_pointer(name));
    let idx = tenant.origins.resolve(&ptr).file;
    tenant
        .files
        .get(idx)
        .and_then(|f| f.path.parent())
        .unwrap_or(Path::new("."))
}

/// Resolves a project folder a tenant file names, or the finding that says why it cannot be used.
fn folder(
    tenant: &LoadedTenant,
    base: &Path,
    dir: &str,
    ptr: &str,
    what: &str,
    missing: Code,
) -> Result<PathBuf, Box<Finding>> {
    let f = match tenant.root.resolve(base, dir) {
        Ok(real) if real.is_dir() => return Ok(real),
        Ok(_) => Finding::error(missing, ptr, format!("{what} is not a folder")),
        Err(ReadError::NotFound) => Finding::error(missing, ptr, format!("{what} does not exist")),
        Err(e) => read_finding(e, what, ptr),
    };
    Err(Box::new(f))
}

/// A problem in a project file, as a finding at `ptr` naming the file and position.
fn problem(code: Code, ptr: &str, at: Option<impl Display>, message: &str) -> Finding {
    let message = match at {
        Some(at) => format!("{at}: {message}"),
        None => message.to_string(),
    };
    Finding::error(code, ptr, message)
}

/// `inc` relative to the folder of `file` (both relative to one folder), `..` and `.`
/// taken lexically; the read itself is still confined by `fsread`.
pub fn join(file: &str, inc: &str) -> String {
    let mut parts: Vec<&str> = file.split('/').collect();
    parts.pop();
    for seg in inc.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." => parts.push(".."),
            s => parts.push(s),
        }
    }
    parts.join("/")
}
