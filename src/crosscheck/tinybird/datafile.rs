//! A parser of Tinybird datafiles (`.pipe`, `.datasource`, `.incl`), following the CLI's own:
//! each line is split into words (quotes group, a line starting with `#` is a comment); a line
//! `CMD >` opens a multiline block that runs until an unindented line starting with a known
//! command; other lines are `CMD args`. Pipes hold `NODE name` blocks with `SQL >` (a template
//! when its first character is `%`), `TYPE endpoint|materialized|copy|sink`, `DATASOURCE`;
//! data sources hold `SCHEMA >` columns; `INCLUDE "file.incl"` pulls shared nodes in.

/// Commands of pipe files (and `.incl` files, which hold pipe nodes).
const PIPE_COMMANDS: &[&str] = &[
    "node",
    "scope",
    "description",
    "type",
    "datasource",
    "tags",
    "target_datasource",
    "copy_schedule",
    "copy_mode",
    "mode",
    "filter",
    "token",
    "include",
    "sql",
    "version",
    "deployment_method",
];

/// Commands of data source files (`engine_*`, `kafka_*`, `import_*`, `export_*` by prefix).
const DATASOURCE_COMMANDS: &[&str] = &[
    "description",
    "token",
    "source",
    "schema",
    "indexes",
    "engine",
    "partition_key",
    "sorting_key",
    "primary_key",
    "sampling_key",
    "ttl",
    "tags",
    "include",
    "version",
    "shared_with",
    "forward_query",
    "backfill",
];

const PREFIXES: &[&str] = &["engine_", "kafka_", "import_", "export_", "s3_", "gcs_"];

/// Which kind of datafile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pipe,
    Datasource,
}

/// A 1-based line and column in the datafile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub line: usize,
    pub column: usize,
}

/// The lines of a multiline block, each with its line number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    pub lines: Vec<(usize, String)>,
}

impl Block {
    /// The first non-blank character is `%`: the SQL is a template.
    pub fn is_template(&self) -> bool {
        self.lines
            .iter()
            .find_map(|(_, l)| l.trim_start().chars().next())
            == Some('%')
    }
}

/// A `NODE` of a pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub at: At,
    pub sql: Option<Block>,
    /// `TYPE`, lowercased: `endpoint`, `materialized`, `copy`, `sink`.
    pub node_type: Option<String>,
}

/// A column of a data source's `SCHEMA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub at: At,
}

/// An `INCLUDE "file" [KEY=value ...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub path: String,
    pub at: At,
}

/// A parsed datafile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datafile {
    pub kind: Kind,
    pub description: Option<String>,
    pub nodes: Vec<Node>,
    pub columns: Vec<Column>,
    pub includes: Vec<Include>,
    /// Syntax problems, each with its position.
    pub problems: Vec<(At, String)>,
}

/// Parses one datafile's text. Never fails: problems are collected.
pub fn parse(text: &str, kind: Kind) -> Datafile {
    let mut p = Parser {
        df: Datafile {
            kind,
            description: None,
            nodes: Vec::new(),
            columns: Vec::new(),
            includes: Vec::new(),
            problems: Vec::new(),
        },
        open: None,
    };
    for (i, line) in text.lines().enumerate() {
        p.line(i + 1, line);
    }
    p.close();
    p.df
}

struct Parser {
    df: Datafile,
    /// The open multiline block: command, where it started, its lines.
    open: Option<(String, At, Block)>,
}

impl Parser {
    fn known(&self, cmd: &str) -> bool {
        let list = match self.df.kind {
            Kind::Pipe => PIPE_COMMANDS,
            Kind::Datasource => DATASOURCE_COMMANDS,
        };
        list.contains(&cmd)
            || (self.df.kind == Kind::Datasource && PREFIXES.iter().any(|p| cmd.starts_with(p)))
            || (self.df.kind == Kind::Pipe && cmd.starts_with("export_"))
    }

    fn line(&mut self, n: usize, line: &str) {
        let words = words(line);
        let Some((first, col)) = words.first().cloned() else {
            return; // blank or comment: the CLI skips it, inside blocks too
        };
        let cmd = first.to_ascii_lowercase();
        let indented = line.starts_with([' ', '\t']);
        if self.open.is_some() && !indented && self.known(&cmd) {
            self.close();
        }
        let at = At {
            line: n,
            column: col,
        };
        if let Some((_, _, block)) = &mut self.open {
            block.lines.push((n, line.to_string()));
        } else if words.get(1).is_some_and(|(w, _)| w == ">") {
            self.open = Some((cmd, at, Block::default()));
        } else {
            self.command(&cmd, &words[1..], at);
        }
    }

    fn command(&mut self, cmd: &str, args: &[(String, usize)], at: At) {
        let arg = |i: usize| args.get(i).map(|(w, _)| unquote(w));
        match cmd {
            "node" if self.df.kind == Kind::Pipe => match arg(0) {
                Some(name) => self.df.nodes.push(Node {
                    name,
                    at,
                    sql: None,
                    node_type: None,
                }),
                None => self.problem(at, "`NODE` needs a name"),
            },
            "type" => match (self.df.nodes.last_mut(), arg(0)) {
                (Some(node), Some(t)) => node.node_type = Some(t.to_ascii_lowercase()),
                (None, _) => self.problem(at, "`TYPE` must come after a `NODE`"),
                (_, None) => self.problem(at, "`TYPE` needs a value"),
            },
            "include" => match arg(0) {
                Some(path) => self.df.includes.push(Include { path, at }),
                None => self.problem(at, "`INCLUDE` needs a file"),
            },
            "sql" | "schema" | "description" | "forward_query" | "indexes" => {
                let msg = format!(
                    "`{}` must be multiline: `{} >`",
                    cmd.to_uppercase(),
                    cmd.to_uppercase()
                );
                self.problem(at, &msg);
            }
            c if self.known(c) => {}
            c => self.unknown(at, c),
        }
    }

    fn unknown(&mut self, at: At, cmd: &str) {
        let kind = match self.df.kind {
            Kind::Pipe => "pipe",
            Kind::Datasource => "data source",
        };
        let msg = format!("`{}` is not a {kind} datafile command", cmd.to_uppercase());
        self.problem(at, &msg);
    }

    fn close(&mut self) {
        let Some((cmd, at, block)) = self.open.take() else {
            return;
        };
        match cmd.as_str() {
            "sql" if self.df.kind == Kind::Pipe => match self.df.nodes.last_mut() {
                Some(node) => node.sql = Some(block),
                None => self.problem(at, "`SQL` must come after a `NODE`"),
            },
            "description" => {
                let text: Vec<&str> = block.lines.iter().map(|(_, l)| l.trim()).collect();
                if self.df.nodes.is_empty() {
                    self.df.description = Some(text.join("\n"));
                }
            }
            "schema" if self.df.kind == Kind::Datasource => self.schema(&block),
            c if self.known(c) => {}
            c => self.unknown(at, c),
        }
    }

    /// `` `name` Type `json:$.path` [DEFAULT …], `` per line.
    fn schema(&mut self, block: &Block) {
        for (n, line) in &block.lines {
            let Some((word, col)) = words(line).into_iter().next() else {
                continue;
            };
            let name = word.trim_end_matches(',').trim_matches('`').to_string();
            if !name.is_empty() {
                self.df.columns.push(Column {
                    name,
                    at: At {
                        line: *n,
                        column: col,
                    },
                });
            }
        }
    }

    fn problem(&mut self, at: At, msg: &str) {
        self.df.problems.push((at, msg.to_string()));
    }
}

/// The words of a line with their 1-based columns: whitespace separates, quotes (`"`, `'`, `` ` ``)
/// group, a `#` at the start of a word starts a comment.
fn words(line: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    for (i, c) in line.chars().enumerate() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), start + 1));
                }
            }
            None if c == '#' && cur.is_empty() => break,
            None => {
                if cur.is_empty() {
                    start = i;
                }
                if matches!(c, '"' | '\'' | '`') {
                    quote = Some(c);
                }
                cur.push(c);
            }
        }
    }
    if !cur.is_empty() {
        out.push((cur, start + 1));
    }
    out
}

fn unquote(w: &str) -> String {
    let w = w.trim();
    for q in ['"', '\''] {
        if let Some(inner) = w.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    w.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIPE: &str = r#"DESCRIPTION >
    Top pages of an organisation's site, for the dashboard.

TOKEN "dashboard" READ

NODE filtered
DESCRIPTION >
    Hits of one organisation in a time window
SQL >
    %
    SELECT timestamp, pathname
    FROM analytics_hits
    WHERE org_id = {{ String(org_id, required=True) }}
# a comment line inside the block is skipped
    {% if defined(date_from) %}
    AND timestamp >= {{ DateTime(date_from) }}
    {% end %}

NODE endpoint
SQL >
    SELECT pathname, count() AS hits FROM filtered
GROUP BY pathname
    ORDER BY hits DESC

TYPE endpoint
"#;

    #[test]
    fn pipe_nodes_blocks_and_types() {
        let df = parse(PIPE, Kind::Pipe);
        assert!(df.problems.is_empty(), "{:?}", df.problems);
        assert_eq!(
            df.description.as_deref(),
            Some("Top pages of an organisation's site, for the dashboard.")
        );
        let names: Vec<&str> = df.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["filtered", "endpoint"]);
        let first = df.nodes[0].sql.as_ref().expect("sql");
        assert!(first.is_template());
        assert_eq!(first.lines[0].0, 10);
        assert_eq!(first.lines.len(), 7, "the comment line is dropped");
        let second = df.nodes[1].sql.as_ref().expect("sql");
        assert!(!second.is_template());
        // `GROUP` is not a command: an unindented line stays in the block.
        assert_eq!(second.lines.len(), 3);
        assert_eq!(df.nodes[1].node_type.as_deref(), Some("endpoint"));
        assert_eq!(df.nodes[0].node_type, None);
        assert_eq!(
            df.nodes[1].at,
            At {
                line: 19,
                column: 1
            }
        );
    }

    #[test]
    fn datasource_schema_columns() {
        let text = "DESCRIPTION >\n    Page hits\n\nSCHEMA >\n    `timestamp` DateTime `json:$.timestamp`,\n    `org_id` LowCardinality(String) `json:$.org_id`,\n    pathname String `json:$.pathname`\n\nENGINE \"MergeTree\"\nENGINE_SORTING_KEY \"org_id, timestamp\"\nKAFKA_TOPIC hits\n";
        let df = parse(text, Kind::Datasource);
        assert!(df.problems.is_empty(), "{:?}", df.problems);
        let cols: Vec<(&str, usize, usize)> = df
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.at.line, c.at.column))
            .collect();
        assert_eq!(
            cols,
            [("timestamp", 5, 5), ("org_id", 6, 5), ("pathname", 7, 5)]
        );
    }

    #[test]
    fn syntax_problems_are_located() {
        let text = "SQL >\n    SELECT 1\nNODE n\nTYPE\nFROB x\nSQL SELECT 1\nINCLUDE \"shared/filters.incl\" ORG=org_id\n";
        let df = parse(text, Kind::Pipe);
        let got: Vec<(usize, &str)> = df
            .problems
            .iter()
            .map(|(at, m)| (at.line, m.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "`SQL` must come after a `NODE`"),
                (4, "`TYPE` needs a value"),
                (5, "`FROB` is not a pipe datafile command"),
                (6, "`SQL` must be multiline: `SQL >`"),
            ]
        );
        assert_eq!(df.includes[0].path, "shared/filters.incl");
        assert_eq!(df.includes[0].at, At { line: 7, column: 1 });
    }
}
