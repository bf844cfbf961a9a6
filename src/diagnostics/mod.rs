//! Located problems in the user's input: many per run, each with a file, a position, a code and
//! a message, and a hint where one helps. Checks produce them; `render` prints them. Nothing else
//! prints user-input problems.

mod code;
mod finding;
mod pos;
pub mod render;
pub mod suggest;

pub use code::Code;
pub use finding::Finding;
pub use pos::{LineStarts, Pos};

use std::path::PathBuf;

/// Error or warning. Only errors make `validate` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One located problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    /// The file, as the user named it (or as reached through `include`).
    pub file: PathBuf,
    /// Where in the file; `None` for whole-file problems (unreadable, not UTF-8).
    pub pos: Option<Pos>,
    /// Width of the caret underline in characters (at least 1).
    pub width: usize,
    /// The JSON Pointer of the offending node, for tools.
    pub pointer: String,
    /// A suggestion for fixing it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error with no position yet; see [`Diagnostic::at`].
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            file: PathBuf::new(),
            pos: None,
            width: 1,
            pointer: String::new(),
            hint: None,
        }
    }

    /// A warning with no position yet.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Places the diagnostic in a file.
    pub fn at(
        mut self,
        file: impl Into<PathBuf>,
        pointer: impl Into<String>,
        pos: Option<Pos>,
    ) -> Self {
        self.file = file.into();
        self.pointer = pointer.into();
        self.pos = pos;
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the caret width.
    pub fn with_width(mut self, width: usize) -> Self {
        self.width = width.max(1);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Counts errors in a list of diagnostics.
pub fn error_count(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}
