//! Positions in a source file, found by JSON Pointer. Every diagnostic, from the JSON Schema pass
//! or a semantic check, names a pointer; this index turns it into `line:col` and a byte span.

use std::collections::HashMap;

use crate::diagnostics::Pos;

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
