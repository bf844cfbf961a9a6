//! Rules of the services the generated kinds talk to: Hasura (roles, session variables, sync
//! identifiers) and Tinybird (scope options, pipe names, token lifetime).

use crate::config::action::ActionConfig;
use crate::config::kinds::{HasuraSpec, TinybirdScopeType, TinybirdSpec};
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::Code;
use crate::diagnostics::Finding;

/// Longest Tinybird token lifetime accepted without a warning: a week, the longest in the wild.
pub const TINYBIRD_WARN_SECONDS: i64 = 7 * 24 * 3600;

/// Checks every hasura and tinybird action.
pub fn check(actions: &std::collections::BTreeMap<String, ActionConfig>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, action) in actions {
        let base = format!("/actions/{}", escape_pointer(name));
        match action {
            ActionConfig::Hasura(a) => {
                hasura(&a.spec, &base, &mut out);
                super::trust::hasura(&a.spec, &base, &mut out);
            }
            ActionConfig::Tinybird(a) => {
                tinybird(&a.spec, &base, &mut out);
                super::trust::tinybird(&a.spec, &base, &mut out);
            }
            _ => {}
        }
    }
    out
}

fn hasura(spec: &HasuraSpec, base: &str, out: &mut Vec<Finding>) {
    roles(&spec.default_role, &spec.allowed_roles, base, out);
    for (i, rule) in spec.role_rules.iter().enumerate() {
        roles(
            &rule.default_role,
            &rule.allowed_roles,
            &format!("{base}/role_rules/{i}"),
            out,
        );
    }
    for key in spec.session_variables.keys() {
        let ptr = format!("{base}/session_variables/{}", escape_pointer(key));
        let lower = key.to_ascii_lowercase();
        if !lower.starts_with("x-hasura-") || lower.len() == "x-hasura-".len() {
            let msg = format!(
                "session variable `{key}` must start with `x-hasura-`: Hasura ignores other claims"
            );
            out.push(Finding::error(Code::HasuraVariable, ptr, msg).on_key());
        } else if [
            "x-hasura-default-role",
            "x-hasura-allowed-roles",
            "x-hasura-user-id",
        ]
        .contains(&lower.as_str())
        {
            let msg =
                format!("`{key}` is set by the action itself; remove it from `session_variables`");
            out.push(Finding::error(Code::HasuraVariable, ptr, msg).on_key());
        }
    }
    variable_case(spec, base, out);
    if let Some(sync) = &spec.sync {
        let idents = [("table", &sync.table), ("constraint", &sync.constraint)];
        let cols = sync.update_columns.iter().enumerate();
        for (field, value) in idents {
            graphql_name(value, &format!("{base}/sync/{field}"), out);
        }
        for (i, c) in cols {
            graphql_name(c, &format!("{base}/sync/update_columns/{i}"), out);
        }
        for c in sync.columns.keys() {
            graphql_name(
                c,
                &format!("{base}/sync/columns/{}", escape_pointer(c)),
                out,
            );
        }
    }
}

/// Session variable names are case-insensitive in Hasura: two that differ only in case would both
/// be emitted, and which one Hasura reads is not defined.
fn variable_case(spec: &HasuraSpec, base: &str, out: &mut Vec<Finding>) {
    let mut seen: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
    for key in spec.session_variables.keys() {
        match seen.get(&key.to_ascii_lowercase()) {
            Some(first) => {
                let ptr = format!("{base}/session_variables/{}", escape_pointer(key));
                let msg = format!(
                    "session variables `{first}` and `{key}` differ only in case: Hasura reads \
                     names case-insensitively, so both would set one variable"
                );
                let hint = Some(format!("keep one of them; `{first}` is the other"));
                out.push(
                    Finding::error(Code::HasuraVariable, ptr, msg)
                        .on_key()
                        .hint(hint),
                );
            }
            None => {
                seen.insert(key.to_ascii_lowercase(), key);
            }
        }
    }
}

fn roles(default: &str, allowed: &[String], ptr: &str, out: &mut Vec<Finding>) {
    if default.trim().is_empty() {
        out.push(Finding::error(
            Code::HasuraRole,
            format!("{ptr}/default_role"),
            "the default role is empty",
        ));
    } else if !allowed.iter().any(|r| r == default) {
        let msg = format!(
            "default role `{default}` is not among the allowed roles: Hasura rejects such tokens"
        );
        let hint = Some(format!("add `{default}` to `allowed_roles`"));
        out.push(Finding::error(Code::HasuraRole, format!("{ptr}/default_role"), msg).hint(hint));
    }
    if allowed.is_empty() {
        out.push(Finding::error(
            Code::HasuraRole,
            format!("{ptr}/allowed_roles"),
            "`allowed_roles` is empty",
        ));
    }
    for (i, r) in allowed.iter().enumerate() {
        if r.trim().is_empty() {
            out.push(Finding::error(
                Code::HasuraRole,
                format!("{ptr}/allowed_roles/{i}"),
                "role name is empty",
            ));
        } else if r == "admin" {
            let msg = "this grants the Hasura `admin` role, which bypasses every permission";
            out.push(Finding::warning(
                Code::HasuraAdmin,
                format!("{ptr}/allowed_roles/{i}"),
                msg,
            ));
        }
    }
}

fn graphql_name(name: &str, ptr: &str, out: &mut Vec<Finding>) {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        let msg = format!(
            "`{name}` is not a GraphQL name (letters, digits and `_`, not starting with a digit)"
        );
        out.push(Finding::error(Code::HasuraVariable, ptr, msg));
    }
}

fn tinybird(spec: &TinybirdSpec, base: &str, out: &mut Vec<Finding>) {
    if spec.expires_in <= 0 {
        out.push(Finding::error(
            Code::TinybirdExpiry,
            format!("{base}/expires_in"),
            "the token lifetime must be positive",
        ));
    } else if spec.expires_in > TINYBIRD_WARN_SECONDS {
        let msg = format!(
            "tokens live {} s: a leaked token stays valid that long, and cannot be revoked short of rotating the admin token",
            spec.expires_in
        );
        out.push(Finding::warning(
            Code::TinybirdExpiry,
            format!("{base}/expires_in"),
            msg,
        ));
    }
    if spec.scopes.is_empty() {
        out.push(Finding::error(
            Code::TinybirdScope,
            format!("{base}/scopes"),
            "a Tinybird token needs at least one scope",
        ));
    }
    for (i, scope) in spec.scopes.iter().enumerate() {
        let ptr = format!("{base}/scopes/{i}");
        let name_ok = scope
            .resource
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && scope
                .resource
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            let msg = format!(
                "`{}` is not a Tinybird resource name (letters, digits and `_`)",
                scope.resource
            );
            out.push(Finding::error(
                Code::TinybirdScope,
                format!("{ptr}/resource"),
                msg,
            ));
        }
        match scope.scope_type {
            TinybirdScopeType::PipesRead if scope.filter.is_some() => {
                let msg =
                    "`filter` applies to `DATASOURCES:READ` scopes; pipes take `fixed_params`";
                out.push(
                    Finding::error(Code::TinybirdScope, format!("{ptr}/filter"), msg).on_key(),
                );
            }
            TinybirdScopeType::DatasourcesRead if !scope.fixed_params.is_empty() => {
                let msg =
                    "`fixed_params` applies to `PIPES:READ` scopes; data sources take `filter`";
                out.push(
                    Finding::error(Code::TinybirdScope, format!("{ptr}/fixed_params"), msg)
                        .on_key(),
                );
            }
            _ => {}
        }
    }
    if spec.claim.is_none() && spec.app_metadata_key.is_none() {
        let msg = "the token goes nowhere: set `claim`, `app_metadata_key` or both";
        out.push(Finding::error(Code::TinybirdScope, base.to_string(), msg).on_key());
    }
    if spec.app_metadata_key.is_some() {
        let msg = "storing the token in `app_metadata` persists a credential in the user profile";
        out.push(Finding::warning(
            Code::PersistedCredential,
            format!("{base}/app_metadata_key"),
            msg,
        ));
    }
}
