//! Reads a Tinybird project folder through `fsread`: every `*.pipe` and `*.datasource` below it
//! (the resource is named by the file's stem), each `INCLUDE`d file once per include, and turns
//! them into a [`Project`]: pipes with the parameters their templates read, data sources with
//! their columns.

use std::collections::BTreeMap;
use std::path::Path;

use super::datafile::{self, At, Datafile, Kind};
use super::template::{self, ParamUse};
use crate::fsread::{self, ReadError, Root};

/// A place in a datafile, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub file: String,
    pub at: At,
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.at.line, self.at.column)
    }
}

/// A parameter a pipe reads: its first read, whether the template tests it with `defined()`
/// (SQL it guards vanishes when the parameter is not passed), whether it is `required=True`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub first: Site,
    pub guarded: bool,
    pub required: bool,
}

/// A pipe: its file and the parameters of all its nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipe {
    pub file: String,
    pub params: BTreeMap<String, Param>,
    /// The `TYPE` of its nodes (`endpoint`, `materialized`, `copy`, `sink`), if one is set.
    pub node_type: Option<String>,
}

/// A data source: its file and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datasource {
    pub file: String,
    pub columns: Vec<(String, Site)>,
}

/// What the checks need from a project.
#[derive(Debug, Clone, Default)]
pub struct Project {
    pub pipes: BTreeMap<String, Pipe>,
    pub datasources: BTreeMap<String, Datasource>,
}

/// The project in `dir` (resolved inside `root`), shown as `shown`, and every problem met.
pub fn read(root: &Root, dir: &Path, shown: &str) -> (Project, Vec<(Option<Site>, String)>) {
    let mut project = Project::default();
    let mut problems = Vec::new();
    let files = match root.list_files(dir, &[".pipe", ".datasource"]) {
        Ok(f) => f,
        Err(e) => {
            problems.push((None, format!("the folder cannot be read: {e}")));
            return (project, problems);
        }
    };
    if files.is_empty() {
        let msg = "the folder holds no `.pipe` or `.datasource` file".to_string();
        problems.push((None, msg));
    }
    for path in files {
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let file = format!("{}/{rel}", shown.trim_end_matches('/'));
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = if rel.ends_with(".pipe") {
            Kind::Pipe
        } else {
            Kind::Datasource
        };
        let Some(df) = parse_file(&path, &file, kind, &mut problems) else {
            continue;
        };
        let (exists, what) = match kind {
            Kind::Pipe => (project.pipes.contains_key(&stem), "pipe"),
            Kind::Datasource => (project.datasources.contains_key(&stem), "data source"),
        };
        if exists {
            let msg = format!("a second {what} named `{stem}`: Tinybird refuses duplicate names");
            problems.push((
                Some(Site {
                    file,
                    at: At { line: 1, column: 1 },
                }),
                msg,
            ));
            continue;
        }
        match kind {
            Kind::Pipe => {
                let mut params = BTreeMap::new();
                collect(&df, &file, &mut params);
                for inc in &df.includes {
                    included(root, &path, &file, inc, &mut params, &mut problems);
                }
                let node_type = df.nodes.iter().rev().find_map(|n| n.node_type.clone());
                let pipe = Pipe {
                    file,
                    params,
                    node_type,
                };
                project.pipes.insert(stem, pipe);
            }
            Kind::Datasource => {
                let columns = df
                    .columns
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            Site {
                                file: file.clone(),
                                at: c.at,
                            },
                        )
                    })
                    .collect();
                project
                    .datasources
                    .insert(stem, Datasource { file, columns });
            }
        }
    }
    (project, problems)
}

/// Reads and parses one datafile; its syntax problems are reported and it is still used.
fn parse_file(
    path: &Path,
    file: &str,
    kind: Kind,
    problems: &mut Vec<(Option<Site>, String)>,
) -> Option<Datafile> {
    let text = fsread::read_capped(path, fsread::CODE_CAP)
        .and_then(|b| String::from_utf8(b).map_err(|_| ReadError::NotText));
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            problems.push((None, format!("`{file}` cannot be used: {e}")));
            return None;
        }
    };
    let df = datafile::parse(&text, kind);
    for (at, msg) in &df.problems {
        problems.push((
            Some(Site {
                file: file.to_string(),
                at: *at,
            }),
            msg.clone(),
        ));
    }
    Some(df)
}

/// The parameters of an `INCLUDE`d file's nodes, added to the pipe's.
fn included(
    root: &Root,
    pipe: &Path,
    file: &str,
    inc: &datafile::Include,
    params: &mut BTreeMap<String, Param>,
    problems: &mut Vec<(Option<Site>, String)>,
) {
    let at = Site {
        file: file.to_string(),
        at: inc.at,
    };
    let base = pipe.parent().unwrap_or(Path::new("."));
    let real = match root.resolve(base, &inc.path) {
        Ok(r) => r,
        Err(e) => {
            problems.push((
                Some(at),
                format!("included `{}` cannot be used: {e}", inc.path),
            ));
            return;
        }
    };
    let shown = crate::crosscheck::join(file, &inc.path);
    if let Some(df) = parse_file(&real, &shown, Kind::Pipe, problems) {
        collect(&df, &shown, params);
    }
}

fn collect(df: &Datafile, file: &str, params: &mut BTreeMap<String, Param>) {
    let uses: Vec<ParamUse> = df
        .nodes
        .iter()
        .filter_map(|n| n.sql.as_ref())
        .flat_map(template::params)
        .collect();
    for u in uses {
        let p = params.entry(u.name.clone()).or_insert_with(|| Param {
            first: Site {
                file: file.to_string(),
                at: u.at,
            },
            guarded: false,
            required: false,
        });
        p.guarded |= u.in_defined;
        p.required |= u.required;
    }
}
