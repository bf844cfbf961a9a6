//! A problem found by a check, before it is placed in a file: a diagnostic plus a JSON Pointer into
//! the merged configuration and whether it points at the key or the value.

use super::{Code, Diagnostic};

/// A check's result, placed in its file later (`config::load::LoadedTenant::locate`).
#[derive(Debug, Clone)]
pub struct Finding {
    pub diag: Diagnostic,
    /// Pointer into the document the check looked at.
    pub pointer: String,
    /// Point at the key of the entry rather than its value.
    pub on_key: bool,
}

impl Finding {
    /// An error at the value of `pointer`.
    pub fn error(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            diag: Diagnostic::error(code, message),
            pointer: pointer.into(),
            on_key: false,
        }
    }

    /// A warning at the value of `pointer`.
    pub fn warning(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            diag: Diagnostic::warning(code, message),
            pointer: pointer.into(),
            on_key: false,
        }
    }

    /// Points at the key instead of the value.
    pub fn on_key(mut self) -> Self {
        self.on_key = true;
        self
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: Option<String>) -> Self {
        self.diag.hint = hint;
        self
    }
}
