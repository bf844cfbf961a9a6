//! Helpers shared by the integration tests: paths, running the real binary, an emulator to run
//! it against.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use loginflow_emulator::{Emulator, EmulatorOptions};

/// The emulator crate's test helpers (an HTTP client with the crypto provider loginflow
/// installs, tokens, an authenticated API client): one copy for both crates' tests.
#[path = "../../crates/loginflow-emulator/tests/it/support.rs"]
pub mod emulator;

pub use emulator::http;

/// An emulator on a runtime of its own (2 workers), so that the test thread can run the binary
/// synchronously while the emulator answers it.
pub fn emulator_on_runtime(opts: EmulatorOptions) -> (tokio::runtime::Runtime, Emulator) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(Emulator::start(opts)).unwrap();
    (rt, emu)
}

/// A Management API access token from the emulator at `base`, for client `local` with `secret`.
pub async fn emulator_token(base: &str, secret: &str) -> String {
    emulator::get_token_with(&http(), base, secret).await
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
