//! Parses YAML text once into a spanned tree, and from it derives the two things the rest of the
//! loader needs: a plain `serde_json::Value` (for the JSON Schema pass and typed deserialisation)
//! and a [`SourceIndex`] from JSON Pointers to source positions (for every diagnostic).
//!
//! Duplicate keys are passed through by the parser and collected here, so that a file with three
//! duplicates gets three diagnostics rather than one.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use super::source_index::SourceIndex;
use super::yaml_compat::{self, PlainScalar};
use crate::diagnostics::{LineStarts, Pos};

/// A YAML node with the position of every key and value.
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Node>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// A YAML file that could not be parsed at all.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    /// Where the parser stopped, 1-based; `None` when it could not say.
    pub pos: Option<Pos>,
    /// The parser's message, without any snippet.
    pub message: String,
}

/// A key that appears twice in one mapping.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    /// Pointer of the mapping holding the key.
    pub parent: String,
    /// The key.
    pub key: String,
    /// Where it appears first.
    pub first: Pos,
    /// Where it appears again.
    pub again: Pos,
}

/// What parsing a file yields: its value, the index of positions and any duplicate keys.
#[derive(Debug)]
pub struct ParsedYaml {
    pub value: serde_json::Value,
    pub index: SourceIndex,
    pub duplicates: Vec<DuplicateKey>,
}

/// Parses YAML text with bounded budgets (alias bombs and deep nesting are refused, not followed).
pub fn parse(text: &str) -> Result<ParsedYaml, SyntaxError> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 48;
    budget.max_aliases = 1_000;
    budget.max_nodes = 200_000;
    let options = serde_saphyr::options! {
        budget: Some(budget),
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    };
    let root: Spanned<Node> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| syntax_error(text, &e))?;
    let mut builder = Builder {
        text,
        lines: LineStarts::new(text),
        index: SourceIndex::default(),
        duplicates: Vec::new(),
    };
    let value = builder.walk(&root, String::new());
    builder
        .index
        .set_value(String::new(), builder.pos(&root.referenced));
    Ok(ParsedYaml {
        value,
        index: builder.index,
        duplicates: builder.duplicates,
    })
}

fn syntax_error(text: &str, err: &serde_saphyr::Error) -> SyntaxError {
    let inner = err.without_snippet();
    let pos = inner
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| Pos::from_line_col(text, l.line() as usize, l.column() as usize));
    let options = serde_saphyr::render_options! {
        snippets: serde_saphyr::SnippetMode::Off,
    };
    let mut message = inner.render_with_options(options);
    // The parser prefixes its own position; ours is printed separately.
    if let Some(rest) = message.strip_prefix("error: ") {
        message = rest.to_string();
    }
    if let Some(idx) = message.find(": ").filter(|_| message.starts_with("line ")) {
        message = message[idx + 2..].to_string();
    }
    SyntaxError { pos, message }
}

struct Builder<'t> {
    text: &'t str,
    lines: LineStarts<'t>,
    index: SourceIndex,
    duplicates: Vec<DuplicateKey>,
}

impl Builder<'_> {
    fn pos(&self, loc: &Location) -> Pos {
        self.lines.pos(loc.line() as usize, loc.column() as usize)
    }

    fn walk(&mut self, node: &Spanned<Node>, ptr: String) -> serde_json::Value {
        use serde_json::Value;
        match &node.value {
            Node::Null => Value::Null,
            Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Float(_) | Node::Str(_) => {
                self.scalar(node, &ptr)
            }
            Node::Seq(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.child(item, format!("{ptr}/{i}"), None))
                    .collect(),
            ),
            Node::Map(entries) => self.walk_map(entries, &ptr),
        }
    }

    fn walk_map(
        &mut self,
        entries: &[(Spanned<Node>, Spanned<Node>)],
        ptr: &str,
    ) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        let mut seen: Vec<(String, Pos)> = Vec::new();
        for (key, value) in entries {
            let key_pos = self.pos(&key.referenced);
            let (name, note) = self.key_name(key);
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == name) {
                self.duplicates.push(DuplicateKey {
                    parent: ptr.to_string(),
                    key: name.clone(),
                    first: *first,
                    again: key_pos,
                });
                continue;
            }
            seen.push((name.clone(), key_pos));
            let child_ptr = format!("{ptr}/{}", escape_pointer(&name));
            if let Some(mut note) = note {
                note.pointer = child_ptr.clone();
                self.index.add_plain(note);
            }
            let v = self.child(value, child_ptr, Some(key_pos));
            map.insert(name, v);
        }
        serde_json::Value::Object(map)
    }

    /// A scalar's value: a plain scalar's by the YAML 1.2 core schema (see `yaml_compat`), any
    /// other (quoted, block, tagged) as the parser read it.
    fn scalar(&mut self, node: &Spanned<Node>, ptr: &str) -> serde_json::Value {
        use serde_json::Value;
        let parsed = match &node.value {
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::from(*i),
            Node::UInt(u) => Value::from(*u),
            Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Node::Str(s) if !yaml_compat::interesting(s) => return Value::String(s.clone()),
            Node::Str(s) => Value::String(s.clone()),
            Node::Null | Node::Seq(_) | Node::Map(_) => return Value::Null,
        };
        let Some((spelling, pos)) = self.plain(node) else {
            return parsed;
        };
        if matches!(&node.value, Node::Str(s) if *s != spelling) {
            return parsed; // a multi-line plain scalar: never a number or boolean
        }
        let Some(value) = yaml_compat::resolve(&spelling) else {
            return parsed;
        };
        let note = PlainScalar {
            pointer: ptr.to_owned(),
            pos,
            core: yaml_compat::core(&spelling),
            yaml11: yaml_compat::yaml11(&spelling),
            spelling,
            key: false,
        };
        if note.worth_keeping() {
            self.index.add_plain(note);
        }
        value
    }

    /// A mapping key's text: a plain key as written (`012: x` is the key `012`), any other as
    /// the parser read it; with a note when YAML tools read the plain key differently.
    fn key_name(&self, key: &Spanned<Node>) -> (String, Option<PlainScalar>) {
        let parsed = key_text(&key.value);
        let worth = match &key.value {
            Node::Str(s) => yaml_compat::interesting(s),
            Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Float(_) => true,
            Node::Null | Node::Seq(_) | Node::Map(_) => false,
        };
        let Some((spelling, pos)) = self.plain(key).filter(|_| worth) else {
            return (parsed, None);
        };
        if matches!(&key.value, Node::Str(s) if *s != spelling) {
            return (parsed, None);
        }
        let note = PlainScalar {
            pointer: String::new(),
            pos,
            core: yaml_compat::core(&spelling),
            yaml11: yaml_compat::yaml11(&spelling),
            spelling: spelling.clone(),
            key: true,
        };
        (spelling, note.worth_keeping().then_some(note))
    }

    /// The spelling and position of a plain (untagged, unquoted) scalar node.
    fn plain(&self, node: &Spanned<Node>) -> Option<(String, Pos)> {
        // An alias's text is where its anchor is defined.
        let pos = self.pos(&node.defined);
        let before = self.text.get(..pos.offset)?;
        let line = before.rsplit('\n').next().unwrap_or("");
        let mut tokens = line.split_whitespace().rev();
        let tagged = |t: Option<&str>| t.is_some_and(|t| t.starts_with('!'));
        let last = tokens.next();
        if tagged(last) || (last.is_some_and(|t| t.starts_with('&')) && tagged(tokens.next())) {
            return None;
        }
        let spelling = yaml_compat::spelling_at(self.text.get(pos.offset..)?)?;
        (!spelling.is_empty()).then(|| (spelling.to_owned(), pos))
    }

    fn child(&mut self, node: &Spanned<Node>, ptr: String, key: Option<Pos>) -> serde_json::Value {
        let pos = self.pos(&node.referenced);
        self.index.set_value(ptr.clone(), pos);
        if let Some(key) = key {
            self.index.set_key(ptr.clone(), key);
        }
        self.walk(node, ptr)
    }
}

fn key_text(node: &Node) -> String {
    match node {
        Node::Str(s) => s.clone(),
        Node::Null => "null".into(),
        Node::Bool(b) => b.to_string(),
        Node::Int(i) => i.to_string(),
        Node::UInt(u) => u.to_string(),
        Node::Float(f) => f.to_string(),
        Node::Seq(_) | Node::Map(_) => "<complex key>".into(),
    }
}

/// Escapes one JSON Pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn indexes_keys_and_values() {
        let text = "a:\n  b: [1, 2]\n  c/d: x\n";
        let parsed = parse(text).unwrap();
        assert_eq!(
            parsed.value,
            serde_json::json!({"a": {"b": [1, 2], "c/d": "x"}})
        );
        let b = parsed.index.key("/a/b").unwrap();
        assert_eq!((b.line, b.column), (2, 3));
        let second = parsed.index.value("/a/b/1").unwrap();
        assert_eq!((second.line, second.column), (2, 10));
        let cd = parsed.index.value("/a/c~1d").unwrap();
        assert_eq!((cd.line, cd.column), (3, 8));
    }

    #[test]
    fn collects_every_duplicate() {
        let text = "a: 1\nb: 2\na: 3\nb: 4\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.duplicates.len(), 2);
        assert_eq!(parsed.duplicates[0].key, "a");
        assert_eq!(
            (
                parsed.duplicates[0].again.line,
                parsed.duplicates[0].again.column
            ),
            (3, 1)
        );
    }

    #[test]
    fn refuses_alias_bombs_and_deep_nesting() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert!(parse(&bomb).is_err());
        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        assert!(parse(&deep).is_err());
    }
}
