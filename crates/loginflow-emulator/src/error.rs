//! The emulator's operational errors: starting it (the socket, the state file, the TLS
//! certificate) and saving its state. Errors of the emulated API itself are HTTP answers
//! ([`crate::errors`]), never values of this type.

use std::path::PathBuf;

/// Why the emulator could not start or save its state.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or socket could not be read, written or opened.
    #[error("could not {action} `{path}`")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The state file is not valid JSON of the expected shape.
    #[error("the emulator state file `{}` is not valid: {reason}", path.display())]
    InvalidState {
        path: PathBuf,
        reason: serde_json::Error,
    },
    /// The state file is JSON, but of another format or version.
    #[error("`{}` is not a loginflow emulator state file (version 1)", path.display())]
    UnknownState { path: PathBuf },
    /// The throwaway certificate of `--tls` could not be made.
    #[error("could not make a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// The TLS server could not be configured.
    #[error("could not configure TLS: {0}")]
    Tls(#[from] rustls::Error),
}

impl Error {
    /// A hint to show under the message, if any.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::InvalidState { .. } => Some("move it away to start from an empty tenant"),
            _ => None,
        }
    }
}

/// The result type of the emulator's operational code.
pub type Result<T, E = Error> = std::result::Result<T, E>;
