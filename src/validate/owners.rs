//! The one check across tenant files: files that manage one tenant must declare distinct owners
//! (`tenant.owner`), or each would take the other's actions for its own. Run by `validate`,
//! `plan` and `apply` over the files they are given together (`--all`: every `tenants/*.yaml`).

use std::collections::BTreeMap;

use crate::config::load::LoadedTenant;
use crate::config::target::Target;
use crate::diagnostics::{Code, Diagnostic, Finding};

/// One `duplicate-owner` error per file that shares its tenant and owner with another file,
/// located at its `tenant.owner` key (at `tenant.domain` when it declares none), naming the
/// others. Two `domain: local` files are two local tenants; a file given twice is one file.
pub fn check(tenants: &[&LoadedTenant]) -> Vec<Diagnostic> {
    let mut groups: BTreeMap<(String, &str), Vec<&LoadedTenant>> = BTreeMap::new();
    for t in tenants {
        let Some(key) = tenant_key(t) else { continue };
        let group = groups.entry((key, t.config.owner())).or_default();
        if !group.iter().any(|g| g.path() == t.path()) {
            group.push(t);
        }
    }
    let mut out = Vec::new();
    for ((domain, owner), files) in groups.into_iter().filter(|(_, f)| f.len() > 1) {
        for t in &files {
            let others = name_some(
                files
                    .iter()
                    .filter(|o| o.path() != t.path())
                    .map(|o| format!("`{}`", o.path().display()))
                    .collect(),
            );
            let declared = t.config.tenant.as_ref().is_some_and(|c| c.owner.is_some());
            let pointer = if declared {
                "/tenant/owner"
            } else {
                "/tenant/domain"
            };
            let finding = Finding::error(
                Code::DuplicateOwner,
                pointer,
                format!(
                    "`{}` and {others} both manage `{domain}` as owner `{owner}`: each would take the other's actions for its own",
                    t.path().display(),
                ),
            )
            .on_key()
            .hint(Some(
                "give each file that manages this tenant its own `tenant.owner` (set it before the first apply: changing it later makes the actions foreign to the file)".into(),
            ));
            out.push(t.locate(finding));
        }
    }
    super::sort(&mut out);
    out
}

/// The other files, the first few by name: one message per file naming every other would grow
/// with the square of the number of files.
fn name_some(others: Vec<String>) -> String {
    const NAMED: usize = 3;
    match others.len().checked_sub(NAMED) {
        Some(more) if more > 0 => format!("{} and {more} more files", others[..NAMED].join(", ")),
        _ => others.join(", "),
    }
}

/// The tenant a file manages, as one string; `None` for the embedded local tenant, which is
/// one per file.
pub fn tenant_key(t: &LoadedTenant) -> Option<String> {
    let domain = &t.config.tenant.as_ref()?.domain;
    match Target::parse(domain).ok()? {
        Target::Auth0 { domain } => Some(domain),
        Target::Loopback { base_url } => Some(base_url.to_ascii_lowercase()),
        Target::Local => None,
    }
}

#[cfg(test)]
mod tests {
    use super::name_some;

    #[test]
    fn names_three_files_then_counts_the_rest() {
        let files = |n: usize| (0..n).map(|i| format!("`t{i}`")).collect::<Vec<_>>();
        assert_eq!(name_some(files(1)), "`t0`");
        assert_eq!(name_some(files(3)), "`t0`, `t1`, `t2`");
        assert_eq!(name_some(files(5)), "`t0`, `t1`, `t2` and 2 more files");
    }
}
