//! Variables: values that differ per tenant and appear in many strings (an API host, a
//! namespace). Declared under `variables:` with a type and an optional default, set under
//! `vars:`, used inside any string as `${var.NAME}`; `$${` writes a literal `${`.
//!
//! Substitution runs once, on the merged document, before the schema and semantic checks, so
//! they see final values. It reads nothing but the declared values (no environment, no secret),
//! and a substituted string takes the origin of the value it took, so a diagnostic on it points
//! at the line that set the variable (the hint names where the string is written).

use std::collections::BTreeMap;

use serde_json::Value;

use super::load::SourceFile;
use super::merge::{Ctx, Tree, shown};
use super::origin::Origin;
use super::yaml_tree::escape_pointer;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Code, Diagnostic, Finding, Pos};

/// One declared variable and the value it resolved to.
struct Declared {
    ty: String,
    at: Origin,
    /// The value and where it was set (`vars:`, else the declaration's `default`).
    value: Option<(String, Origin)>,
    used: bool,
    /// Mistyped: already reported, never substituted.
    bad: bool,
}

/// Substitutes every `${var.NAME}` of the merged document and reports every unset, unused,
/// undeclared or mistyped variable. `tenant` is the tenant file's index (for messages). Returns
/// whether any string changed.
pub fn substitute(tree: &mut Tree, ctx: &mut Ctx, tenant: usize) -> bool {
    let decls = tree.doc.remove("variables");
    let values = tree.doc.remove("vars");
    let mut vars = declared(tree, decls.as_ref(), ctx);
    set_values(tree, values.as_ref(), &mut vars, ctx);
    tree.origins.remove_below("/variables");
    tree.origins.remove_below("/vars");
    let mut ptr = String::new();
    let mut walk = Walk {
        tenant: super::merge::shown(ctx.files, tenant, tenant),
        vars: &mut vars,
        subs: Vec::new(),
        errors: Vec::new(),
        renames: Vec::new(),
        changed: false,
    };
    for (k, v) in tree.doc.iter_mut() {
        ptr.push('/');
        ptr.push_str(&escape_pointer(k));
        walk.value(v, &mut ptr);
        ptr.clear();
    }
    let (subs, errors, changed) = (walk.subs, walk.errors, walk.changed);
    for (from, to) in walk.renames {
        tree.origins.rename(&from, &to);
    }
    for (ptr, var) in subs {
        let template = tree.origins.resolve(&ptr);
        if let Some((_, at)) = vars.get(&var).and_then(|d| d.value.as_ref()) {
            tree.origins.set(&ptr, at.clone());
            tree.origins.set_template(&ptr, template);
        }
    }
    for (ptr, key, needle, code, msg, hint) in errors {
        let at = tree.origins.resolve(&ptr);
        let file = &ctx.files[at.file];
        let pos = within(file, &at.pointer, key, &needle);
        let d = Diagnostic::error(code, msg)
            .at(&file.path, at.pointer, Some(pos))
            .with_width(needle.chars().count());
        ctx.diags.push(match hint {
            Some(h) => d.with_hint(h),
            None => d,
        });
    }
    report_unused_and_unset(&vars, ctx, tenant);
    changed
}

fn declared(tree: &Tree, decls: Option<&Value>, ctx: &mut Ctx) -> BTreeMap<String, Declared> {
    let mut out = BTreeMap::new();
    for (name, decl) in decls.and_then(Value::as_object).into_iter().flatten() {
        let at = tree
            .origins
            .resolve(&format!("/variables/{}", escape_pointer(name)));
        let ty = decl["type"].as_str().unwrap_or("string").to_string();
        let mut d = Declared {
            ty,
            at: at.clone(),
            value: None,
            used: false,
            bad: false,
        };
        if let Some(v) = decl.get("default").filter(|v| !v.is_null()) {
            d.value = check_type(&mut d, v, at.child("default"), ctx);
        }
        out.insert(name.clone(), d);
    }
    out
}

fn set_values(
    tree: &Tree,
    values: Option<&Value>,
    vars: &mut BTreeMap<String, Declared>,
    ctx: &mut Ctx,
) {
    for (name, v) in values.and_then(Value::as_object).into_iter().flatten() {
        let at = tree
            .origins
            .resolve(&format!("/vars/{}", escape_pointer(name)));
        match vars.get_mut(name) {
            Some(d) => {
                d.bad = false;
                d.value = check_type(d, v, at, ctx);
            }
            None => {
                let hint =
                    did_you_mean(name, vars.keys().map(String::as_str)).unwrap_or_else(|| {
                        "declare it under `variables:` with its type, in the base".into()
                    });
                let msg = format!("variable `{name}` is set here but no file declares it");
                let f = Finding::error(Code::UndeclaredVariable, at.pointer.clone(), msg)
                    .hint(Some(hint))
                    .on_key();
                ctx.diags
                    .push(super::load::place(&ctx.files[at.file], f, at.pointer));
            }
        }
    }
}

/// The value as text when it has the declared type; else reports it at `at`.
fn check_type(d: &mut Declared, v: &Value, at: Origin, ctx: &mut Ctx) -> Option<(String, Origin)> {
    let text = match (d.ty.as_str(), v) {
        ("string", Value::String(s)) => s.clone(),
        ("number", Value::Number(n)) => n.to_string(),
        ("boolean", Value::Bool(b)) => b.to_string(),
        _ => {
            d.bad = true;
            let msg = format!(
                "this value is a {}, but the variable is declared `{}` in `{}`",
                json_type(v),
                d.ty,
                shown(ctx.files, at.file, d.at.file)
            );
            let f = Finding::error(Code::VariableType, at.pointer.clone(), msg);
            ctx.diags
                .push(super::load::place(&ctx.files[at.file], f, at.pointer));
            return None;
        }
    };
    Some((text, at))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

fn report_unused_and_unset(vars: &BTreeMap<String, Declared>, ctx: &mut Ctx, tenant: usize) {
    for (name, d) in vars {
        let msg = if !d.used {
            format!("variable `{name}` is declared but no string uses it as `${{var.{name}}}`")
        } else if d.value.is_none() && !d.bad {
            format!(
                "variable `{name}` has no default and `{}` does not set it",
                shown(ctx.files, d.at.file, tenant)
            )
        } else {
            continue;
        };
        let (code, hint) = if d.used {
            (
                Code::UnsetVariable,
                format!("set it under `vars:` ({name}: ...), or give it a `default`"),
            )
        } else {
            (
                Code::UnusedVariable,
                "remove the declaration, or use it".to_string(),
            )
        };
        let f = Finding::error(code, d.at.pointer.clone(), msg)
            .hint(Some(hint))
            .on_key();
        ctx.diags.push(super::load::place(
            &ctx.files[d.at.file],
            f,
            d.at.pointer.clone(),
        ));
    }
}

/// A problem in a string: pointer, whether the string is the key, the text to underline, code,
/// message, hint.
type StringError = (String, bool, String, Code, String, Option<String>);

struct Walk<'a> {
    /// The tenant file, as messages name it.
    tenant: String,
    vars: &'a mut BTreeMap<String, Declared>,
    /// Strings that took a variable's value: pointer, the first variable.
    subs: Vec<(String, String)>,
    errors: Vec<StringError>,
    /// Keys that took a variable's value: old pointer, new pointer, in walk order.
    renames: Vec<(String, String)>,
    changed: bool,
}

impl Walk<'_> {
    fn value(&mut self, v: &mut Value, ptr: &mut String) {
        match v {
            Value::String(s) if s.contains("${") => self.string(s, ptr),
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    self.value(item, ptr);
                    ptr.truncate(len);
                }
            }
            Value::Object(map) => {
                if map.keys().any(|k| k.contains("${")) {
                    self.keys(map, ptr);
                }
                for (k, item) in map.iter_mut() {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&escape_pointer(k));
                    self.value(item, ptr);
                    ptr.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn string(&mut self, s: &mut String, ptr: &str) {
        if let Some((out, first)) = self.text(s, ptr, false) {
            *s = out;
            self.changed = true;
            if let Some(var) = first {
                self.subs.push((ptr.to_string(), var));
            }
        }
    }

    /// Substitutes the keys of a mapping that use variables (claim names in a test's
    /// expectations, say), keeping the order of the entries.
    fn keys(&mut self, map: &mut serde_json::Map<String, Value>, ptr: &str) {
        let old = std::mem::take(map);
        for (k, v) in old {
            let at = format!("{ptr}/{}", escape_pointer(&k));
            let key = if k.contains("${") {
                self.text(&k, &at, true).map_or(k, |(out, _)| out)
            } else {
                k
            };
            let to = format!("{ptr}/{}", escape_pointer(&key));
            if to != at {
                self.changed = true;
                self.renames.push((at, to));
            }
            map.insert(key, v);
        }
    }

    /// The text with every reference substituted and the first variable it used; `None` (and
    /// the problem recorded) when a reference cannot be resolved.
    fn text(&mut self, s: &str, ptr: &str, key: bool) -> Option<(String, Option<String>)> {
        let pieces = match pieces(s) {
            Ok(p) => p,
            Err((needle, msg)) => {
                let hint =
                    Some("a variable is written `${var.NAME}`; `$${` writes a literal `${`".into());
                self.errors
                    .push((ptr.to_string(), key, needle, Code::BadReference, msg, hint));
                return None;
            }
        };
        let mut out = String::with_capacity(s.len());
        let mut first = None;
        let mut complete = true;
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(name) => match self.vars.get_mut(name) {
                    Some(d) => {
                        d.used = true;
                        match &d.value {
                            Some((text, _)) => out.push_str(text),
                            None => complete = false,
                        }
                        first.get_or_insert_with(|| name.to_string());
                    }
                    None => {
                        complete = false;
                        let msg = format!(
                            "variable `{name}` is not declared by `{}` or any file it includes",
                            self.tenant
                        );
                        let hint = did_you_mean(name, self.vars.keys().map(String::as_str))
                            .or_else(|| Some("declare it under `variables:` with its type".into()));
                        let needle = format!("${{var.{name}}}");
                        self.errors.push((
                            ptr.to_string(),
                            key,
                            needle,
                            Code::UndeclaredVariable,
                            msg,
                            hint,
                        ));
                    }
                },
            }
        }
        complete.then_some((out, first))
    }
}

enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// Splits a string into text and `${var.NAME}` references; `$${` is a literal `${`. An error
/// names the text at fault.
fn pieces(s: &str) -> Result<Vec<Piece<'_>>, (String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(j) = rest.find('$') {
        let after = &rest[j..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push(Piece::Text(&rest[..j]));
            out.push(Piece::Text("${"));
            rest = tail;
        } else if after.starts_with("${") {
            out.push(Piece::Text(&rest[..j]));
            let Some(close) = after.find('}') else {
                let msg = "`${` is not closed: a variable is written `${var.NAME}`".to_string();
                return Err(("${".into(), msg));
            };
            let inner = &after[2..close];
            match inner.strip_prefix("var.").filter(|n| is_name(n)) {
                Some(name) => out.push(Piece::Var(name)),
                None => {
                    let needle = after[..=close].to_string();
                    let msg = format!(
                        "`{needle}` is not a variable reference: only `${{var.NAME}}` is substituted"
                    );
                    return Err((needle, msg));
                }
            }
            rest = &after[close + 1..];
        } else {
            out.push(Piece::Text(&rest[..=j]));
            rest = &after[1..];
        }
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// A variable name: a letter or `_`, then letters, digits, `_` or `-`.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Where `needle` is written in the value (or key) at `ptr`, when it is on the line where that
/// starts; else where it starts.
fn within(file: &SourceFile, ptr: &str, key: bool, needle: &str) -> Pos {
    let pos = if key {
        file.index.locate_key(ptr)
    } else {
        file.index.locate(ptr)
    };
    let line = file
        .text
        .get(pos.offset..)
        .and_then(|t| t.lines().next())
        .unwrap_or("");
    match line.find(needle) {
        Some(i) => Pos {
            line: pos.line,
            column: pos.column + line[..i].chars().count(),
            offset: pos.offset + i,
        },
        None => pos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Result<String, String> {
        let p = pieces(s).map_err(|(_, m)| m)?;
        Ok(p.into_iter()
            .map(|p| match p {
                Piece::Text(t) => t.to_string(),
                Piece::Var(n) => format!("<{n}>"),
            })
            .collect())
    }

    #[test]
    fn splits_references_and_escapes() {
        assert_eq!(text("https://${var.host}/v1").unwrap(), "https://<host>/v1");
        assert_eq!(
            text("$${var.host} costs $5").unwrap(),
            "${var.host} costs $5"
        );
        assert_eq!(text("${var.a}${var.b-2}").unwrap(), "<a><b-2>");
        assert!(text("${env.HOME}").is_err());
        assert!(text("${var.host").is_err());
        assert!(text("${var.}").is_err());
    }
}
