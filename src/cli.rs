//! The command line: clap types and dispatch. Only this module knows clap.
//!
//! Raw arguments are parsed here and handed to `commands::*` as plain values; each command resolves
//! them (reads files, finds tenants) itself, in the spirit of ripgrep's low-then-high arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::error::Error;

/// Manage an Auth0 tenant's post-login pipeline as code.
#[derive(Debug, Parser)]
#[command(name = "loginflow", version, about, long_about = None)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug, -vvv trace). Tokens and secrets are redacted.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check tenant files and report every problem with its file, line and column.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the configuration language.
    Schema,
    /// Run the tenant files' test cases through the rendered flow in Node, without a tenant.
    Test(TestArgs),
}

/// Output format of `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// `PASS`/`FAIL` per case, the differences of failed cases, and `N passed, N failed`.
    Human,
    /// JUnit XML, for CI.
    Junit,
}

/// Arguments of `test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Tenant files whose tests to run; default: every `tenants/*.yaml`.
    pub files: Vec<PathBuf>,
    /// Run only the cases whose name contains this text (case-insensitive).
    #[arg(long, value_name = "NAME")]
    pub filter: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Write the JUnit XML report to this file (stdout then keeps the human output).
    #[arg(long, value_name = "FILE")]
    pub junit_out: Option<PathBuf>,
    /// The time budget of one flow in milliseconds, instead of Auth0's 20 s (to test the limit).
    #[arg(long, value_name = "MS", hide = true)]
    pub time_limit_ms: Option<u64>,
}

/// Output format for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// `file:line:col: error[code]: message`, the source line and a caret.
    Human,
    /// One JSON document with every diagnostic.
    Json,
}

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Tenant files to check; default: every `tenants/*.yaml`.
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,
}

/// Entry point of the binary: parse, run, map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if !matches!(err, Error::InvalidConfig { .. }) {
                crate::output::report_error(&err);
            }
            ExitCode::from(err.exit_code())
        }
    }
}

/// Runs one parsed command line and returns its exit code on success.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Validate(args) => commands::validate::run(&args),
        Command::Schema => commands::schema::run(),
        Command::Test(args) => commands::test::run(&args),
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOGINFLOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("loginflow={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(crate::output::stderr_color())
        .try_init();
}
