//! The parameters a Tinybird SQL template reads. Templates are Tornado templates:
//! `{{ expression }}`, `{% statement %}` (`if`/`elif`/`for`/`set`/`end`…), `{# comment #}`. As
//! Tinybird itself does, a parameter is any name the expressions read that is not a function
//! called, an attribute, a keyword argument, a keyword or a name the template assigns
//! (`{% set x = … %}`, `{% for x in … %}`): `{{ String(org_id, 'x', required=True) }}`,
//! `{% if defined(date_from) %}`, `{{ columns(cols, 'a,b') }}` read `org_id`, `date_from`, `cols`.

use std::collections::BTreeSet;

use super::datafile::{At, Block};

/// One read of a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamUse {
    pub name: String,
    pub at: At,
    /// Inside `defined(…)`: the SQL it guards disappears when the parameter is not passed.
    pub in_defined: bool,
    /// The first argument of a call with `required=True`.
    pub required: bool,
}

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "if", "else", "None", "True", "False", "lambda", "for",
];

/// Every parameter read by a templated SQL block (nothing for plain SQL), in order.
pub fn params(block: &Block) -> Vec<ParamUse> {
    if !block.is_template() {
        return Vec::new();
    }
    let text: String = block
        .lines
        .iter()
        .map(|(_, l)| l.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut locals = BTreeSet::new();
    let mut rest = 0;
    while let Some(i) = text[rest..].find('{') {
        let start = rest + i;
        let (close, statement) = match text[start + 1..].chars().next() {
            Some('{') => ("}}", false),
            Some('%') => ("%}", true),
            Some('#') => ("#}", false),
            _ => {
                rest = start + 1;
                continue;
            }
        };
        let body_start = start + 2;
        let Some(len) = text[body_start..].find(close) else {
            break;
        };
        if !text[start..].starts_with("{#") {
            let tokens = tokens(&text[body_start..body_start + len], body_start);
            let tokens = if statement {
                statement_expression(tokens, &mut locals)
            } else {
                tokens
            };
            reads(&tokens, &locals, block, &text, &mut out);
        }
        rest = body_start + len + 2;
    }
    out
}

/// A token of an expression: its text and byte offset in the block's text.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    offset: usize,
}

impl Token {
    fn is(&self, s: &str) -> bool {
        self.text == s
    }
    fn is_name(&self) -> bool {
        self.text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
    }
}

fn tokens(expr: &str, base: usize) -> Vec<Token> {
    let chars: Vec<(usize, char)> = expr.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (off, c) = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_') {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '.') {
                i += 1;
            }
        } else if c == '\'' || c == '"' {
            i += 1;
            while i < chars.len() && chars[i].1 != c {
                i += if chars[i].1 == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if chars
            .get(i + 1)
            .is_some_and(|(_, n)| *n == '=' && matches!(c, '=' | '!' | '<' | '>'))
        {
            i += 2;
        } else {
            i += 1;
        }
        let end = chars.get(i).map_or(expr.len(), |(o, _)| *o);
        out.push(Token {
            text: expr[chars[start].0..end].to_string(),
            offset: base + off,
        });
    }
    out
}

/// The expression part of a statement; names it assigns become locals.
fn statement_expression(tokens: Vec<Token>, locals: &mut BTreeSet<String>) -> Vec<Token> {
    let Some(first) = tokens.first() else {
        return tokens;
    };
    match first.text.as_str() {
        "if" | "elif" | "while" | "return" => tokens[1..].to_vec(),
        "set" => {
            if let Some(name) = tokens.get(1) {
                locals.insert(name.text.clone());
            }
            tokens
                .iter()
                .skip_while(|t| !t.is("="))
                .skip(1)
                .cloned()
                .collect()
        }
        "for" => {
            let in_at = tokens
                .iter()
                .position(|t| t.is("in"))
                .unwrap_or(tokens.len());
            for t in &tokens[1..in_at] {
                if t.is_name() {
                    locals.insert(t.text.clone());
                }
            }
            tokens
                .get(in_at + 1..)
                .map(<[Token]>::to_vec)
                .unwrap_or_default()
        }
        // `else`, `end`, `try`, `comment`, `raw`…: nothing is read.
        _ => Vec::new(),
    }
}

/// The parameters among `tokens`, with the calls they sit in.
fn reads(
    tokens: &[Token],
    locals: &BTreeSet<String>,
    block: &Block,
    text: &str,
    out: &mut Vec<ParamUse>,
) {
    // Open calls: function name and the index in `out` of its first parameter read.
    let mut calls: Vec<(String, Option<usize>)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        if t.is("(") || t.is("[") {
            let callee = prev.filter(|p| p.is_name()).map(|p| p.text.clone());
            calls.push((callee.unwrap_or_default(), None));
            continue;
        }
        if t.is(")") || t.is("]") {
            calls.pop();
            continue;
        }
        if t.is("required") && next.is_some_and(|n| n.is("=")) {
            let truthy = tokens.get(i + 2).is_some_and(|v| v.is("True"));
            if let Some(idx) = calls.last().and_then(|(_, first)| *first) {
                out[idx].required |= truthy;
            }
            continue;
        }
        let attribute = prev.is_some_and(|p| p.is("."));
        let called = next.is_some_and(|n| n.is("("));
        let keyword_arg = next.is_some_and(|n| n.is("="));
        if !t.is_name()
            || attribute
            || called
            || keyword_arg
            || KEYWORDS.contains(&t.text.as_str())
            || locals.contains(&t.text)
        {
            continue;
        }
        let in_defined = calls.iter().any(|(f, _)| f == "defined");
        out.push(ParamUse {
            name: t.text.clone(),
            at: position(block, text, t.offset),
            in_defined,
            required: false,
        });
        let idx = out.len() - 1;
        if let Some((_, first)) = calls.last_mut() {
            first.get_or_insert(idx);
        }
    }
}

/// The line and column of a byte offset of the joined block text.
fn position(block: &Block, text: &str, offset: usize) -> At {
    let before = &text[..offset.min(text.len())];
    let idx = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    At {
        line: block.lines.get(idx).map_or(0, |(n, _)| *n),
        column: text[line_start..offset].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(first_line: usize, text: &str) -> Block {
        Block {
            lines: text
                .lines()
                .enumerate()
                .map(|(i, l)| (first_line + i, l.to_string()))
                .collect(),
        }
    }

    fn names(uses: &[ParamUse]) -> Vec<(&str, usize, usize, bool, bool)> {
        uses.iter()
            .map(|u| {
                (
                    u.name.as_str(),
                    u.at.line,
                    u.at.column,
                    u.in_defined,
                    u.required,
                )
            })
            .collect()
    }

    #[test]
    fn typed_parameters_defined_and_required() {
        let b = block(
            10,
            "    %\n    SELECT * FROM hits\n    WHERE org_id = {{ String(org_id, 'org_1', description=\"Org\", required=True) }}\n    {% if defined(date_from) and date_from != '' %}\n    AND ts >= {{ DateTime(date_from) }}\n    {% end %}\n    LIMIT {{ Int32(limit, 50) }}",
        );
        assert_eq!(
            names(&params(&b)),
            [
                ("org_id", 12, 30, false, true),
                ("date_from", 13, 19, true, false),
                ("date_from", 13, 34, false, false),
                ("date_from", 14, 27, false, false),
                ("limit", 16, 20, false, false),
            ]
        );
    }

    #[test]
    fn locals_calls_attributes_and_comments_are_not_parameters() {
        let b = block(
            1,
            "%\n{# org_id in a comment #}\n{% set cols = columns(group_by, 'pathname') %}\n{% for metric in split_to_array(metrics, 'hits') %} {{ symbol(metric) }} {% end %}\n{{ sql_and(org_id__in=Array(orgs, 'String')) }} {{ error('bad', 400) }} {{ cols }}\nWHERE a = '{{ String(x.y) }}'",
        );
        let uses = params(&b);
        let got: Vec<&str> = uses.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(got, ["group_by", "metrics", "orgs", "x"]);
    }

    proptest::proptest! {
        /// Any text, templated or not, is scanned without a panic (hostile datafiles).
        #[test]
        fn any_text_is_scanned_without_panic(text in "\\PC{0,200}") {
            let b = block(1, &format!("%\n{text}"));
            let _ = params(&b);
            let _ = super::super::datafile::parse(&text, super::super::datafile::Kind::Pipe);
            let _ = super::super::datafile::parse(&text, super::super::datafile::Kind::Datasource);
        }

        /// Template-looking text with multibyte characters next to operators.
        #[test]
        fn template_fragments_are_scanned_without_panic(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "{{", "}}", "{%", "%}", "{#", "#}", "(", ")", "=", "==", "!=é", "'", "\"",
                    "é", "org_id", "String", "defined", "set", "for", "in", ",", "required", "True", "\n",
                ]),
                0..40,
            )
        ) {
            let b = block(1, &format!("%\n{}", parts.concat()));
            let _ = params(&b);
        }
    }

    #[test]
    fn plain_sql_reads_nothing() {
        let b = block(1, "SELECT {{ String(org_id) }} FROM t");
        assert!(params(&b).is_empty());
    }
}
