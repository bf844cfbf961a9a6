//! The checks of a `hasura` action against its metadata. Pure.
//!
//! A *branch* is one way the action picks the roles: each role rule (it matches and no earlier
//! one did) and the default roles (no rule matches). A role is granted on a branch when it is in
//! that branch's `allowed_roles`: the client may then ask for it with `x-hasura-role`.

use std::collections::{BTreeMap, BTreeSet};

use super::metadata::{Metadata, Permission, VarUse};
use crate::config::action::Condition;
use crate::config::kinds::HasuraSpec;
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::{Code, Finding};

/// Session variables every token of the action carries (or Hasura sets from the request).
const ALWAYS_SET: &[&str] = &[
    "x-hasura-role",
    "x-hasura-user-id",
    "x-hasura-default-role",
    "x-hasura-allowed-roles",
];

/// Event paths present in every post-login event.
const ALWAYS_PRESENT: &[&str] = &[
    "user.user_id",
    "user.created_at",
    "tenant.id",
    "client.client_id",
    "client.name",
    "connection.id",
    "connection.name",
    "connection.strategy",
    "request.ip",
];

/// Hasura's built-in role: full access, no permissions in the metadata.
const ADMIN: &str = "admin";

/// One way the action picks the roles.
pub struct Branch<'a> {
    /// For people: `role rule 2` or `the default roles`.
    pub label: String,
    /// Pointer of its `allowed_roles`.
    pub ptr: String,
    pub allowed: &'a [String],
    /// Event paths its condition requires to be present.
    pub requires: Vec<&'a str>,
}

/// The branches of an action, rules first (the order they are tried), then the default.
pub fn branches<'a>(spec: &'a HasuraSpec, base: &str) -> Vec<Branch<'a>> {
    let mut out: Vec<Branch<'a>> = spec
        .role_rules
        .iter()
        .enumerate()
        .map(|(i, r)| Branch {
            label: format!("role rule {} (`role_rules/{i}`)", i + 1),
            ptr: format!("{base}/role_rules/{i}/allowed_roles"),
            allowed: &r.allowed_roles,
            requires: required_path(&r.when).into_iter().collect(),
        })
        .collect();
    out.push(Branch {
        label: "the default roles (no rule matches)".into(),
        ptr: format!("{base}/allowed_roles"),
        allowed: &spec.allowed_roles,
        requires: Vec::new(),
    });
    out
}

/// The event path a condition only holds with: `exists: true`, or `equals`/`in` non-null values.
fn required_path(when: &Condition) -> Option<&str> {
    let path = when.path.as_deref()?;
    let non_null = |v: &serde_json::Value| !v.is_null();
    let requires = when.exists == Some(true)
        || when.equals.as_ref().is_some_and(non_null)
        || when
            .in_
            .as_ref()
            .is_some_and(|list| !list.is_empty() && list.iter().all(non_null));
    requires.then_some(path)
}

/// Every finding of one action against its metadata.
pub fn check(spec: &HasuraSpec, md: &Metadata, base: &str) -> Vec<Finding> {
    let branches = branches(spec, base);
    let by_role = by_role(md);
    let mut out = Vec::new();
    let granted = granted_roles(&branches);
    for (role, ptr) in &granted {
        if role.as_str() != ADMIN && !by_role.contains_key(role.as_str()) {
            let is_default = spec.default_role == *role
                || spec.role_rules.iter().any(|r| r.default_role == *role);
            out.push(unknown_role(role, ptr, is_default, &by_role));
        }
    }
    ungranted(spec, md, &granted, &by_role, base, &mut out);
    for (role, _) in &granted {
        for (var, used) in reads(role, &by_role) {
            variable(spec, &branches, role, &var, used, base, &mut out);
        }
    }
    out
}

/// Each role with its permissions.
fn by_role(md: &Metadata) -> BTreeMap<&str, Vec<&Permission>> {
    let mut map: BTreeMap<&str, Vec<&Permission>> = BTreeMap::new();
    for p in &md.permissions {
        map.entry(p.role.as_str()).or_default().push(p);
    }
    // An inherited role holds its members' permissions.
    for inh in &md.inherited {
        let held: Vec<&Permission> = inh
            .members
            .iter()
            .filter_map(|m| map.get(m.as_str()))
            .flatten()
            .copied()
            .collect();
        if !held.is_empty() {
            map.entry(inh.name.as_str()).or_default().extend(held);
        }
    }
    map
}

/// Every role the action can grant, with the pointer of its first mention, in order.
fn granted_roles(branches: &[Branch<'_>]) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for b in branches {
        for (j, role) in b.allowed.iter().enumerate() {
            if seen.insert(role.clone()) {
                out.push((role.clone(), format!("{}/{j}", b.ptr)));
            }
        }
    }
    out
}

/// A granted role without permissions: a spelling Hasura would never match (error), or unused.
fn unknown_role(
    role: &str,
    ptr: &str,
    is_default: bool,
    by_role: &BTreeMap<&str, Vec<&Permission>>,
) -> Finding {
    let near = by_role
        .iter()
        .find(|(r, _)| r.trim().eq_ignore_ascii_case(role.trim()));
    if let Some((r, perms)) = near {
        let msg = format!(
            "role `{role}` matches no role of the metadata: Hasura compares role names exactly, \
             and the metadata has `{r}` ({})",
            perms[0].at
        );
        return Finding::error(Code::HasuraRole, ptr, msg).hint(Some(format!("write `{r}`")));
    }
    let who = if is_default {
        "every request without `x-hasura-role`"
    } else {
        "a request as this role"
    };
    let msg =
        format!("role `{role}` has no permission in the metadata: {who} sees an empty schema");
    Finding::warning(Code::HasuraUnusedRole, ptr, msg)
}

/// Roles with permissions that nothing grants (directly or through an inherited role).
fn ungranted(
    spec: &HasuraSpec,
    md: &Metadata,
    granted: &[(String, String)],
    by_role: &BTreeMap<&str, Vec<&Permission>>,
    base: &str,
    out: &mut Vec<Finding>,
) {
    let mut reached: BTreeSet<&str> = granted.iter().map(|(r, _)| r.as_str()).collect();
    for inh in &md.inherited {
        if reached.contains(inh.name.as_str()) {
            reached.extend(inh.members.iter().map(String::as_str));
        }
    }
    let near = |r: &str| {
        granted
            .iter()
            .any(|(g, _)| g.trim().eq_ignore_ascii_case(r.trim()))
    };
    for (role, perms) in by_role {
        if reached.contains(role)
            || spec.unauthorized_role.as_deref() == Some(*role)
            || near(role)
            || md.inherited.iter().any(|i| i.name == *role)
        {
            continue;
        }
        let msg = format!(
            "role `{role}` has permissions in the metadata ({}) but no rule of this action grants it",
            perms[0].at
        );
        let hint = "grant it in a rule's `allowed_roles`, or set `unauthorized_role` if it serves requests without a token";
        out.push(
            Finding::warning(Code::HasuraUngrantedRole, format!("{base}/metadata"), msg)
                .hint(Some(hint.into())),
        );
    }
}

/// The session variables a role's permissions read (lowercased), with the first use.
fn reads<'m>(
    role: &str,
    by_role: &BTreeMap<&str, Vec<&'m Permission>>,
) -> BTreeMap<String, (&'m Permission, &'m VarUse)> {
    let mut out = BTreeMap::new();
    for p in by_role.get(role).into_iter().flatten() {
        for v in &p.vars {
            let key = v.name.to_ascii_lowercase();
            if !ALWAYS_SET.contains(&key.as_str()) {
                out.entry(key).or_insert((*p, v));
            }
        }
    }
    out
}

/// Whether the claims always set `var` for `role`, on every branch that grants it.
fn variable(
    spec: &HasuraSpec,
    branches: &[Branch<'_>],
    role: &str,
    var: &str,
    (perm, used): (&Permission, &VarUse),
    base: &str,
    out: &mut Vec<Finding>,
) {
    let granting: Vec<(&Branch<'_>, usize)> = branches
        .iter()
        .filter_map(|b| b.allowed.iter().position(|r| r == role).map(|j| (b, j)))
        .collect();
    let Some(&(first, j)) = granting.first() else {
        return;
    };
    let reads = format!(
        "role `{role}` reads `{}` in its permission {} ({})",
        used.name, perm.target, used.at
    );
    let configured = spec
        .session_variables
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(var));
    let Some((key, path)) = configured else {
        let msg = format!("{reads}, but the claims never set it: Hasura refuses those requests");
        let hint = format!("add `{var}` to `session_variables`, from the event path that holds it");
        out.push(
            Finding::error(
                Code::HasuraSessionVariable,
                format!("{}/{j}", first.ptr),
                msg,
            )
            .hint(Some(hint)),
        );
        return;
    };
    let always = ALWAYS_PRESENT.contains(&path.as_str());
    let unsure: Vec<&(&Branch<'_>, usize)> = granting
        .iter()
        .filter(|(b, _)| !always && !b.requires.contains(&path.as_str()))
        .collect();
    if unsure.is_empty() {
        return;
    }
    let hint = format!(
        "grant `{role}` only in rules whose `when` requires it, e.g. `{{ path: {path}, exists: true }}`"
    );
    if unsure.len() == granting.len() {
        let msg = format!(
            "{reads}, but the claims set it only when `{path}` is in the event, which no rule \
             granting `{role}` requires"
        );
        let ptr = format!("{base}/session_variables/{}", escape_pointer(key));
        out.push(Finding::error(Code::HasuraSessionVariable, ptr, msg).hint(Some(hint)));
        return;
    }
    for (b, j) in unsure {
        let msg = format!(
            "{reads}, but {} grants `{role}` without requiring `{path}`, so `{key}` may be unset",
            b.label
        );
        out.push(
            Finding::warning(Code::HasuraSessionVariable, format!("{}/{j}", b.ptr), msg)
                .hint(Some(hint.clone())),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(yaml: &str) -> Condition {
        serde_saphyr::from_str(yaml).expect("condition")
    }

    #[test]
    fn conditions_that_require_a_path() {
        let p = "path: user.app_metadata.org_id";
        assert_eq!(
            required_path(&condition(&format!("{{ {p}, exists: true }}"))),
            Some("user.app_metadata.org_id")
        );
        assert_eq!(
            required_path(&condition(&format!("{{ {p}, exists: false }}"))),
            None
        );
        assert!(required_path(&condition(&format!("{{ {p}, equals: org_1 }}"))).is_some());
        assert_eq!(
            required_path(&condition(&format!("{{ {p}, equals: null }}"))),
            None
        );
        assert!(required_path(&condition(&format!("{{ {p}, in: [a, b] }}"))).is_some());
        assert_eq!(
            required_path(&condition(&format!("{{ {p}, in: [a, null] }}"))),
            None
        );
        assert_eq!(required_path(&condition("{ has_role: [admin] }")), None);
    }

    #[test]
    fn a_default_role_without_permissions_concerns_every_request() {
        let spec: HasuraSpec =
            serde_saphyr::from_str("{ default_role: user, allowed_roles: [user, editor] }")
                .expect("spec");
        let found = check(&spec, &Metadata::default(), "/actions/h");
        let got: Vec<(&str, bool)> = found
            .iter()
            .map(|f| (f.pointer.as_str(), f.diag.message.contains("every request")))
            .collect();
        assert_eq!(
            got,
            [
                ("/actions/h/allowed_roles/0", true),
                ("/actions/h/allowed_roles/1", false)
            ]
        );
    }
}
