//! The roles × tables × operations table `hasura check` prints: for each role, whether the
//! action grants it, and for each table it has a permission on, the session variables each
//! operation reads (`yes` when none, `-` when the role has no such permission).

use std::collections::BTreeMap;

use super::metadata::{Metadata, Op, Target};
use super::rules;
use crate::config::kinds::HasuraSpec;

/// The table, aligned, one row per role and table; roles the action grants first, in order.
pub fn render(spec: &HasuraSpec, md: &Metadata) -> String {
    let mut rows = vec![header()];
    for (role, granted) in roles(spec, md) {
        let tables = cells(&role, md);
        if tables.is_empty() {
            rows.push(row(&role, granted, "-", &BTreeMap::new()));
        }
        for (table, ops) in &tables {
            rows.push(row(&role, granted, table, ops));
        }
    }
    align(&rows)
}

fn header() -> Vec<String> {
    [
        "ROLE", "GRANTED", "TABLE", "SELECT", "INSERT", "UPDATE", "DELETE",
    ]
    .map(String::from)
    .to_vec()
}

fn row(role: &str, granted: &str, table: &str, ops: &BTreeMap<Op, Vec<String>>) -> Vec<String> {
    let mut out = vec![role.to_string(), granted.to_string(), table.to_string()];
    for op in Op::ALL {
        out.push(match ops.get(&op) {
            None => "-".into(),
            Some(vars) if vars.is_empty() => "yes".into(),
            Some(vars) => vars.join(","),
        });
    }
    out
}

/// Every role: those the action grants (`yes`), then the metadata's other roles (`no`, or
/// `unauthorized` for `unauthorized_role`).
fn roles(spec: &HasuraSpec, md: &Metadata) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for b in rules::branches(spec, "") {
        for r in b.allowed {
            if !out.iter().any(|(o, _)| o == r) {
                out.push((r.clone(), "yes"));
            }
        }
    }
    let mut rest: Vec<&str> = md
        .permissions
        .iter()
        .map(|p| p.role.as_str())
        .chain(md.inherited.iter().map(|i| i.name.as_str()))
        .filter(|r| !out.iter().any(|(o, _)| o == r))
        .collect();
    rest.sort_unstable();
    rest.dedup();
    for r in rest {
        let tag = if spec.unauthorized_role.as_deref() == Some(r) {
            "unauthorized"
        } else {
            "no"
        };
        out.push((r.to_string(), tag));
    }
    out
}

/// Table → operation → session variables read (short names, sorted), for one role (with the
/// permissions of its members when it is an inherited role).
fn cells(role: &str, md: &Metadata) -> BTreeMap<String, BTreeMap<Op, Vec<String>>> {
    let members: Vec<&str> = md
        .inherited
        .iter()
        .filter(|i| i.name == role)
        .flat_map(|i| i.members.iter().map(String::as_str))
        .chain(std::iter::once(role))
        .collect();
    let mut out: BTreeMap<String, BTreeMap<Op, Vec<String>>> = BTreeMap::new();
    for p in md
        .permissions
        .iter()
        .filter(|p| members.contains(&p.role.as_str()))
    {
        let Target::Table { table, op } = &p.target else {
            continue;
        };
        let vars = out
            .entry(table.clone())
            .or_default()
            .entry(*op)
            .or_default();
        for v in &p.vars {
            let short = v.name.to_ascii_lowercase()["x-hasura-".len()..].to_string();
            if !vars.contains(&short) {
                vars.push(short);
            }
        }
        vars.sort();
    }
    out
}

fn align(rows: &[Vec<String>]) -> String {
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
