//! The parts of a Hasura metadata export that decide who may read what: table permissions (with
//! the session variables their filters, checks and presets read), function, action and remote
//! schema permissions, and inherited roles. Pure: built from parsed documents (`read` reads them).

use std::fmt;

use serde_json::Value;

use crate::config::source_index::SourceIndex;
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::Pos;

/// A place in a metadata file: the file relative to the metadata folder, and a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub file: String,
    pub pos: Pos,
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.pos.line, self.pos.column)
    }
}

/// A table operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    Select,
    Insert,
    Update,
    Delete,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Select, Op::Insert, Op::Update, Op::Delete];

    pub fn name(self) -> &'static str {
        match self {
            Op::Select => "select",
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// What a permission is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A table (`schema.name`) and an operation.
    Table { table: String, op: Op },
    /// A function, action or remote schema, described (`action \`x\``).
    Other(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Table { table, op } => write!(f, "`{}` on `{table}`", op.name()),
            Target::Other(what) => f.write_str(what),
        }
    }
}

/// A session variable a permission reads, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarUse {
    pub name: String,
    pub at: Site,
}

/// One role's permission on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub role: String,
    pub target: Target,
    /// Where the role is named.
    pub at: Site,
    pub vars: Vec<VarUse>,
}

/// A role made of other roles (`inherited_roles.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InheritedRole {
    pub name: String,
    pub members: Vec<String>,
    pub at: Site,
}

/// What the checks need from a metadata folder.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// Every tracked table, `schema.name`, in file order.
    pub tables: Vec<String>,
    pub permissions: Vec<Permission>,
    pub inherited: Vec<InheritedRole>,
}

/// A shape problem in a metadata file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Option<Site>,
    pub message: String,
}

/// One parsed metadata file.
#[derive(Debug)]
pub struct Doc {
    /// Relative to the metadata folder, with `/`.
    pub file: String,
    /// As shown in messages: the folder as the tenant file names it, then `file`.
    pub shown: String,
    pub value: Value,
    pub index: SourceIndex,
}

impl Doc {
    /// Where the value at `ptr` is written.
    pub fn site(&self, ptr: &str) -> Site {
        Site {
            file: self.shown.clone(),
            pos: self.index.locate(ptr),
        }
    }

    fn problem(&self, ptr: &str, message: impl Into<String>) -> Problem {
        Problem {
            at: Some(self.site(ptr)),
            message: message.into(),
        }
    }
}

/// True for a name Hasura reads as a session variable: `x-hasura-` (any case) and more.
pub fn is_session_variable(s: &str) -> bool {
    s.len() > "x-hasura-".len()
        && s.get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("x-hasura-"))
}

/// The list at `ptr` of `doc`, or a problem when something else is there (absent is empty).
fn list<'v>(doc: &Doc, v: Option<&'v Value>, ptr: &str, out: &mut Vec<Problem>) -> &'v [Value] {
    match v {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            out.push(doc.problem(ptr, "expected a list"));
            &[]
        }
    }
}

impl Metadata {
    /// Adds a table object found at `ptr` of `doc` (a table file, or an inline entry).
    pub fn add_table(&mut self, doc: &Doc, v: &Value, ptr: &str, out: &mut Vec<Problem>) {
        let Some(name) = table_name(v.get("table")) else {
            out.push(doc.problem(ptr, "a table entry without `table: {name, schema}`"));
            return;
        };
        self.tables.push(name.clone());
        for op in Op::ALL {
            let key = format!("{}_permissions", op.name());
            let at = format!("{ptr}/{key}");
            for (i, item) in list(doc, v.get(&key), &at, out).iter().enumerate() {
                let target = Target::Table {
                    table: name.clone(),
                    op,
                };
                self.add_permission(doc, item, &format!("{at}/{i}"), target, out);
            }
        }
    }

    /// Adds the `permissions` of a function (`functions.yaml` entry) or an action.
    pub fn add_permissions_of(
        &mut self,
        doc: &Doc,
        v: &Value,
        ptr: &str,
        what: &str,
        out: &mut Vec<Problem>,
    ) {
        let name = v
            .get("name")
            .or_else(|| v.get("function").and_then(|f| f.get("name")))
            .or_else(|| v.get("function"))
            .and_then(Value::as_str)
            .unwrap_or("?");
        let at = format!("{ptr}/permissions");
        for (i, item) in list(doc, v.get("permissions"), &at, out).iter().enumerate() {
            let target = Target::Other(format!("{what} `{name}`"));
            self.add_permission(doc, item, &format!("{at}/{i}"), target, out);
        }
    }

    fn add_permission(
        &mut self,
        doc: &Doc,
        item: &Value,
        ptr: &str,
        target: Target,
        out: &mut Vec<Problem>,
    ) {
        let Some(role) = item.get("role").and_then(Value::as_str) else {
            out.push(doc.problem(ptr, "a permission without `role`"));
            return;
        };
        let mut vars = Vec::new();
        if let Some(p) = item.get("permission") {
            super::vars::collect(doc, p, &format!("{ptr}/permission"), &mut vars);
        }
        // Remote schema permissions preset arguments in SDL: `@preset(value: "x-hasura-user-id")`.
        if let Some(sdl) = item.pointer("/definition/schema").and_then(Value::as_str) {
            super::vars::scan_text(doc, sdl, &format!("{ptr}/definition/schema"), &mut vars);
        }
        self.permissions.push(Permission {
            role: role.to_string(),
            target,
            at: doc.site(&format!("{ptr}/role")),
            vars,
        });
    }

    /// Adds `inherited_roles.yaml`.
    pub fn add_inherited(&mut self, doc: &Doc, out: &mut Vec<Problem>) {
        for (i, item) in list(doc, Some(&doc.value), "", out).iter().enumerate() {
            let ptr = format!("/{i}");
            let name = item.get("role_name").and_then(Value::as_str);
            let members = item.get("role_set").and_then(Value::as_array);
            match (name, members) {
                (Some(name), Some(members)) => self.inherited.push(InheritedRole {
                    name: name.to_string(),
                    members: members
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    at: doc.site(&format!("{ptr}/role_name")),
                }),
                _ => out
                    .push(doc.problem(&ptr, "an inherited role needs `role_name` and `role_set`")),
            }
        }
    }

    /// Adds `remote_schemas.yaml`.
    pub fn add_remote_schemas(&mut self, doc: &Doc, out: &mut Vec<Problem>) {
        for (i, item) in list(doc, Some(&doc.value), "", out).iter().enumerate() {
            self.add_permissions_of(doc, item, &format!("/{i}"), "remote schema", out);
        }
    }

    /// Adds `actions.yaml` (`actions: [{name, permissions}]`).
    pub fn add_actions(&mut self, doc: &Doc, out: &mut Vec<Problem>) {
        let actions = list(doc, doc.value.get("actions"), "/actions", out);
        for (i, item) in actions.iter().enumerate() {
            self.add_permissions_of(doc, item, &format!("/actions/{i}"), "action", out);
        }
    }
}

/// `schema.name` of `table: {schema, name}` (or `dataset` for BigQuery, or a bare name).
fn table_name(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(name) => Some(name.clone()),
        Value::Object(o) => {
            let name = o.get("name")?.as_str()?;
            let schema = o
                .get("schema")
                .or_else(|| o.get("dataset"))
                .and_then(Value::as_str);
            Some(match schema {
                Some(s) => format!("{s}.{name}"),
                None => name.to_string(),
            })
        }
        _ => None,
    }
}

/// `"!include path"`, the Hasura CLI's include directive, as the path.
pub fn include_target(v: &Value) -> Option<&str> {
    v.as_str()?.strip_prefix("!include ").map(str::trim)
}

/// The pointer of key `key` under `ptr`.
pub fn child(ptr: &str, key: &str) -> String {
    format!("{ptr}/{}", escape_pointer(key))
}
