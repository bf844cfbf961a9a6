//! Reading a tenant file and its includes from disk: the only I/O of the config pipeline.
//!
//! Each file is read (bounded size, UTF-8), parsed into a value and a position index and checked
//! against the JSON Schema; includes are followed depth-first with cycle detection and merged as
//! values (`merge`: unions, then the including file's `overrides`), variables are substituted
//! (`vars`), the merged document is checked again when an override or a variable changed it, and
//! deserialised into the raw model. Every merged value keeps its origin (`origin`), so every
//! diagnostic points at the file and line that set the value. Every problem becomes a
//! diagnostic; loading goes on as far as it can so that one run reports everything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::merge::{Ctx, Tree};
use super::model::ConfigFile;
use super::origin::Origins;
use super::schema_check;
use super::source_index::SourceIndex;
use super::yaml_tree;
use crate::diagnostics::render::Sources;
use crate::diagnostics::{Code, Diagnostic, Finding, Pos};
use crate::fsread::{self, ReadError, Root};

/// Files larger than this are refused: a tenant file is hand-written text, not data.
pub const MAX_FILE_BYTES: u64 = fsread::YAML_CAP;

/// The top-level keys of the configuration language: a file with none of them is not ours, and
/// its content is never shown.
const TOP_KEYS: &[&str] = &[
    "version",
    "tenant",
    "include",
    "defaults",
    "secrets",
    "actions",
    "flow",
    "tests",
    "overrides",
    "variables",
    "vars",
];

/// One file of a tenant, as read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub index: SourceIndex,
}

/// A tenant file with its includes merged, ready for the semantic checks.
#[derive(Debug, Clone)]
pub struct LoadedTenant {
    pub config: ConfigFile,
    /// The merged document `config` was read from (overrides applied, variables substituted).
    pub merged: Value,
    /// `files[0]` is the tenant file; the rest are includes in the order first reached.
    pub files: Vec<SourceFile>,
    /// Which file and line set each value of `merged`.
    pub origins: Origins,
    /// The code of each `custom` action, or why it could not be read.
    pub custom_code: BTreeMap<String, Result<String, String>>,
    /// The resolved `tenant.templates` folder, if set.
    pub template_dir: Option<PathBuf>,
    /// The repository root every path the tenant names must resolve inside.
    pub root: Root,
}

/// What loading one tenant file produced.
#[derive(Debug, Default)]
pub struct LoadOutcome {
    /// `None` when some file could not be turned into the model.
    pub tenant: Option<LoadedTenant>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl LoadedTenant {
    /// The tenant file's path.
    pub fn path(&self) -> &Path {
        &self.files[0].path
    }

    /// The folder relative paths in the tenant file are resolved against.
    pub fn base_dir(&self) -> &Path {
        self.path().parent().unwrap_or(Path::new("."))
    }

    /// Places a finding (pointer into the merged configuration) in the file it came from.
    pub fn locate(&self, f: Finding) -> Diagnostic {
        locate(&self.files, &self.origins, f)
    }

    /// `file:line:col` of the place that set the merged value at `ptr`.
    pub fn origin_text(&self, ptr: &str) -> String {
        let o = self.origins.resolve(ptr);
        let file = &self.files[o.file];
        let pos = file.index.locate(&o.pointer);
        format!("{}:{}:{}", file.path.display(), pos.line, pos.column)
    }
}

/// Places a finding on the merged document in the file that set the value; a string that took
/// a variable's value is placed where the variable was set, the hint naming where it is written.
fn locate(files: &[SourceFile], origins: &Origins, f: Finding) -> Diagnostic {
    let o = origins.resolve(&f.pointer);
    let template = origins.template(&f.pointer).cloned();
    let mut d = place(&files[o.file], f, o.pointer);
    if let Some(t) = template {
        let file = &files[t.file];
        let pos = file.index.locate(&t.pointer);
        let note = format!(
            "the value comes from the variable set here, in the string written at {}:{}:{}",
            file.path.display(),
            pos.line,
            pos.column
        );
        d.hint = Some(match d.hint.take() {
            Some(h) => format!("{h}; {note}"),
            None => note,
        });
    }
    d
}

/// Turns a finding into a diagnostic positioned in `file`.
pub fn place(file: &SourceFile, f: Finding, ptr: String) -> Diagnostic {
    let pos = if f.on_key {
        file.index.locate_key(&ptr)
    } else {
        file.index.locate(&ptr)
    };
    let width = token_width(&file.text, pos.offset);
    let mut d = f.diag.at(file.path.clone(), ptr, Some(pos));
    if d.width <= 1 {
        d = d.with_width(width);
    }
    d
}

/// Width of the YAML token starting at `offset`: a quoted string, or a plain scalar or key up to
/// `: `, ` #` or the end of the line. Flow collections get a single caret.
fn token_width(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or("");
    let line = rest.lines().next().unwrap_or("");
    let end = match line.chars().next() {
        Some(q @ ('"' | '\'')) => line[1..].find(q).map_or(line.len(), |i| i + 2),
        Some('[' | '{' | '-' | '|' | '>') | None => 1,
        Some(_) => {
            // Inside a flow collection a plain scalar also ends at `,`, `]` or `}`.
            let before = text
                .get(..offset)
                .and_then(|t| t.rsplit('\n').next())
                .unwrap_or("");
            let in_flow = before.contains('[') || before.contains('{');
            let flow_end = [line.find(','), line.find(']'), line.find('}')];
            [
                line.find(": "),
                line.find(" #"),
                line.strip_suffix(':').map(str::len),
            ]
            .into_iter()
            .chain(flow_end.into_iter().filter(|_| in_flow))
            .flatten()
            .min()
            .unwrap_or(line.trim_end().len())
        }
    };
    line[..end.min(line.len())].chars().count().max(1)
}

/// Loads one tenant file and everything it includes.
pub fn load(path: &Path) -> LoadOutcome {
    let mut loader = Loader {
        root: Root::for_tenant_file(path),
        files: Vec::new(),
        diags: Vec::new(),
        failed: false,
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let root = match loader.root.resolve(base, &name.to_string_lossy()) {
        Ok(real) => loader.file(path, &real, None, &mut Vec::new()),
        Err(e) => {
            loader.diags.push(read_error(e, "file", path, None));
            loader.failed = true;
            None
        }
    };
    let mut out = LoadOutcome {
        diagnostics: loader.diags,
        sources: loader
            .files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect(),
        tenant: None,
    };
    let (Some(tree), false) = (root, loader.failed) else {
        return out;
    };
    let Some((config, merged, origins)) = finish(tree, &loader.files, &mut out.diagnostics) else {
        return out;
    };
    let mut tenant = LoadedTenant {
        config,
        merged,
        files: loader.files,
        origins,
        custom_code: BTreeMap::new(),
        template_dir: None,
        root: loader.root,
    };
    read_side_files(&mut tenant, &mut out.diagnostics);
    out.tenant = Some(tenant);
    out
}

/// Substitutes variables in the merged tree, checks the result against the schema again when an
/// override or a variable changed it, and reads the raw model from it.
fn finish(
    mut tree: Tree,
    files: &[SourceFile],
    diags: &mut Vec<Diagnostic>,
) -> Option<(ConfigFile, Value, Origins)> {
    let mut ctx = Ctx { files, diags };
    let before = ctx.diags.len();
    let substituted = super::vars::substitute(&mut tree, &mut ctx, 0);
    // An unresolved `${var.x}` would only make the other checks report noise.
    let unresolved = diags[before..]
        .iter()
        .any(|d| d.code != Code::UnusedVariable);
    // The language's order (version, tenant, include, ...) rather than the order of merging.
    let mut doc = tree.doc;
    let mut ordered: Map<String, Value> = TOP_KEYS
        .iter()
        .filter_map(|k| doc.remove(*k).map(|v| (k.to_string(), v)))
        .collect();
    ordered.append(&mut doc);
    let merged = Value::Object(ordered);
    if tree.overridden || substituted {
        let findings = schema_check::check(&merged);
        let refused = findings.iter().any(|f| f.diag.is_error());
        diags.extend(
            findings
                .into_iter()
                .map(|f| locate(files, &tree.origins, f)),
        );
        if refused {
            return None;
        }
    }
    if unresolved {
        return None;
    }
    match ConfigFile::deserialize(&merged) {
        Ok(config) => Some((config, merged, tree.origins)),
        Err(e) => {
            let f = Finding::error(Code::Type, "", e.to_string());
            diags.push(place(&files[0], f, String::new()));
            None
        }
    }
}

struct Loader {
    root: Root,
    files: Vec<SourceFile>,
    diags: Vec<Diagnostic>,
    /// Some file could not be turned into the model: semantic checks would only add noise.
    failed: bool,
}

impl Loader {
    /// Reads, checks and merges one file; returns the merged model for the tenant file.
    /// `path` is the file as shown, `real` its resolved path inside the root; `at` is where the
    /// including file names it, for read errors.
    fn file(
        &mut self,
        path: &Path,
        real: &Path,
        at: Option<(usize, String)>,
        stack: &mut Vec<(PathBuf, usize)>,
    ) -> Option<Tree> {
        let Some((text, value, index)) = self.read(path, real, at) else {
            self.failed = true;
            return None;
        };
        let idx = self.files.len();
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text,
            index,
        });
        let Some(Value::Object(raw)) = self.checked(idx, value) else {
            self.failed = true;
            return None;
        };
        stack.push((real.to_path_buf(), idx));
        self.check_role(idx, &raw, stack.len() == 1);
        let includes: Vec<String> = raw
            .get("include")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let overrides = raw.get("overrides").cloned();
        let mut tree = Tree::own(idx, raw);
        for (i, inc) in includes.iter().enumerate() {
            if let Some(sub) = self.include(idx, i, inc, stack) {
                let mut ctx = Ctx {
                    files: &self.files,
                    diags: &mut self.diags,
                };
                tree.union(sub, &mut ctx);
            }
        }
        if let Some(o) = overrides {
            let mut ctx = Ctx {
                files: &self.files,
                diags: &mut self.diags,
            };
            tree.apply_overrides(idx, &o, &mut ctx);
        }
        stack.pop();
        Some(tree)
    }

    fn read(
        &mut self,
        path: &Path,
        real: &Path,
        at: Option<(usize, String)>,
    ) -> Option<(String, Value, SourceIndex)> {
        let bytes = match fsread::read_capped(real, MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(e) => {
                let d = match at {
                    Some((idx, ptr)) => {
                        let shown = self.files[idx]
                            .path
                            .parent()
                            .map_or(path, |base| path.strip_prefix(base).unwrap_or(path));
                        let what = format!("included file `{}`", shown.display());
                        let f = read_finding(e, &what, &ptr);
                        place(&self.files[idx], f, ptr)
                    }
                    None => read_error(e, "file", path, None),
                };
                self.diags.push(d);
                return None;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!(
                    "file is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                );
                let d = Diagnostic::error(Code::NotUtf8, msg).at(path, "", None);
                self.diags.push(d);
                return None;
            }
        };
        self.parse(path, text)
    }

    fn parse(&mut self, path: &Path, text: String) -> Option<(String, Value, SourceIndex)> {
        let parsed = match yaml_tree::parse(&text) {
            Ok(p) => p,
            Err(e) => {
                let d = match indent_tab(&text) {
                    // The parser reports where it gave up; the tab is what the user must fix.
                    Some(pos) => {
                        Diagnostic::error(Code::Syntax, "tab character used for indentation")
                            .at(path, "", Some(pos))
                            .with_hint("YAML indents with spaces only; replace the tab")
                    }
                    None if looks_like_yaml(&text) => {
                        Diagnostic::error(Code::Syntax, e.message).at(path, "", e.pos)
                    }
                    // Not YAML at all (a token, a key): its content is never shown.
                    None => Diagnostic::error(
                        Code::Syntax,
                        "file is not YAML (its content is not shown)",
                    )
                    .at(path, "", None),
                };
                self.diags.push(d);
                let text = if looks_like_yaml(&text) {
                    text
                } else {
                    String::new()
                };
                self.files.push(SourceFile {
                    path: path.into(),
                    text,
                    index: SourceIndex::default(),
                });
                return None;
            }
        };
        if !parsed.value.is_null() && !is_ours(&parsed.value) {
            let msg = if parsed.value.is_object() {
                "file is not a loginflow file: none of its top-level keys is one of the language's (its content is not shown)"
            } else {
                "file is not a loginflow file: its top level is not a mapping (its content is not shown)"
            };
            let d = Diagnostic::error(Code::Type, msg).at(path, "", None).with_hint(
                "a tenant file or fragment is a mapping of `version`, `tenant`, `include`, `secrets`, `actions`, `flow`, `tests`",
            );
            self.diags.push(d);
            self.files.push(SourceFile {
                path: path.into(),
                text: String::new(),
                index: SourceIndex::default(),
            });
            return None;
        }
        for dup in &parsed.duplicates {
            let msg = format!(
                "duplicate key `{}` (first at line {})",
                dup.key, dup.first.line
            );
            let d = Diagnostic::error(Code::DuplicateKey, msg)
                .at(path, dup.parent.clone(), Some(dup.again))
                .with_width(dup.key.chars().count());
            self.diags.push(d);
        }
        self.diags
            .extend(super::yaml_compat::warnings(path, parsed.index.plain()));
        if parsed.value.is_null() {
            let d =
                Diagnostic::error(Code::Empty, "file holds no configuration").at(path, "", None);
            self.diags
                .push(d.with_hint("a tenant file starts with `version: 1` and `tenant:`"));
            self.files.push(SourceFile {
                path: path.into(),
                text,
                index: parsed.index,
            });
            return None;
        }
        Some((text, parsed.value, parsed.index))
    }

    /// The schema check; the value (plain scalars kept as strings where a string is expected)
    /// when the schema found no error.
    fn checked(&mut self, idx: usize, mut value: Value) -> Option<Value> {
        let findings = schema_check::check(&value);
        let (file, diags) = (&self.files[idx], &mut self.diags);
        let findings =
            super::yaml_compat::coerce(findings, &mut value, file, schema_check::check, diags);
        let schema_ok = !findings.iter().any(|f| f.diag.is_error());
        for f in findings {
            let ptr = f.pointer.clone();
            self.diags.push(place(&self.files[idx], f, ptr));
        }
        schema_ok.then_some(value)
    }

    fn check_role(&mut self, idx: usize, raw: &Map<String, Value>, is_tenant: bool) {
        let file = &self.files[idx];
        let set = |key: &str| raw.get(key).is_some_and(|v| !v.is_null());
        if is_tenant {
            for key in ["version", "tenant"] {
                if !set(key) {
                    let f = Finding::error(
                        Code::MissingTenant,
                        "",
                        format!("a tenant file needs `{key}`"),
                    )
                    .hint(Some(
                        "files that only hold shared actions are included from a tenant file"
                            .into(),
                    ));
                    self.diags.push(place(file, f, String::new()));
                }
            }
            return;
        }
        if set("tenant") {
            let msg = "`tenant` can only be set in a tenant file, not in an included fragment";
            let f = Finding::error(Code::NotInFragment, "/tenant", msg).on_key();
            self.diags.push(place(file, f, "/tenant".into()));
        }
    }

    fn include(
        &mut self,
        idx: usize,
        i: usize,
        inc: &str,
        stack: &mut Vec<(PathBuf, usize)>,
    ) -> Option<Tree> {
        let base = self.files[idx]
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let target = base.join(inc);
        let ptr = format!("/include/{i}");
        let real = match self.root.resolve(&base, inc) {
            Ok(real) => real,
            Err(e) => {
                let what = format!("included file `{inc}`");
                let f = match e {
                    ReadError::NotFound => Finding::error(
                        Code::IncludeMissing,
                        ptr.clone(),
                        format!("included file `{inc}` does not exist"),
                    ),
                    e => read_finding(e, &what, &ptr),
                };
                self.diags.push(place(&self.files[idx], f, ptr));
                return None;
            }
        };
        if let Some(start) = stack.iter().position(|(p, _)| *p == real) {
            let chain: Vec<String> = stack[start..]
                .iter()
                .map(|&(_, f)| super::merge::shown(&self.files, 0, f))
                .chain([super::merge::shown(&self.files, 0, stack[start].1)])
                .collect();
            let f = Finding::error(
                Code::IncludeCycle,
                ptr.clone(),
                format!(
                    "`{inc}` is already being included: the includes form a cycle ({})",
                    chain.join(" → ")
                ),
            );
            self.diags.push(place(&self.files[idx], f, ptr));
            return None;
        }
        self.file(&target, &real, Some((idx, ptr)), stack)
    }
}

/// Reads the files actions point at (custom code), resolves the template folder and checks that
/// secret and credential files stay inside the root.
fn read_side_files(tenant: &mut LoadedTenant, diags: &mut Vec<Diagnostic>) {
    for (name, action) in &tenant.config.actions {
        if let super::ActionConfig::Custom(a) = action {
            let ptr = format!("/actions/{}/code", yaml_tree::escape_pointer(name));
            let idx = tenant.origins.resolve(&ptr).file;
            let dir = tenant.files[idx].path.parent().unwrap_or(Path::new("."));
            let code = tenant
                .root
                .resolve(dir, &a.spec.code)
                .and_then(|real| fsread::read_capped(&real, fsread::CODE_CAP))
                .and_then(|bytes| String::from_utf8(bytes).map_err(|_| ReadError::NotText));
            match code {
                Ok(code) => {
                    tenant.custom_code.insert(name.clone(), Ok(code));
                }
                // Reported by the `custom-code` check, which also covers a missing file.
                Err(e @ (ReadError::NotFound | ReadError::Io(_) | ReadError::NotText)) => {
                    tenant.custom_code.insert(name.clone(), Err(e.to_string()));
                }
                Err(e) => {
                    let ptr = format!("/actions/{}/code", yaml_tree::escape_pointer(name));
                    let what = format!("code file `{}`", a.spec.code);
                    diags.push(tenant.locate(read_finding(e, &what, &ptr)));
                    // Already reported: the `custom-code` check must not repeat it.
                    tenant.custom_code.insert(name.clone(), Ok(String::new()));
                }
            }
        }
    }
    if let Some(dir) = tenant
        .config
        .tenant
        .as_ref()
        .and_then(|t| t.templates.clone())
    {
        let ptr = "/tenant/templates";
        match tenant.root.resolve(tenant.base_dir(), &dir) {
            Ok(real) if real.is_dir() => {
                check_templates(tenant, &real, diags);
                tenant.template_dir = Some(real);
            }
            Ok(_) => {
                let f = read_finding(ReadError::NotAFile("not a folder"), "template folder", ptr);
                diags.push(tenant.locate(f));
            }
            Err(ReadError::NotFound) => {
                let f = Finding::error(
                    Code::IncludeMissing,
                    ptr,
                    format!("template folder `{dir}` does not exist"),
                );
                diags.push(tenant.locate(f));
            }
            Err(e) => {
                let what = format!("template folder `{dir}`");
                diags.push(tenant.locate(read_finding(e, &what, ptr)));
            }
        }
    }
    check_secret_files(tenant, diags);
}

/// Every override in the template folder must be a regular file inside it, within the cap. The
/// renderer reads them through the same confined reader.
fn check_templates(tenant: &LoadedTenant, dir: &Path, diags: &mut Vec<Diagnostic>) {
    let inside = Root::at(dir);
    for name in crate::render::template_names() {
        if std::fs::symlink_metadata(dir.join(name)).is_err() {
            continue; // the built-in one is used
        }
        let checked = inside.resolve(dir, name).and_then(|real| {
            let meta = std::fs::metadata(&real).map_err(|e| ReadError::Io(e.to_string()))?;
            fsread::check_type(&real, &meta)?;
            if meta.len() > fsread::TEMPLATE_CAP {
                return Err(ReadError::TooLarge {
                    cap: fsread::TEMPLATE_CAP,
                });
            }
            Ok(())
        });
        if let Err(e) = checked {
            let what = format!("template override `{name}`");
            diags.push(tenant.locate(read_finding(e, &what, "/tenant/templates")));
        }
    }
}

/// Secret and credential `file:` sources must resolve inside the root (checked when the file
/// exists: secret files often exist only where plan runs); `mounted_file:` ones may be anywhere.
/// Nothing is read here.
fn check_secret_files(tenant: &LoadedTenant, diags: &mut Vec<Diagnostic>) {
    use super::model::SecretSource;
    let mut sources: Vec<(String, &SecretSource)> = tenant
        .config
        .secrets
        .iter()
        .map(|(n, s)| (format!("/secrets/{}", yaml_tree::escape_pointer(n)), s))
        .collect();
    if let Some(c) = tenant
        .config
        .tenant
        .as_ref()
        .and_then(|t| t.credentials.as_ref())
    {
        for (key, s) in [
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("access_token", &c.access_token),
        ] {
            if let Some(s) = s {
                sources.push((format!("/tenant/credentials/{key}"), s));
            }
        }
    }
    for (ptr, source) in sources {
        let checked = match source {
            SecretSource::Env(_) => continue,
            SecretSource::File(file) => tenant.root.resolve(tenant.base_dir(), file).map(|_| ()),
            SecretSource::MountedFile(file) => {
                if Path::new(file).is_absolute() {
                    Ok(())
                } else {
                    let f = Finding::error(
                        Code::InvalidValue,
                        format!("{ptr}/mounted_file"),
                        "`mounted_file` takes an absolute path; a path in the repository is a `file:`",
                    );
                    diags.push(tenant.locate(f));
                    continue;
                }
            }
        };
        match checked {
            Ok(()) | Err(ReadError::NotFound) => {}
            Err(e) => {
                let f = read_finding(e, "secret file", &format!("{ptr}/file"));
                let f = f.hint(Some(
                    "a secret mounted outside the repository is written `{ mounted_file: /abs/path }`"
                        .into(),
                ));
                diags.push(tenant.locate(f));
            }
        }
    }
}

/// The located finding for a file that cannot be read, saying why and never what it holds.
pub(crate) fn read_finding(e: ReadError, what: &str, ptr: &str) -> Finding {
    let code = match &e {
        ReadError::OutsideRoot { .. } => Code::PathOutsideRoot,
        ReadError::NotAFile(_) => Code::NotAFile,
        ReadError::TooLarge { .. } => Code::TooLarge,
        ReadError::NotFound => Code::IncludeMissing,
        ReadError::Io(_) | ReadError::NotText => Code::Io,
    };
    let hint = match &e {
        ReadError::OutsideRoot { .. } => Some(
            "paths in a tenant file stay inside the repository (the folder holding `.git`, or `--root DIR`)"
                .into(),
        ),
        _ => None,
    };
    Finding::error(code, ptr, format!("{what} cannot be used: {e}")).hint(hint)
}

/// The whole-file diagnostic for a tenant file that cannot be read.
fn read_error(e: ReadError, what: &str, path: &Path, pos: Option<Pos>) -> Diagnostic {
    let too_large = matches!(e, ReadError::TooLarge { .. });
    let mut f = read_finding(e, what, "");
    if f.diag.code == Code::IncludeMissing {
        f.diag.code = Code::Io;
    }
    let d = f.diag.at(path, "", pos);
    if too_large {
        d.with_hint("split it into fragments with `include`")
    } else {
        d
    }
}

/// Whether a parsed document is a loginflow file: a mapping with at least one of our keys.
fn is_ours(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.keys().any(|k| TOP_KEYS.contains(&k.as_str())))
}

/// Whether a text that YAML refused still looks like YAML (so its lines may be shown): its first
/// meaningful line is a comment, a document marker, a `key:` or a `- ` item.
fn looks_like_yaml(text: &str) -> bool {
    let Some(line) = text
        .lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty())
    else {
        return true;
    };
    let line = line.trim_start();
    if line.starts_with('#') || line.starts_with("---") || line.starts_with('%') {
        return true;
    }
    if line.starts_with("- ") || line == "-" {
        return true;
    }
    let key_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.\"'".contains(c)))
        .unwrap_or(line.len());
    key_end > 0 && {
        let rest = &line[key_end..];
        rest.starts_with(": ") || rest == ":"
    }
}

/// The first tab in the leading whitespace of a line, if any.
fn indent_tab(text: &str) -> Option<Pos> {
    text.lines().enumerate().find_map(|(i, line)| {
        let indent = &line[..line.len() - line.trim_start().len()];
        let col = indent.find('\t')?;
        Some(Pos::from_line_col(text, i + 1, col + 1))
    })
}
