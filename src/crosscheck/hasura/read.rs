//! Reads a metadata folder in the `hasura metadata export` layout (config v3), every file
//! through `fsread` (inside the repository root, size-capped, at most `WALK_MAX_FILES` files):
//! `databases/databases.yaml`, the `"!include …"` files it names (quoted as the CLI writes it, or
//! the unquoted YAML tag) (`tables.yaml`, then one file
//! per table; `functions.yaml`), `actions.yaml`, `remote_schemas.yaml`, `inherited_roles.yaml`.

use std::path::Path;

use serde_json::Value;

use super::metadata::{Doc, Metadata, Problem, Site, include_target};
use crate::config::yaml_tree;
use crate::crosscheck::join;
use crate::fsread::{self, ReadError, Root};

/// The metadata of the folder `dir` (resolved inside `root`), and every problem met.
/// `shown` is the folder as messages name it.
pub fn read(root: &Root, dir: &Path, shown: &str) -> (Metadata, Vec<Problem>) {
    let mut r = Reader {
        root,
        dir,
        shown,
        reads: 0,
        problems: Vec::new(),
    };
    let mut md = Metadata::default();
    match r.doc("databases/databases.yaml", None, true) {
        Some(doc) => r.databases(&doc, &mut md),
        None if r.problems.is_empty() => r.problems.push(Problem {
            at: None,
            message: "the folder has no `databases/databases.yaml`: it is not a `hasura metadata export` folder (config v3)".into(),
        }),
        None => {}
    }
    if let Some(doc) = r.doc("actions.yaml", None, true) {
        md.add_actions(&doc, &mut r.problems);
    }
    if let Some(doc) = r.doc("remote_schemas.yaml", None, true) {
        md.add_remote_schemas(&doc, &mut r.problems);
    }
    if let Some(doc) = r.doc("inherited_roles.yaml", None, true) {
        md.add_inherited(&doc, &mut r.problems);
    }
    (md, r.problems)
}

#[derive(Clone, Copy)]
enum Entries {
    Tables,
    Functions,
}

struct Reader<'a> {
    root: &'a Root,
    dir: &'a Path,
    shown: &'a str,
    reads: usize,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    /// Reads and parses `rel` (relative to the metadata folder). `from` is the `!include` that
    /// names it; an `optional` file may be absent.
    fn doc(&mut self, rel: &str, from: Option<Site>, optional: bool) -> Option<Doc> {
        if self.reads >= fsread::WALK_MAX_FILES {
            let message = format!(
                "more than {} files: the rest are not read",
                fsread::WALK_MAX_FILES
            );
            if !self.problems.iter().any(|p| p.message == message) {
                self.problems.push(Problem { at: from, message });
            }
            return None;
        }
        self.reads += 1;
        let text = self
            .root
            .resolve(self.dir, rel)
            .and_then(|real| fsread::read_capped(&real, fsread::YAML_CAP))
            .and_then(|bytes| String::from_utf8(bytes).map_err(|_| ReadError::NotText));
        let shown = format!("{}/{rel}", self.shown.trim_end_matches('/'));
        let text = match text {
            Ok(t) => t,
            Err(ReadError::NotFound) if optional => return None,
            Err(e) => {
                let message = format!("`{shown}` cannot be used: {e}");
                self.problems.push(Problem { at: from, message });
                return None;
            }
        };
        match yaml_tree::parse(&text) {
            Ok(p) => Some(Doc {
                file: rel.to_string(),
                shown,
                value: p.value,
                index: p.index,
            }),
            Err(e) => {
                let message = match e.pos {
                    Some(_) => format!("not valid YAML: {}", e.message),
                    None => format!("`{shown}` is not valid YAML: {}", e.message),
                };
                let at = e.pos.map(|pos| Site { file: shown, pos });
                self.problems.push(Problem { at, message });
                None
            }
        }
    }

    fn databases(&mut self, doc: &Doc, md: &mut Metadata) {
        let Some(sources) = doc.value.as_array() else {
            self.problems.push(Problem {
                at: Some(doc.site("")),
                message: "expected the list of databases".into(),
            });
            return;
        };
        for (i, source) in sources.iter().enumerate() {
            for (key, kind) in [
                ("tables", Entries::Tables),
                ("functions", Entries::Functions),
            ] {
                if let Some(v) = source.get(key) {
                    self.entries(doc, v, &format!("/{i}/{key}"), kind, md);
                }
            }
        }
    }

    /// A `tables:` or `functions:` value: an include of the file holding the list, or the list.
    fn entries(&mut self, doc: &Doc, v: &Value, ptr: &str, kind: Entries, md: &mut Metadata) {
        match include_path(v) {
            Some(inc) => {
                let rel = join(&doc.file, inc);
                if let Some(list) = self.doc(&rel, Some(doc.site(ptr)), false) {
                    self.items(&list, &list.value, "", kind, md);
                }
            }
            None => self.items(doc, v, ptr, kind, md),
        }
    }

    fn items(&mut self, doc: &Doc, v: &Value, ptr: &str, kind: Entries, md: &mut Metadata) {
        let items = match v {
            Value::Array(items) => items,
            Value::Null => return,
            _ => {
                self.problems.push(Problem {
                    at: Some(doc.site(ptr)),
                    message: "expected a list".into(),
                });
                return;
            }
        };
        for (i, item) in items.iter().enumerate() {
            let p = format!("{ptr}/{i}");
            match include_path(item) {
                Some(inc) => {
                    let rel = join(&doc.file, inc);
                    if let Some(d) = self.doc(&rel, Some(doc.site(&p)), false) {
                        add(md, kind, &d, &d.value, "", &mut self.problems);
                    }
                }
                None => add(md, kind, doc, item, &p, &mut self.problems),
            }
        }
    }
}

/// The file an entry includes: `"!include path"` as the Hasura CLI writes it, or a bare string
/// where a list or an object belongs (the YAML tag form `!include path`, whose tag the parser
/// drops).
fn include_path(v: &Value) -> Option<&str> {
    include_target(v).or_else(|| v.as_str().map(str::trim))
}

fn add(md: &mut Metadata, kind: Entries, doc: &Doc, v: &Value, ptr: &str, out: &mut Vec<Problem>) {
    match kind {
        Entries::Tables => md.add_table(doc, v, ptr, out),
        Entries::Functions => md.add_permissions_of(doc, v, ptr, "function", out),
    }
}

#[cfg(test)]
mod tests {
    use crate::crosscheck::join;

    #[test]
    fn includes_are_relative_to_the_including_file() {
        assert_eq!(
            join("databases/databases.yaml", "default/tables/tables.yaml"),
            "databases/default/tables/tables.yaml"
        );
        assert_eq!(
            join("databases/default/tables/tables.yaml", "public_users.yaml"),
            "databases/default/tables/public_users.yaml"
        );
        assert_eq!(join("a/b.yaml", "../c.yaml"), "c.yaml");
        assert_eq!(join("../x/p.pipe", "../../i.incl"), "../../i.incl");
    }
}
