//! The command line: clap types and dispatch. Only this module knows clap.
//!
//! Raw arguments are parsed here and handed to `commands::*` as plain values; each command resolves
//! them (reads files, finds tenants) itself, in the spirit of ripgrep's low-then-high arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use loginflow_emulator::{EmulatorOptions, FaultSpec, RateLimitSpec};

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
    /// Show what apply would change in the live tenant(s), as a diff.
    Plan(PlanArgs),
    /// Apply the changes: to tenant files (after showing the plan), or exactly a saved plan.
    Apply(ApplyArgs),
    /// Write a config that manages an existing tenant's actions as `custom` actions.
    Import(ImportArgs),
    /// Print a shell completion script to stdout.
    Completions(CompletionsArgs),
    /// Hasura helpers for a tenant's `hasura` actions.
    Hasura(HasuraArgs),
    /// Run the tenant files' test cases through the rendered flow in Node, without a tenant.
    Test(TestArgs),
    /// Write the generated Actions for review (to stdout, or one file per action with `--out`).
    Render(RenderArgs),
    /// Run the embedded local tenant (an Auth0 Management API emulator) on loopback.
    Emulator(EmulatorArgs),
}

/// Arguments of `emulator`.
#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// State file; the tenant persists there across restarts.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Build time of a draft in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub build_ms: u64,
    /// Token bucket as BURST/PER_SECOND (default 10/2, like a development tenant).
    #[arg(long, value_parser = str::parse::<RateLimitSpec>, conflicts_with = "no_rate_limit")]
    pub rate_limit: Option<RateLimitSpec>,
    /// Disable rate limiting.
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Extra latency per API request in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Faults to inject, e.g. `429=3,5xx=0.1,drop=0.05,fail-builds=0.5` (see the docs).
    #[arg(long, value_parser = str::parse::<FaultSpec>)]
    pub faults: Option<FaultSpec>,
    /// The accepted client id (the secret comes from LOGINFLOW_EMULATOR_CLIENT_SECRET, default `local`).
    #[arg(long, default_value = "local")]
    pub client_id: String,
    /// Serve HTTPS with a self-signed certificate written to --cert-dir.
    #[arg(long, requires = "cert_dir")]
    pub tls: bool,
    /// Where --tls writes its certificate.
    #[arg(long)]
    pub cert_dir: Option<PathBuf>,
}

impl EmulatorArgs {
    /// The resolved settings, with the client secret from the environment.
    pub fn settings(self) -> commands::emulator::Settings {
        let options = EmulatorOptions {
            client_id: self.client_id,
            client_secret: commands::emulator::client_secret(),
            build_ms: self.build_ms,
            rate_limit: if self.no_rate_limit {
                None
            } else {
                Some(self.rate_limit.unwrap_or_default())
            },
            latency_ms: self.latency_ms,
            faults: self.faults.unwrap_or_default(),
            state_file: self.state,
            tls_cert_dir: if self.tls { self.cert_dir } else { None },
            ..EmulatorOptions::default()
        };
        commands::emulator::Settings {
            port: self.port,
            options,
        }
    }
}

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `hasura`.
#[derive(Debug, clap::Args)]
pub struct HasuraArgs {
    #[command(subcommand)]
    pub command: HasuraCommand,
}

/// The subcommands of `hasura`.
#[derive(Debug, Subcommand)]
pub enum HasuraCommand {
    /// Print the `HASURA_GRAPHQL_JWT_SECRET` JSON that accepts this tenant's tokens.
    JwtConfig(JwtConfigArgs),
}

/// Arguments of `hasura jwt-config`.
#[derive(Debug, clap::Args)]
pub struct JwtConfigArgs {
    /// The tenant file whose domain and `hasura` actions the configuration is for.
    #[arg(long, value_name = "FILE")]
    pub tenant: PathBuf,
    /// The `aud` Hasura accepts: the identifier of the Auth0 API the access tokens are issued for.
    /// Repeat for several audiences.
    #[arg(long, value_name = "AUD")]
    pub audience: Vec<String>,
    /// The domain tokens are issued by, when logins go through a custom domain. Default: the
    /// tenant's `tenant.domain`.
    #[arg(long, value_name = "DOMAIN")]
    pub issuer_domain: Option<String>,
    /// Seconds of clock skew Hasura tolerates on `exp`/`nbf` (`allowed_skew`). Default: omitted,
    /// which Hasura treats as 0.
    #[arg(long, value_name = "SECONDS")]
    pub allowed_skew: Option<u32>,
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

/// Output format of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Like `terraform plan`; coloured on a terminal.
    Human,
    /// A pull-request comment.
    Markdown,
    /// A versioned JSON document (see the README).
    Json,
}

/// Arguments of `plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Tenant files; default (and with `--all`): every `tenants/*.yaml`.
    pub files: Vec<PathBuf>,
    /// Plan every `tenants/*.yaml`.
    #[arg(long, conflicts_with = "files")]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also save the plan (for `loginflow apply FILE`). It holds no secret value.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Arguments of `apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Tenant files, or one saved plan (`plan.json`); default: every `tenants/*.yaml`.
    pub files: Vec<PathBuf>,
    /// Apply every `tenants/*.yaml`.
    #[arg(long, conflicts_with = "files")]
    pub all: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Also delete managed actions that are no longer in the config.
    #[arg(long)]
    pub prune: bool,
}

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// A tenant file naming the tenant to read (its `tenant` section is used).
    #[arg(long, value_name = "FILE")]
    pub tenant: PathBuf,
    /// Where to write `tenant.yaml` and `actions/*.js`.
    #[arg(long, value_name = "DIR", default_value = "imported")]
    pub out: PathBuf,
}

/// Arguments of `render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Tenant files; default: every `tenants/*.yaml`.
    pub files: Vec<PathBuf>,
    /// Write `DIR/<tenant>/<action>.js` instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Entry point of the binary: parse, run, map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    tracing::debug!(version = env!("CARGO_PKG_VERSION"), "loginflow started");
    let verbose = cli.verbose;
    let outcome = run(cli);
    if verbose > 0 {
        report_peak_memory();
    }
    match outcome {
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
        Command::Render(args) => commands::render::run(&args),
        Command::Plan(args) => commands::plan::run(&args),
        Command::Apply(args) => commands::apply::run(&args),
        Command::Import(args) => commands::import::run(&args),
        Command::Test(args) => commands::test::run(&args),
        Command::Completions(args) => commands::completions::run(&args),
        Command::Hasura(args) => match &args.command {
            HasuraCommand::JwtConfig(args) => commands::hasura::jwt_config(args),
        },
        Command::Emulator(args) => commands::emulator::run(args.settings()),
    }
}

/// Logs the process's peak resident memory (Linux), for scale tests and curious users.
fn report_peak_memory() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
        tracing::info!(
            "peak memory (VmHWM): {}",
            line.trim_start_matches("VmHWM:").trim()
        );
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
