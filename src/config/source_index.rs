//! Positions in a source file, found by JSON Pointer. Every diagnostic, from the JSON Schema pass
//! or a semantic check, names a pointer; this index turns it into `line:col` and a byte span.

use std::collections::HashMap;

/// A position in a file: 1-based line and column (in characters) and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

impl Pos {
    /// The position of `line:column` (1-based, column in characters) in `text`.
    /// For one lookup; many lookups in one text go through [`LineStarts`].
    pub fn from_line_col(text: &str, line: usize, column: usize) -> Pos {
        LineStarts::new(text).pos(line, column)
    }
}

/// The byte offset where each line of a text starts, so that turning `line:col` into a byte
/// offset does not rescan the text (the YAML index does it for every node).
pub struct LineStarts<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineStarts<'t> {
    pub fn new(text: &'t str) -> LineStarts<'t> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineStarts { text, starts }
    }

    /// The position of `line:column` (1-based, column in characters); past the end of a line or
    /// of the text, the end.
    pub fn pos(&self, line: usize, column: usize) -> Pos {
        let line_start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        let rest = &self.text[line_start..];
        let col_bytes = rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i);
        Pos {
            line: line.max(1),
            column: column.max(1),
            offset: line_start + col_bytes,
        }
    }
}

/// Pointer → position of the key (for mapping entries) and of the value.
#[derive(Debug, Default, Clone)]
pub struct SourceIndex {
    keys: HashMap<String, Pos>,
    values: HashMap<String, Pos>,
    /// Plain scalars whose reading depends on the YAML version or on the schema (see
    /// `yaml_compat`), in file order.
    plain: Vec<super::yaml_compat::PlainScalar>,
}

impl SourceIndex {
    pub(crate) fn set_key(&mut self, ptr: String, pos: Pos) {
        self.keys.insert(ptr, pos);
    }

    pub(crate) fn set_value(&mut self, ptr: String, pos: Pos) {
        self.values.insert(ptr, pos);
    }

    pub(crate) fn add_plain(&mut self, p: super::yaml_compat::PlainScalar) {
        self.plain.push(p);
    }

    /// The plain scalars worth a second look (numbers, booleans, version-dependent readings).
    pub fn plain(&self) -> &[super::yaml_compat::PlainScalar] {
        &self.plain
    }

    /// Where the key of the entry at `ptr` is written.
    pub fn key(&self, ptr: &str) -> Option<Pos> {
        self.keys.get(ptr).copied()
    }

    /// Where the value at `ptr` starts.
    pub fn value(&self, ptr: &str) -> Option<Pos> {
        self.values.get(ptr).copied()
    }

    /// The best position for a pointer: the value if known, else the closest known ancestor.
    pub fn locate(&self, ptr: &str) -> Pos {
        let mut p = ptr;
        loop {
            if let Some(pos) = self.value(p) {
                return pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => {
                    return Pos {
                        line: 1,
                        column: 1,
                        offset: 0,
                    };
                }
            }
        }
    }

    /// The position of the key at `ptr` if it has one, else of its value.
    pub fn locate_key(&self, ptr: &str) -> Pos {
        self.key(ptr).unwrap_or_else(|| self.locate(ptr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_starts_count_columns_in_characters_and_clamp_past_the_end() {
        let text = "a: 1\nnamé: x\n\nlast";
        let lines = LineStarts::new(text);
        assert_eq!(lines.pos(1, 1).offset, 0);
        // `x` is the 7th character of line 2 but the 8th byte (é is two bytes).
        assert_eq!(lines.pos(2, 7).offset, text.find('x').unwrap());
        assert_eq!(lines.pos(3, 1).offset, text.find("\n\n").unwrap() + 1);
        assert_eq!(lines.pos(4, 3).offset, text.len() - 2);
        assert_eq!(lines.pos(4, 99).offset, text.len());
        assert_eq!(lines.pos(9, 1).offset, text.len());
        assert_eq!(lines.pos(2, 7), Pos::from_line_col(text, 2, 7));
    }
}
