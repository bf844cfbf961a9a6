//! Positions in a source file: 1-based line and column, and the byte offset.

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
