//! Helpers shared by the integration tests: paths, running the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A plain HTTP client for tests (with the crypto provider loginflow installs).
pub fn http() -> reqwest::Client {
    http_builder().build().unwrap()
}

/// A client builder for tests that need options.
pub fn http_builder() -> reqwest::ClientBuilder {
    loginflow::tenant::install_crypto_provider();
    reqwest::Client::builder()
}

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path below `tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The `loginflow` binary built for this test run, with colour and inherited logging turned off.
pub fn loginflow() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loginflow"));
    cmd.env("NO_COLOR", "1").env_remove("LOGINFLOW_LOG");
    cmd
}

/// Runs a command in `dir` and returns its output.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    loginflow()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run loginflow")
}

/// stdout and stderr as text.
pub fn texts(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
