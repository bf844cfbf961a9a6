//! Merging a file with the files it includes, as YAML values, keeping the origin of every value.
//!
//! A file's own declarations come first, then each include's merged tree in order: actions,
//! secrets and variable declarations are unions (a name declared twice is an error), tests are
//! concatenated, `defaults` and `flow` may be set by one file only, and `vars` values of the
//! including file win over those of the files it includes. Then the file's `overrides` change
//! what its includes declared: maps merge deeply, the override wins, lists and scalars are
//! replaced whole, `null` removes a key, and a value never changes between map, list and scalar.
//! Every file was checked against the schema on its own before this runs.

use std::path::Path;

use serde_json::{Map, Value};

use super::load::{SourceFile, place};
use super::origin::{Origin, Origins};
use super::yaml_tree::escape_pointer;
use crate::diagnostics::suggest::did_you_mean;
use crate::diagnostics::{Code, Diagnostic, Finding};

/// The merged document of a file and everything it includes.
#[derive(Debug, Default)]
pub struct Tree {
    pub doc: Map<String, Value>,
    pub origins: Origins,
    /// An override changed an included value: the merged document is checked again.
    pub overridden: bool,
    /// The files merged into this tree, its own first.
    pub files: Vec<usize>,
}

/// What merging reads and reports to: the files as read, and the run's diagnostics.
pub struct Ctx<'a> {
    pub files: &'a [SourceFile],
    pub diags: &'a mut Vec<Diagnostic>,
}

/// The sections whose entries are named, merged by name.
const NAMED: &[(&str, &str)] = &[
    ("actions", "action"),
    ("secrets", "secret"),
    ("variables", "variable"),
    ("vars", "variable value"),
];

impl Tree {
    /// A file's own declarations (everything but its `overrides`).
    pub fn own(file: usize, mut raw: Map<String, Value>) -> Tree {
        raw.remove("overrides");
        let mut origins = Origins::default();
        for key in raw.keys() {
            let ptr = format!("/{}", escape_pointer(key));
            origins.set(&ptr, Origin::new(file, ptr.clone()));
        }
        Tree {
            doc: raw,
            origins,
            overridden: false,
            files: vec![file],
        }
    }

    /// Merges an included file's tree into this one.
    pub fn union(&mut self, sub: Tree, ctx: &mut Ctx) {
        self.overridden |= sub.overridden;
        self.files.extend(&sub.files);
        for (key, value) in sub.doc {
            let ptr = format!("/{}", escape_pointer(&key));
            if let Some(&(_, what)) = NAMED.iter().find(|(k, _)| *k == key) {
                self.union_named(&key, what, value, &sub.origins, ctx);
            } else if key == "tests" {
                self.concat_tests(value, &sub.origins);
            } else if matches!(key.as_str(), "include" | "version" | "tenant") {
                // The tenant file's own; a fragment's `tenant` is reported by the loader.
            } else if self.doc.contains_key(&key) {
                let (here, there) = (sub.origins.resolve(&ptr), self.origins.resolve(&ptr));
                duplicate(ctx, here, there, format!("`{key}` is already set"), &key);
            } else {
                self.adopt(&ptr, &ptr, &sub.origins);
                self.doc.insert(key, value);
            }
        }
    }

    /// Records `from` of `sub` as the origin of `to`, and everything recorded below it.
    fn adopt(&mut self, from: &str, to: &str, sub: &Origins) {
        self.origins.set(to, sub.resolve(from));
        self.origins.copy_from(sub, from, to);
    }

    fn union_named(
        &mut self,
        section: &str,
        what: &str,
        value: Value,
        sub: &Origins,
        ctx: &mut Ctx,
    ) {
        let sec_ptr = format!("/{}", escape_pointer(section));
        let Value::Object(entries) = value else {
            return; // the schema pass refused it
        };
        let Some(Value::Object(into)) = self.doc.get_mut(section) else {
            self.adopt(&sec_ptr, &sec_ptr, sub);
            self.doc.insert(section.to_string(), Value::Object(entries));
            return;
        };
        for (name, v) in entries {
            let ptr = format!("{sec_ptr}/{}", escape_pointer(&name));
            match into.get(&name) {
                // The including file's value (or the first include's) wins.
                Some(_) if section == "vars" => {}
                Some(existing) if section == "secrets" && *existing == v => {}
                Some(_) => {
                    let (here, there) = (sub.resolve(&ptr), self.origins.resolve(&ptr));
                    let what = format!("{what} `{name}` is already declared");
                    duplicate(ctx, here, there, what, section);
                }
                None => {
                    into.insert(name, v);
                    self.origins.set(&ptr, sub.resolve(&ptr));
                    self.origins.copy_from(sub, &ptr, &ptr);
                }
            }
        }
    }

    fn concat_tests(&mut self, value: Value, sub: &Origins) {
        let Value::Array(cases) = value else { return };
        let into = self
            .doc
            .entry("tests")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(into) = into else { return };
        let offset = into.len();
        for (j, case) in cases.into_iter().enumerate() {
            let (from, to) = (format!("/tests/{j}"), format!("/tests/{}", offset + j));
            self.origins.set(&to, sub.resolve(&from));
            self.origins.copy_from(sub, &from, &to);
            into.push(case);
        }
    }

    /// Applies file `file`'s `overrides` to what it includes.
    pub fn apply_overrides(&mut self, file: usize, overrides: &Value, ctx: &mut Ctx) {
        let Some(o) = overrides.as_object() else {
            return;
        };
        let at = Origin::new(file, "/overrides");
        for (section, what) in [("actions", "action"), ("secrets", "secret")] {
            if let Some(Value::Object(patches)) = o.get(section) {
                for (name, patch) in patches {
                    let at = at.child(section).child(name);
                    self.override_entry(section, what, name, patch, at, ctx);
                }
            }
        }
        for section in ["defaults", "flow"] {
            if let Some(patch) = o.get(section) {
                let ptr = format!("/{section}");
                self.overridden = true;
                let at = at.child(section);
                match self.doc.get_mut(section) {
                    _ if patch.is_null() => {
                        self.doc.shift_remove(section);
                        self.origins.remove_below(&ptr);
                    }
                    Some(dst) => {
                        deep_merge(dst, &ptr, patch, at, &mut self.origins, ctx);
                    }
                    None => {
                        self.doc.insert(section.to_string(), without_nulls(patch));
                        self.origins.set(&ptr, at);
                    }
                }
            }
        }
    }

    fn override_entry(
        &mut self,
        section: &str,
        what: &str,
        name: &str,
        patch: &Value,
        at: Origin,
        ctx: &mut Ctx,
    ) {
        let ptr = format!("/{section}/{}", escape_pointer(name));
        let names = self.doc.get(section).and_then(Value::as_object);
        if !names.is_some_and(|m| m.contains_key(name)) {
            let hint = did_you_mean(name, names.into_iter().flatten().map(|(k, _)| k.as_str()))
                .unwrap_or_else(|| {
                    format!("an override changes a {what} that an included file declares; a new one goes under `{section}`")
                });
            let included: Vec<String> = self.files[1..]
                .iter()
                .map(|&f| format!("`{}`", shown(ctx.files, at.file, f)))
                .collect();
            let msg = format!(
                "no file that `{}` includes ({}) declares {what} `{name}`",
                file_name(&ctx.files[at.file].path),
                if included.is_empty() {
                    "none".to_string()
                } else {
                    included.join(", ")
                }
            );
            push(ctx, at, Code::OverrideTarget, msg, Some(hint), true);
            return;
        }
        let origin = self.origins.resolve(&ptr);
        if origin.file == at.file {
            let msg = format!("{what} `{name}` is declared in this file: change it there");
            push(ctx, at, Code::OverrideTarget, msg, None, true);
            return;
        }
        self.overridden = true;
        let Some(Value::Object(entries)) = self.doc.get_mut(section) else {
            return;
        };
        if patch.is_null() {
            entries.shift_remove(name);
            self.origins.remove_below(&ptr);
            return;
        }
        let Some(dst) = entries.get_mut(name) else {
            return;
        };
        if section == "secrets" {
            // A secret's source is one choice (`env`, `file`, `mounted_file`): replaced whole.
            *dst = patch.clone();
            self.origins.set(&ptr, at);
        } else if let Some(kind) = patch.get("kind").filter(|k| *k != &dst["kind"]) {
            // Another kind has other options: the merge of two kinds means nothing.
            let was = self.origins.resolve(&format!("{ptr}/kind"));
            let msg = format!(
                "an override cannot change the kind of action `{name}` to {kind}: it is {} in `{}`",
                dst["kind"],
                shown(ctx.files, at.file, was.file)
            );
            let hint =
                "remove it with `null` and declare an action of the new kind under another name";
            push(
                ctx,
                at.child("kind"),
                Code::OverrideType,
                msg,
                Some(hint.into()),
                false,
            );
        } else {
            deep_merge(dst, &ptr, patch, at, &mut self.origins, ctx);
        }
    }
}

/// Merges `patch` (written at `at`) into `dst` (at `ptr` of the merged document).
fn deep_merge(
    dst: &mut Value,
    ptr: &str,
    patch: &Value,
    at: Origin,
    origins: &mut Origins,
    ctx: &mut Ctx,
) {
    match (dst, patch) {
        (Value::Object(d), Value::Object(p)) => {
            for (k, v) in p {
                let child = format!("{ptr}/{}", escape_pointer(k));
                if v.is_null() {
                    d.shift_remove(k);
                    origins.remove_below(&child);
                } else if let Some(dv) = d.get_mut(k) {
                    deep_merge(dv, &child, v, at.child(k), origins, ctx);
                } else {
                    d.insert(k.clone(), without_nulls(v));
                    origins.set(&child, at.child(k));
                }
            }
        }
        (dst, patch) if shape(dst) != shape(patch) && !dst.is_null() => {
            let was = origins.resolve(ptr);
            let line = ctx.files[was.file].index.locate(&was.pointer).line;
            let msg = format!(
                "an override cannot change a {} into a {}: `{}` is a {} in `{}` (line {line})",
                shape(dst),
                shape(patch),
                ptr.trim_start_matches('/').replace('/', "."),
                shape(dst),
                shown(ctx.files, at.file, was.file),
            );
            push(ctx, at, Code::OverrideType, msg, None, false);
        }
        (dst, patch) => {
            *dst = without_nulls(patch);
            origins.set(ptr, at);
        }
    }
}

/// A patch value as it lands where nothing was: a `null` in a mapping removes nothing, so it
/// is dropped.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        v => v.clone(),
    }
}

/// Reports a second declaration (at `here`) of what `there` declares.
fn duplicate(ctx: &mut Ctx, here: Origin, there: Origin, what: String, section: &str) {
    let msg = format!("{what} in `{}`", shown(ctx.files, here.file, there.file));
    let hint = match section {
        "variables" => {
            "declare a variable in one file; a tenant sets its value under `vars`".into()
        }
        _ => format!(
            "declare it in one file; the file that includes it changes it under `overrides.{section}`"
        ),
    };
    push(ctx, here, Code::DuplicateAction, msg, Some(hint), true);
}

fn shape(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "mapping",
        Value::Array(_) => "list",
        _ => "scalar",
    }
}

fn push(ctx: &mut Ctx, at: Origin, code: Code, msg: String, hint: Option<String>, key: bool) {
    let mut f = Finding::error(code, at.pointer.clone(), msg).hint(hint);
    if key {
        f = f.on_key();
    }
    ctx.diags.push(place(&ctx.files[at.file], f, at.pointer));
}

/// File `other` as shown in a message about file `here`: relative to `here`'s folder when it is
/// below it, else as named.
pub fn shown(files: &[SourceFile], here: usize, other: usize) -> String {
    let other = &files[other].path;
    let dir = files[here].path.parent().unwrap_or(Path::new(""));
    other
        .strip_prefix(dir)
        .unwrap_or(other)
        .display()
        .to_string()
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! The property: for random bases and overrides, the merge equals an independent deep merge
    //! of the two documents, and every leaf's origin is the file that set it last.

    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::config::emit::leaves;

    fn leaf(nulls: bool) -> BoxedStrategy<Value> {
        let scalar = prop_oneof![
            (0..4i64).prop_map(Value::from),
            "[a-c]{1,2}".prop_map(Value::String),
        ];
        if nulls {
            prop_oneof![3 => scalar, 1 => Just(Value::Null)].boxed()
        } else {
            scalar.boxed()
        }
    }

    fn value(nulls: bool) -> impl Strategy<Value = Value> {
        leaf(nulls).prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                map_of(inner),
            ]
        })
    }

    fn map_of(inner: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
        prop::collection::btree_map("[k-n]", inner, 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    }

    /// The independent deep merge, marking the file (0: override, 1: base) of every leaf.
    fn dm(base: &Value, patch: &Value, ptr: &str, marks: &mut BTreeMap<String, usize>) -> Value {
        match (base, patch) {
            (Value::Object(b), Value::Object(p)) => {
                let mut out = serde_json::Map::new();
                for (k, bv) in b {
                    let child = format!("{ptr}/{k}");
                    match p.get(k) {
                        Some(Value::Null) => {}
                        Some(pv) => {
                            out.insert(k.clone(), dm(bv, pv, &child, marks));
                        }
                        None => {
                            mark(bv, &child, 1, marks);
                            out.insert(k.clone(), bv.clone());
                        }
                    }
                }
                for (k, pv) in p
                    .iter()
                    .filter(|(k, v)| !b.contains_key(*k) && !v.is_null())
                {
                    let v = without_nulls(pv);
                    mark(&v, &format!("{ptr}/{k}"), 0, marks);
                    out.insert(k.clone(), v);
                }
                if out.is_empty() {
                    marks.insert(ptr.to_string(), 1);
                }
                Value::Object(out)
            }
            (b, p) if shape(b) != shape(p) => {
                mark(b, ptr, 1, marks);
                b.clone()
            }
            (_, p) => {
                let v = without_nulls(p);
                mark(&v, ptr, 0, marks);
                v
            }
        }
    }

    fn mark(v: &Value, ptr: &str, file: usize, marks: &mut BTreeMap<String, usize>) {
        for leaf in leaves(v) {
            marks.insert(format!("{ptr}{leaf}"), file);
        }
    }

    fn source(path: &str, doc: &Value) -> (SourceFile, Map<String, Value>) {
        let text = serde_json::to_string_pretty(doc).unwrap();
        let parsed = crate::config::yaml_tree::parse(&text).unwrap();
        let raw = parsed.value.as_object().unwrap().clone();
        let file = SourceFile {
            path: path.into(),
            text,
            index: parsed.index,
        };
        (file, raw)
    }

    proptest! {
        #[test]
        fn merge_equals_an_independent_deep_merge(
            base in map_of(value(false)),
            patch in map_of(value(true)),
        ) {
            let (tenant, tenant_raw) = source(
                "tenant.yaml",
                &json!({"include": ["base.yaml"], "overrides": {"actions": {"a": patch}}}),
            );
            let (base_file, base_raw) = source("base.yaml", &json!({"actions": {"a": base}}));
            let files = vec![tenant, base_file];
            let mut diags = Vec::new();
            let mut ctx = Ctx { files: &files, diags: &mut diags };
            let mut tree = Tree::own(0, tenant_raw.clone());
            tree.union(Tree::own(1, base_raw), &mut ctx);
            tree.apply_overrides(0, &tenant_raw["overrides"], &mut ctx);

            let mut marks = BTreeMap::new();
            let want = dm(&base, &patch, "", &mut marks);
            prop_assert_eq!(&tree.doc["actions"]["a"], &want);
            for leaf in leaves(&want) {
                let got = tree.origins.resolve(&format!("/actions/a{leaf}")).file;
                prop_assert_eq!(got, marks[&leaf], "origin of {}", leaf);
            }
        }
    }
}
