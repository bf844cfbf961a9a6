//! Reading a tenant file and its includes from disk: the only I/O of the config pipeline.
//!
//! Each file is read (bounded size, UTF-8), parsed into a value and a position index, checked
//! against the JSON Schema, and deserialised into the raw model; includes are followed depth-first with cycle detection and merged. Every problem
//! becomes a diagnostic; loading goes on as far as it can so that one run reports everything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::model::ConfigFile;
use super::schema_check;
use super::source_index::SourceIndex;
use super::yaml_tree;
use crate::diagnostics::render::Sources;
use crate::diagnostics::{Code, Diagnostic, Finding, Pos};

/// Files larger than this are refused: a tenant file is hand-written text, not data.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// One file of a tenant, as read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub index: SourceIndex,
}

/// Which file declared each merged entry.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    pub actions: BTreeMap<String, usize>,
    pub secrets: BTreeMap<String, usize>,
    /// For each merged test case: (file, index in that file).
    pub tests: Vec<(usize, usize)>,
}

/// A tenant file with its includes merged, ready for the semantic checks.
#[derive(Debug, Clone)]
pub struct LoadedTenant {
    pub config: ConfigFile,
    /// `files[0]` is the tenant file; the rest are includes in the order first reached.
    pub files: Vec<SourceFile>,
    pub origins: Origins,
    /// The code of each `custom` action, or why it could not be read.
    pub custom_code: BTreeMap<String, Result<String, String>>,
    /// The resolved `tenant.templates` folder, if set.
    pub template_dir: Option<PathBuf>,
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

    /// The file that declared an action, relative to the tenant file's folder, `/`-separated.
    pub fn action_source(&self, action: &str) -> String {
        let idx = self.origins.actions.get(action).copied().unwrap_or(0);
        relative_display(self.base_dir(), &self.files[idx].path)
    }

    /// Places a finding (pointer into the merged configuration) in the file it came from.
    pub fn locate(&self, f: Finding) -> Diagnostic {
        let (idx, ptr) = self.origin_of(&f.pointer);
        place(&self.files[idx], f, ptr)
    }

    fn origin_of(&self, ptr: &str) -> (usize, String) {
        let mut parts = ptr.splitn(4, '/').skip(1);
        let (section, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let name = name.replace("~1", "/").replace("~0", "~");
        match section {
            "actions" => (
                self.origins.actions.get(&name).copied().unwrap_or(0),
                ptr.to_string(),
            ),
            "secrets" => (
                self.origins.secrets.get(&name).copied().unwrap_or(0),
                ptr.to_string(),
            ),
            "tests" => {
                let merged: usize = name.parse().unwrap_or(usize::MAX);
                match self.origins.tests.get(merged) {
                    Some(&(file, local)) => {
                        let rest = &ptr[format!("/tests/{merged}").len()..];
                        (file, format!("/tests/{local}{rest}"))
                    }
                    None => (0, ptr.to_string()),
                }
            }
            _ => (0, ptr.to_string()),
        }
    }
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
    let mut loader = Loader::default();
    let root = loader.file(path, &mut Vec::new());
    let mut out = LoadOutcome {
        diagnostics: loader.diags,
        sources: loader
            .files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect(),
        tenant: None,
    };
    let (Some(config), false) = (root, loader.failed) else {
        return out;
    };
    let mut tenant = LoadedTenant {
        config,
        files: loader.files,
        origins: loader.origins,
        custom_code: BTreeMap::new(),
        template_dir: None,
    };
    read_side_files(&mut tenant, &mut out.diagnostics);
    out.tenant = Some(tenant);
    out
}

#[derive(Default)]
struct Loader {
    files: Vec<SourceFile>,
    origins: Origins,
    diags: Vec<Diagnostic>,
    /// Some file could not be turned into the model: semantic checks would only add noise.
    failed: bool,
}

impl Loader {
    /// Reads, checks and merges one file; returns the merged model for the tenant file.
    fn file(&mut self, path: &Path, stack: &mut Vec<PathBuf>) -> Option<ConfigFile> {
        let Some((text, value, index)) = self.read(path) else {
            self.failed = true;
            return None;
        };
        let idx = self.files.len();
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text,
            index,
        });
        let Some(mut cfg) = self.checked(idx, value) else {
            self.failed = true;
            return None;
        };
        stack.push(canonical(path));
        self.check_role(idx, &cfg, stack.len() == 1);
        self.record_origins(idx, &cfg);
        for (i, inc) in cfg.include.clone().iter().enumerate() {
            self.include(idx, i, inc, stack, &mut cfg);
        }
        stack.pop();
        Some(cfg)
    }

    fn read(&mut self, path: &Path) -> Option<(String, Value, SourceIndex)> {
        let whole = |code, msg: String| Diagnostic::error(code, msg).at(path, "", None);
        let meta = std::fs::metadata(path);
        if let Ok(m) = &meta
            && m.len() > MAX_FILE_BYTES
        {
            let msg = format!(
                "file is {} bytes; tenant files are limited to {MAX_FILE_BYTES} bytes",
                m.len()
            );
            self.diags.push(
                whole(Code::TooLarge, msg).with_hint("split it into fragments with `include`"),
            );
            return None;
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.diags
                    .push(whole(Code::Io, format!("cannot read file: {e}")));
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
                self.diags.push(whole(Code::NotUtf8, msg));
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
                    None => Diagnostic::error(Code::Syntax, e.message).at(path, "", e.pos),
                };
                self.diags.push(d);
                self.files.push(SourceFile {
                    path: path.into(),
                    text,
                    index: SourceIndex::default(),
                });
                return None;
            }
        };
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

    /// The schema check, then the model when the schema found no error.
    fn checked(&mut self, idx: usize, mut value: Value) -> Option<ConfigFile> {
        let findings = schema_check::check(&value);
        let (file, diags) = (&self.files[idx], &mut self.diags);
        let findings =
            super::yaml_compat::coerce(findings, &mut value, file, schema_check::check, diags);
        let schema_ok = !findings.iter().any(|f| f.diag.is_error());
        for f in findings {
            let ptr = f.pointer.clone();
            self.diags.push(place(&self.files[idx], f, ptr));
        }
        if schema_ok {
            self.typed(idx, value)
        } else {
            None
        }
    }

    fn typed(&mut self, idx: usize, value: Value) -> Option<ConfigFile> {
        match serde_json::from_value::<ConfigFile>(value) {
            Ok(c) => Some(c),
            Err(e) => {
                let f = Finding::error(Code::Type, "", e.to_string());
                self.diags.push(place(&self.files[idx], f, String::new()));
                None
            }
        }
    }

    fn check_role(&mut self, idx: usize, cfg: &ConfigFile, is_tenant: bool) {
        let file = &self.files[idx];
        if is_tenant {
            for (key, missing) in [
                ("version", cfg.version.is_none()),
                ("tenant", cfg.tenant.is_none()),
            ] {
                if missing {
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
        let set = [
            ("tenant", cfg.tenant.is_some()),
            ("flow", cfg.flow.is_some()),
            ("defaults", cfg.defaults.is_some()),
        ];
        for (key, present) in set {
            if present {
                let msg = format!(
                    "`{key}` can only be set in a tenant file, not in an included fragment"
                );
                let f = Finding::error(Code::NotInFragment, format!("/{key}"), msg).on_key();
                self.diags.push(place(file, f, format!("/{key}")));
            }
        }
    }

    fn record_origins(&mut self, idx: usize, cfg: &ConfigFile) {
        // The first file to declare a name owns it; a later duplicate is reported, not recorded.
        for name in cfg.actions.keys() {
            self.origins.actions.entry(name.clone()).or_insert(idx);
        }
        for name in cfg.secrets.keys() {
            self.origins.secrets.entry(name.clone()).or_insert(idx);
        }
        for i in 0..cfg.tests.len() {
            self.origins.tests.push((idx, i));
        }
    }

    fn include(
        &mut self,
        idx: usize,
        i: usize,
        inc: &str,
        stack: &mut Vec<PathBuf>,
        into: &mut ConfigFile,
    ) {
        let base = self.files[idx]
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let target = base.join(inc);
        let ptr = format!("/include/{i}");
        if !target.is_file() {
            let f = Finding::error(
                Code::IncludeMissing,
                ptr.clone(),
                format!("included file `{inc}` does not exist"),
            );
            self.diags.push(place(&self.files[idx], f, ptr));
            return;
        }
        if stack.contains(&canonical(&target)) {
            let f = Finding::error(
                Code::IncludeCycle,
                ptr.clone(),
                format!("`{inc}` is already being included: the includes form a cycle"),
            );
            self.diags.push(place(&self.files[idx], f, ptr));
            return;
        }
        let first_new = self.files.len();
        if let Some(frag) = self.file(&target, stack) {
            self.merge(first_new, frag, into);
        }
    }

    fn merge(&mut self, frag_idx: usize, frag: ConfigFile, into: &mut ConfigFile) {
        for (name, action) in frag.actions {
            match into.actions.entry(name) {
                std::collections::btree_map::Entry::Occupied(e) => {
                    let ptr = format!("/actions/{}", yaml_tree::escape_pointer(e.key()));
                    let name = e.key().clone();
                    self.duplicate(frag_idx, ptr, &name, "action");
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(action);
                }
            }
        }
        for (name, source) in frag.secrets {
            match into.secrets.get(&name) {
                Some(existing) if *existing != source => {
                    self.duplicate(
                        frag_idx,
                        format!("/secrets/{}", yaml_tree::escape_pointer(&name)),
                        &name,
                        "secret",
                    );
                }
                Some(_) => {}
                None => {
                    into.secrets.insert(name, source);
                }
            }
        }
        into.tests.extend(frag.tests);
    }

    fn duplicate(&mut self, frag_idx: usize, ptr: String, name: &str, what: &str) {
        let f = Finding::error(
            Code::DuplicateAction,
            ptr.clone(),
            format!("{what} `{name}` is already declared in another file"),
        )
        .on_key();
        let file = self.files.get(frag_idx).unwrap_or(&self.files[0]);
        self.diags.push(place(file, f, ptr));
    }
}

/// Reads the files actions point at (custom code) and resolves the template folder.
fn read_side_files(tenant: &mut LoadedTenant, diags: &mut Vec<Diagnostic>) {
    for (name, action) in &tenant.config.actions {
        if let super::ActionConfig::Custom(a) = action {
            let idx = tenant.origins.actions.get(name).copied().unwrap_or(0);
            let dir = tenant.files[idx].path.parent().unwrap_or(Path::new("."));
            let code = std::fs::read_to_string(dir.join(&a.spec.code)).map_err(|e| e.to_string());
            tenant.custom_code.insert(name.clone(), code);
        }
    }
    if let Some(dir) = tenant
        .config
        .tenant
        .as_ref()
        .and_then(|t| t.templates.as_ref())
    {
        let resolved = tenant.base_dir().join(dir);
        if resolved.is_dir() {
            tenant.template_dir = Some(resolved);
        } else {
            let f = Finding::error(
                Code::IncludeMissing,
                "/tenant/templates",
                format!("template folder `{dir}` does not exist"),
            );
            diags.push(tenant.locate(f));
        }
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

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `path` relative to `base` when it is below it (or a sibling folder), `/`-separated.
pub fn relative_display(base: &Path, path: &Path) -> String {
    let rel = path
        .strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| {
            let up = base.components().count();
            let mut p = PathBuf::new();
            for _ in 0..up.min(1) {
                p.push("..");
            }
            p.join(path.file_name().unwrap_or_default())
        });
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
