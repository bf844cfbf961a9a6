//! References between parts of a tenant: flow entries name declared actions on the right trigger,
//! actions name declared secrets, test cases are unique and name declared secrets; plus warnings
//! for declared things nothing uses.

use std::collections::{BTreeMap, BTreeSet};

use super::walk;
use crate::config::ConfigFile;
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::Code;
use crate::diagnostics::Finding;
use crate::diagnostics::suggest::did_you_mean;

/// Checks every reference of a merged tenant.
pub fn check(cfg: &ConfigFile) -> Vec<Finding> {
    let mut out = Vec::new();
    flow(cfg, &mut out);
    secrets(cfg, &mut out);
    tests(cfg, &mut out);
    out
}

/// Misspelt value matchers (`$any`, `$regex`, `$jwt`) in a case's expectations, located.
fn matchers(case: &crate::config::test_case::TestCase, i: usize, out: &mut Vec<Finding>) {
    let e = &case.expect;
    let maps = [
        ("id_token", &e.id_token),
        ("id_token_includes", &e.id_token_includes),
        ("access_token", &e.access_token),
        ("access_token_includes", &e.access_token_includes),
        ("app_metadata", &e.app_metadata),
        ("user_metadata", &e.user_metadata),
    ];
    let has_secret = |name: &str| case.secrets.contains_key(name);
    for (field, map) in maps {
        for (key, value) in map.iter().flatten() {
            for p in crate::config::test_case::matcher_problems(value, &has_secret) {
                let ptr = format!(
                    "/tests/{i}/expect/{field}/{}{}",
                    escape_pointer(key),
                    p.pointer
                );
                out.push(Finding::error(Code::TestCase, ptr, p.message).on_key());
            }
        }
    }
}

fn flow(cfg: &ConfigFile, out: &mut Vec<Finding>) {
    let names: Vec<&str> = cfg.actions.keys().map(String::as_str).collect();
    let mut bound = BTreeSet::new();
    let triggers = cfg.flow.as_ref().map(|f| f.triggers()).unwrap_or_default();
    for (trigger, list) in triggers {
        let mut seen = BTreeMap::new();
        for (i, name) in list.iter().enumerate() {
            let ptr = format!("/flow/{}/{i}", trigger.id());
            let Some(action) = cfg.actions.get(name) else {
                let msg = format!("flow names action `{name}`, which is not declared");
                out.push(
                    Finding::error(Code::UnknownAction, ptr, msg)
                        .hint(did_you_mean(name, names.iter().copied())),
                );
                continue;
            };
            bound.insert(name.as_str());
            if let Some(first) = seen.insert(name.as_str(), i) {
                let msg = format!(
                    "`{name}` is bound twice to `{}` (first at position {})",
                    trigger.id(),
                    first + 1
                );
                out.push(Finding::error(Code::DuplicateBinding, ptr.clone(), msg));
            }
            let target = walk::trigger_of(action);
            if target != trigger {
                let msg = format!(
                    "`{name}` targets the `{}` trigger, not `{}`",
                    target.id(),
                    trigger.id()
                );
                out.push(Finding::error(Code::WrongTrigger, ptr, msg));
            }
        }
    }
    for name in cfg.actions.keys().filter(|n| !bound.contains(n.as_str())) {
        let msg =
            format!("action `{name}` is not bound in `flow`: it will be deployed but never run");
        out.push(
            Finding::warning(
                Code::UnboundAction,
                format!("/actions/{}", escape_pointer(name)),
                msg,
            )
            .on_key(),
        );
    }
}

fn secrets(cfg: &ConfigFile, out: &mut Vec<Finding>) {
    let declared: Vec<&str> = cfg.secrets.keys().map(String::as_str).collect();
    let mut used = BTreeSet::new();
    for (name, action) in &cfg.actions {
        let base = format!("/actions/{}", escape_pointer(name));
        for s in walk::secrets(action) {
            used.insert(s.value.clone());
            if !cfg.secrets.contains_key(&s.value) {
                let msg = format!(
                    "action `{name}` needs secret `{}`, which is not declared in `secrets`",
                    s.value
                );
                let hint = did_you_mean(&s.value, declared.iter().copied()).or_else(|| {
                    Some(format!(
                        "declare it: `secrets: {{ {}: {{ env: {} }} }}`",
                        s.value, s.value
                    ))
                });
                out.push(
                    Finding::error(Code::UnknownSecret, format!("{base}{}", s.ptr), msg).hint(hint),
                );
            }
        }
    }
    for name in cfg.secrets.keys().filter(|n| !used.contains(*n)) {
        let msg = format!("secret `{name}` is declared but no action uses it");
        out.push(
            Finding::warning(
                Code::UnusedSecret,
                format!("/secrets/{}", escape_pointer(name)),
                msg,
            )
            .on_key(),
        );
    }
}

fn tests(cfg: &ConfigFile, out: &mut Vec<Finding>) {
    let mut names = BTreeMap::new();
    for (i, case) in cfg.tests.iter().enumerate() {
        if let Some(first) = names.insert(case.name.as_str(), i) {
            let msg = format!(
                "test case name `{}` is used twice (first is test {})",
                case.name,
                first + 1
            );
            out.push(Finding::error(
                Code::TestCase,
                format!("/tests/{i}/name"),
                msg,
            ));
        }
        for key in case
            .secrets
            .keys()
            .filter(|k| !cfg.secrets.contains_key(*k))
        {
            let msg = format!("test sets secret `{key}`, which is not declared in `secrets`");
            out.push(
                Finding::error(
                    Code::UnknownSecret,
                    format!("/tests/{i}/secrets/{}", escape_pointer(key)),
                    msg,
                )
                .on_key(),
            );
        }
        matchers(case, i, out);
    }
}
