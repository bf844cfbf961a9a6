//! Operational errors: things that went wrong outside the user's YAML (I/O, HTTP, the tenant, Node).
//!
//! Problems in the user's input are not errors but [`crate::diagnostics::Diagnostic`]s, collected
//! many per run. This type carries context for one failure; [`crate::output`] writes it for people
//! and [`Error::exit_code`] is the one place that maps outcomes to exit codes.

use std::path::PathBuf;

/// An operational failure with its context.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("could not {action} `{path}`")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The input had problems that were already reported as diagnostics.
    #[error("{count} error(s) in the configuration")]
    InvalidConfig { count: usize },
    /// The command line asked for something that cannot be done.
    #[error("{0}")]
    Usage(String),
    /// A request to a tenant failed.
    #[error(transparent)]
    Tenant(#[from] crate::tenant::Error),
    /// The embedded emulator could not start or save its state.
    #[error(transparent)]
    Emulator(#[from] loginflow_emulator::Error),
    /// Node.js could not run the Actions.
    #[error(transparent)]
    Node(#[from] crate::node::NodeError),
    /// A failure with a message already written for people, and an optional hint.
    #[error("{message}")]
    Other {
        message: String,
        hint: Option<String>,
    },
}

impl Error {
    /// A failure with a message and a hint for the user.
    pub fn other(message: impl Into<String>, hint: Option<String>) -> Self {
        Error::Other {
            message: message.into(),
            hint,
        }
    }

    /// The process exit code for this error. Every command exits 1 on failure; 2 is reserved for
    /// `plan --detailed-exitcode` meaning "changes present", as terraform does.
    pub fn exit_code(&self) -> u8 {
        1
    }

    /// A hint to print under the message, if any.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Other { hint, .. } => hint.as_deref(),
            Error::Emulator(e) => e.hint(),
            Error::Node(
                crate::node::NodeError::Missing { .. } | crate::node::NodeError::TooOld { .. },
            ) => Some(
                "install Node.js 18 or newer (https://nodejs.org, or your package manager's `nodejs`), or set LOGINFLOW_NODE to the path of a `node` binary",
            ),
            _ => None,
        }
    }
}

/// The result type of operational code.
pub type Result<T, E = Error> = std::result::Result<T, E>;
