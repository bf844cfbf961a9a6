//! The checks of a `tinybird` action's scopes against its project. Pure.

use super::read::Project;
use crate::config::kinds::{TinybirdScope, TinybirdScopeType, TinybirdSpec};
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Code, Finding};

/// Parameter and column names that separate tenants, unless `tenant_keys` says otherwise.
pub const DEFAULT_TENANT_KEYS: &[&str] = &[
    "org_id",
    "tenant_id",
    "account_id",
    "workspace_id",
    "customer_id",
];

/// Every finding of one action's scopes.
pub fn check(spec: &TinybirdSpec, project: &Project, base: &str) -> Vec<Finding> {
    let keys: Vec<String> = match &spec.tenant_keys {
        Some(k) => k.clone(),
        None => DEFAULT_TENANT_KEYS.iter().map(|k| k.to_string()).collect(),
    };
    let is_key = |name: &str| keys.iter().any(|k| k.eq_ignore_ascii_case(name));
    let mut out = Vec::new();
    for (i, scope) in spec.scopes.iter().enumerate() {
        let ptr = format!("{base}/scopes/{i}");
        match scope.scope_type {
            TinybirdScopeType::PipesRead => pipe(scope, project, &ptr, &is_key, &mut out),
            TinybirdScopeType::DatasourcesRead => {
                datasource(scope, project, &ptr, &is_key, &mut out);
            }
        }
    }
    out
}

fn missing(scope: &TinybirdScope, project: &Project, ptr: &str, pipes: bool) -> Finding {
    let name = scope.resource.as_str();
    let (mine, other, what, other_what, other_type): (Vec<&str>, bool, _, _, _) = if pipes {
        let mine = project.pipes.keys().map(String::as_str).collect();
        (
            mine,
            project.datasources.contains_key(name),
            "pipe",
            "data source",
            "DATASOURCES:READ",
        )
    } else {
        let mine = project.datasources.keys().map(String::as_str).collect();
        (
            mine,
            project.pipes.contains_key(name),
            "data source",
            "pipe",
            "PIPES:READ",
        )
    };
    let ptr = format!("{ptr}/resource");
    if other {
        let msg = format!("`{name}` is a {other_what} of the project, not a {what}");
        return Finding::error(Code::TinybirdResource, ptr, msg)
            .hint(Some(format!("use `type: {other_type}`")));
    }
    let msg = format!("the project has no {what} `{name}`");
    Finding::error(Code::TinybirdResource, ptr, msg).hint(did_you_mean(name, mine))
}

fn pipe(
    scope: &TinybirdScope,
    project: &Project,
    ptr: &str,
    is_key: &dyn Fn(&str) -> bool,
    out: &mut Vec<Finding>,
) {
    let Some(pipe) = project.pipes.get(&scope.resource) else {
        out.push(missing(scope, project, ptr, true));
        return;
    };
    let name = &scope.resource;
    if let Some(t) = pipe.node_type.as_deref().filter(|t| *t != "endpoint") {
        let msg = format!(
            "pipe `{name}` ({}) is `TYPE {t}`, not an endpoint: a token cannot query it",
            pipe.file
        );
        out.push(Finding::error(
            Code::TinybirdResource,
            format!("{ptr}/resource"),
            msg,
        ));
    }
    let params: Vec<&str> = pipe.params.keys().map(String::as_str).collect();
    for key in scope.fixed_params.keys() {
        if !pipe.params.contains_key(key) {
            let msg = format!(
                "pipe `{name}` ({}) never reads `{key}`: fixing it restricts nothing",
                pipe.file
            );
            let p = format!("{ptr}/fixed_params/{}", escape_pointer(key));
            let hint = did_you_mean(key, params.iter().copied());
            out.push(
                Finding::warning(Code::TinybirdParam, p, msg)
                    .on_key()
                    .hint(hint),
            );
        }
    }
    for (j, key) in scope.allow_unfixed.iter().enumerate() {
        let p = format!("{ptr}/allow_unfixed/{j}");
        if !pipe.params.contains_key(key) {
            let msg = format!(
                "pipe `{name}` ({}) never reads `{key}`: nothing to allow",
                pipe.file
            );
            out.push(Finding::warning(Code::TinybirdParam, p, msg));
        } else if scope.fixed_params.contains_key(key) {
            let msg = format!("`{key}` is fixed by this scope: nothing to allow");
            out.push(Finding::warning(Code::TinybirdParam, p, msg));
        }
    }
    for (param, use_) in &pipe.params {
        if is_key(param)
            && !scope.fixed_params.contains_key(param)
            && !scope.allow_unfixed.contains(param)
        {
            let how = if use_.guarded {
                "a token without it skips the `defined()` filter and reads every tenant's rows"
            } else {
                "a token holder can pass any value and read another tenant's rows"
            };
            let msg = format!(
                "pipe `{name}` reads `{param}` ({}), which looks like a tenant key, but this scope \
                 does not fix it: {how}",
                use_.first
            );
            out.push(rls(ptr, param, msg, "fixed_params"));
        }
    }
}

fn datasource(
    scope: &TinybirdScope,
    project: &Project,
    ptr: &str,
    is_key: &dyn Fn(&str) -> bool,
    out: &mut Vec<Finding>,
) {
    let Some(ds) = project.datasources.get(&scope.resource) else {
        out.push(missing(scope, project, ptr, false));
        return;
    };
    if scope.filter.is_some() {
        return;
    }
    for (column, at) in &ds.columns {
        if is_key(column) && !scope.allow_unfixed.contains(column) {
            let msg = format!(
                "data source `{}` has the column `{column}` ({at}), which looks like a tenant key, \
                 but this scope has no `filter`: the token reads every tenant's rows",
                scope.resource
            );
            out.push(rls(ptr, column, msg, "filter"));
        }
    }
}

fn rls(ptr: &str, key: &str, msg: String, fix: &str) -> Finding {
    let hint = if fix == "filter" {
        format!("add `filter: \"{key} = '…'\"`, or acknowledge it with `allow_unfixed: [{key}]`")
    } else {
        format!(
            "fix it, e.g. `fixed_params: {{ {key}: user.app_metadata.{key} }}`, or acknowledge it \
             with `allow_unfixed: [{key}]`"
        )
    };
    Finding::error(Code::TinybirdRls, format!("{ptr}/resource"), msg).hint(Some(hint))
}
