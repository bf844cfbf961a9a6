//! `loginflow completions SHELL`: print a completion script for the shell to stdout.
//!
//! `cli` generates the script from the clap model (so it always lists the commands and flags
//! this binary has), into memory: a closed pipe (`loginflow completions bash | head`) is then an
//! error here rather than a panic inside the generator.

use std::io::Write;

use crate::error::{Error, Result};

/// Writes the script to stdout.
pub fn run(script: &[u8]) -> Result<u8> {
    let mut out = std::io::stdout().lock();
    out.write_all(script)
        .and_then(|()| out.flush())
        .map_err(|e| Error::other(format!("could not write the completion script: {e}"), None))?;
    Ok(0)
}
