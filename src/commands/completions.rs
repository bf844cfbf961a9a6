//! `loginflow completions SHELL`: print a completion script for the shell to stdout.
//!
//! The script is generated from the clap model, so it always lists the commands and flags this
//! binary has.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Error, Result};

/// Generates the script into memory, then writes it to stdout.
///
/// Generating into a buffer keeps a closed pipe (`loginflow completions bash | head`) an error
/// rather than a panic inside the generator.
pub fn run(args: &CompletionsArgs) -> Result<u8> {
    let script = script(args.shell);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|e| Error::other(format!("could not write the completion script: {e}"), None))?;
    Ok(0)
}

/// The completion script of `loginflow` for `shell`.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "loginflow", &mut buf);
    buf
}
