//! Starting `node` on the harness and reading its answer.

use std::io::Write;
use std::process::{Command, Stdio};

use super::HARNESS;
use super::job::{CaseResult, Job};

/// The oldest Node with global `fetch`, `AbortSignal.timeout` and base64url `Buffer`s.
const MIN_MAJOR: u32 = 18;

/// Why a batch could not run. Case failures are not errors: they are in the results.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(
        "`{program}` was not found; install Node.js {MIN_MAJOR} or newer (or set LOGINFLOW_NODE)"
    )]
    Missing { program: String },
    #[error("Node.js {version} is too old; loginflow needs Node.js {MIN_MAJOR} or newer")]
    TooOld { version: String },
    #[error("could not run `{program}`: {source}")]
    Io {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the Node harness failed ({status}): {stderr}")]
    Harness { status: String, stderr: String },
    #[error("the Node harness answered something unreadable: {0}")]
    Output(#[from] serde_json::Error),
}

/// The `node` program: `LOGINFLOW_NODE`, else `node` on the PATH.
fn program() -> String {
    std::env::var("LOGINFLOW_NODE").unwrap_or_else(|_| "node".to_owned())
}

/// The version of the Node that [`run_batch`] uses (e.g. `v20.11.1`), checked to be new enough.
pub fn node_version() -> Result<String, NodeError> {
    let program = program();
    let output = Command::new(&program)
        .arg("--version")
        .output()
        .map_err(|source| classify(&program, source))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(m) if m >= MIN_MAJOR => Ok(version),
        _ => Err(NodeError::TooOld { version }),
    }
}

/// Runs every case of `job` through its actions in one Node process.
pub fn run_batch(job: &Job) -> Result<Vec<CaseResult>, NodeError> {
    node_version()?;
    let program = program();
    let input = serde_json::to_vec(job)?;
    let mut child = Command::new(&program)
        .arg("--eval")
        .arg(script()?)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| classify(&program, source))?;
    if let Some(mut stdin) = child.stdin.take() {
        // Written on a thread: a large job could otherwise fill the pipe while Node's stdout
        // is also full, and both processes would wait forever.
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child.wait_with_output().map_err(|source| NodeError::Io {
            program: program.clone(),
            source,
        })?;
        let _ = writer.join();
        return parse(output);
    }
    Err(NodeError::Harness {
        status: "no stdin".into(),
        stderr: String::new(),
    })
}

/// The harness with Auth0's restricted claim names defined ahead of it (one list for the
/// validator and the harness).
fn script() -> Result<String, NodeError> {
    let names = serde_json::to_string(crate::validate::auth0_rules::RESTRICTED_CLAIMS)?;
    Ok(format!(
        "\"use strict\";\nconst RESTRICTED_CLAIMS = {names};\n{HARNESS}"
    ))
}

fn parse(output: std::process::Output) -> Result<Vec<CaseResult>, NodeError> {
    if !output.status.success() {
        return Err(NodeError::Harness {
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        results: Vec<CaseResult>,
    }
    let answer: Answer = serde_json::from_slice(&output.stdout)?;
    Ok(answer.results)
}

fn classify(program: &str, source: std::io::Error) -> NodeError {
    if source.kind() == std::io::ErrorKind::NotFound {
        NodeError::Missing {
            program: program.to_owned(),
        }
    } else {
        NodeError::Io {
            program: program.to_owned(),
            source,
        }
    }
}
