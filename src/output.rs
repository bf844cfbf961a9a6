//! The one place that writes messages for people to stderr: errors, warnings, hints, progress.
//! stdout is for data only and is written by the commands themselves.

use std::io::{IsTerminal, Write};

use crate::error::Error;

/// Whether stderr should carry colour: a terminal, and `NO_COLOR` unset or empty.
pub fn stderr_color() -> bool {
    no_color_unset() && std::io::stderr().is_terminal()
}

/// Whether stdout should carry colour.
pub fn stdout_color() -> bool {
    no_color_unset() && std::io::stdout().is_terminal()
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes an operational error and its cause chain, uv style: `error: …`, `  caused by: …`, `hint: …`.
pub fn report_error(err: &Error) {
    let mut out = std::io::stderr().lock();
    let _ = writeln!(out, "{}: {err}", label("error", stderr_color()));
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let _ = writeln!(out, "  caused by: {cause}");
        source = cause.source();
    }
    if let Some(hint) = err.hint() {
        let _ = writeln!(out, "\n{}: {hint}", label("hint", stderr_color()));
    }
}

/// Writes a one-line status message to stderr (progress, summaries that are not data).
pub fn status(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

fn label(name: &str, color: bool) -> String {
    if !color {
        return name.to_string();
    }
    let code = match name {
        "error" => "1;31",
        "warning" => "1;33",
        _ => "1;36",
    };
    format!("\x1b[{code}m{name}\x1b[0m")
}

/// Writes data to stdout. A closed pipe (`loginflow plan | head`) ends the output quietly instead
/// of panicking.
pub fn data(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Asks `question` on the terminal and says whether the answer was exactly `yes`. Without a
/// terminal on stdin it refuses (`refusal`, `hint`) rather than wait for input that never comes.
pub fn confirm(question: &str, refusal: &str, hint: &str) -> crate::error::Result<bool> {
    use std::io::BufRead;
    if !std::io::stdin().is_terminal() {
        return Err(Error::other(
            format!("refusing to {refusal} without confirmation: stdin is not a terminal"),
            Some(hint.into()),
        ));
    }
    eprint!("{question} Only `yes` is accepted: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| Error::Io {
            action: "read from",
            path: std::path::Path::new("stdin").into(),
            source,
        })?;
    Ok(line.trim() == "yes")
}
