//! The command line: clap types and dispatch. Only this module knows clap.
//!
//! As ripgrep does, arguments come in two layers: the raw ones clap parses (`*Args`, low) and
//! the settings each command runs with (`commands::*::Settings`, high), where defaults are
//! resolved (which tenant files, a saved plan or files, the output format).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use loginflow_emulator::{EmulatorOptions, FaultSpec, RateLimitSpec};

use crate::commands;
use crate::error::Error;
use crate::pipeline;

/// Manage an Auth0 tenant's post-login pipeline as code.
#[derive(Debug, Parser)]
#[command(name = "loginflow", version, about, long_about = None)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug, -vvv trace). Tokens and secrets are redacted.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// The repository root: every path a tenant file names (includes, custom code, templates,
    /// secret files) must resolve inside it. Default: the nearest folder above the tenant file
    /// holding `.git`; without one, the current directory (or the tenant file's folder when the
    /// file is outside it).
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,

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
    /// List the tenant files and the domain each manages (for CI matrix jobs).
    List(ListArgs),
    /// Show what apply would change in the live tenant(s), as a diff.
    Plan(PlanArgs),
    /// Print a saved plan (`plan --out`) without a tenant: no request, no secret.
    Show(ShowArgs),
    /// Compare two tenant files' desired states offline (e.g. staging → prod), shown like a plan.
    Diff(DiffArgs),
    /// Print a tenant file's login pipeline as a diagram (Mermaid or Graphviz DOT), for docs.
    Graph(GraphArgs),
    /// Apply the changes: to tenant files (after showing the plan), or exactly a saved plan.
    Apply(ApplyArgs),
    /// Show or remove a tenant's apply lock (left by a run that died): `unlock FILE --force`.
    Unlock(UnlockArgs),
    /// List the applies that reached a tenant, newest first, from its actions' versions.
    History(HistoryArgs),
    /// Return a tenant to how it was right after an earlier apply (no build, no code upload).
    Rollback(RollbackArgs),
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
    /// Show the configuration a tenant file resolves to (includes, overrides, variables).
    Config(ConfigArgs),
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
    /// Also accept this client id, granted only `read:actions` (its secret from
    /// LOGINFLOW_EMULATOR_READ_ONLY_SECRET, default `local`): a pull-request job's credentials.
    #[arg(long, value_name = "CLIENT_ID")]
    pub read_only_client: Option<String>,
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
            clients: self
                .read_only_client
                .map(commands::emulator::read_only)
                .into_iter()
                .collect(),
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
    /// Check the tenant's `hasura` actions against the Hasura metadata; print roles × tables ×
    /// operations.
    Check(HasuraCheckArgs),
}

/// Arguments of `hasura check`.
#[derive(Debug, clap::Args)]
pub struct HasuraCheckArgs {
    /// The tenant file whose `hasura` actions are checked.
    #[arg(long, value_name = "FILE")]
    pub tenant: PathBuf,
    /// The metadata folder (`hasura metadata export`), used for every `hasura` action. Default:
    /// each action's `metadata`.
    #[arg(long, value_name = "DIR")]
    pub metadata: Option<PathBuf>,
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

/// Output format of `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One `FILE  DOMAIN` line per tenant.
    Human,
    /// `{"format_version": 1, "tenants": [{"file": ..., "domain": ...}]}`.
    Json,
}

/// Arguments of `list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Tenant files; default: every `tenants/*.yaml`.
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
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
    /// Show the deletions `apply --prune` would make (a saved plan records it and prunes).
    #[arg(long)]
    pub prune: bool,
    /// Read no secret value: compare everything else (code against the live fingerprints) and
    /// list the secrets not compared. `apply` of the saved plan reads the values and checks them.
    #[arg(long)]
    pub no_secret_values: bool,
}

/// Arguments of `show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The saved plan (`plan --out FILE`).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

/// Arguments of `diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The tenant file compared from (e.g. `tenants/staging.yaml`).
    pub before: PathBuf,
    /// The tenant file compared to (e.g. `tenants/prod.yaml`).
    pub after: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

/// Diagram language of `graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (GitHub and GitLab render it in markdown).
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// Arguments of `graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The tenant file.
    pub file: PathBuf,
    /// Diagram language.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
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
    #[command(flatten)]
    pub lock: LockArgs,
    /// The git commit of the config, for the apply record (default: `GITHUB_SHA`,
    /// `CI_COMMIT_SHA`, or `git rev-parse HEAD` in the tenant file's folder).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// When a step fails, return what already went live to the versions and bindings it had
    /// before this apply, then exit 1.
    #[arg(long)]
    pub rollback_on_failure: bool,
}

/// Arguments of `unlock`.
#[derive(Debug, clap::Args)]
pub struct UnlockArgs {
    /// The tenant file whose tenant to unlock.
    pub file: PathBuf,
    /// Delete the lock whoever holds it. Without it, the holder is shown and nothing is changed.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The tenant file.
    pub file: PathBuf,
    /// Only this action's versions.
    pub action: Option<String>,
    /// Show the generated-code diff this apply made (previous version → its version).
    #[arg(long, value_name = "APPLY_ID")]
    pub diff: Option<String>,
    /// Output format: human, markdown (for a PR or ticket) or json.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

/// The tenant lock options `apply` and `rollback` share.
#[derive(Debug, clap::Args)]
pub struct LockArgs {
    /// How long to wait for another run's lock on a tenant (`0`: fail at once; `30s`, `5m`).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::lock::parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// How long this run's lock stays valid if it dies without releasing it (default:
    /// `tenant.lock_ttl`, else 15m).
    #[arg(long, value_name = "DURATION", value_parser = crate::lock::parse_duration)]
    pub lock_ttl: Option<std::time::Duration>,
}

/// Arguments of `rollback`.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The tenant file.
    pub file: PathBuf,
    /// The apply to return to (default: the one before the last).
    #[arg(long, value_name = "APPLY_ID")]
    pub to: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Also delete the managed actions created since that apply.
    #[arg(long)]
    pub prune: bool,
    #[command(flatten)]
    pub lock: LockArgs,
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

/// Arguments of `config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// The subcommands of `config`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the merged configuration: includes merged, overrides applied, variables substituted.
    Show(ConfigShowArgs),
}

/// Output format of `config show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFormat {
    /// YAML; with `--origin`, a `# file:line:col` comment after every value.
    Yaml,
    /// JSON; with `--origin`, `{"config": ..., "origins": {pointer: "file:line:col"}}`.
    Json,
}

/// Arguments of `config show`.
#[derive(Debug, clap::Args)]
pub struct ConfigShowArgs {
    /// The tenant file.
    pub file: PathBuf,
    /// Name the file, line and column that set every value.
    #[arg(long)]
    pub origin: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ConfigFormat::Yaml)]
    pub format: ConfigFormat,
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
    if let Some(root) = &cli.root {
        crate::fsread::set_root_override(root).map_err(|source| Error::Io {
            action: "use as the repository root",
            path: root.clone(),
            source,
        })?;
    }
    match cli.command {
        Command::Validate(args) => commands::validate::run(&args.settings()?),
        Command::Schema => commands::schema::run(),
        Command::List(args) => commands::list::run(&commands::list::Settings {
            files: pipeline::tenant_files(&args.files)?,
            format: match args.format {
                ListFormat::Human => commands::list::Format::Human,
                ListFormat::Json => commands::list::Format::Json,
            },
        }),
        Command::Render(args) => commands::render::run(&args.settings()?),
        Command::Plan(args) => commands::plan::run(&args.settings()?),
        Command::Show(args) => commands::show::run(&commands::show::Settings {
            file: args.file,
            format: args.format.resolved(),
        }),
        Command::Graph(args) => commands::graph::run(&commands::graph::Settings {
            file: args.file,
            format: match args.format {
                GraphFormat::Mermaid => commands::graph::Format::Mermaid,
                GraphFormat::Dot => commands::graph::Format::Dot,
            },
        }),
        Command::Diff(args) => commands::diff::run(&commands::diff::Settings {
            before: args.before,
            after: args.after,
            format: args.format.resolved(),
        }),
        Command::Apply(args) => commands::apply::run(&args.settings()?),
        Command::Import(args) => commands::import::run(&commands::import::Settings {
            tenant: args.tenant,
            out: args.out,
        }),
        Command::Unlock(args) => commands::unlock::run(&commands::unlock::Settings {
            file: args.file,
            force: args.force,
        }),
        Command::History(args) => commands::history::run(&args.settings()),
        Command::Rollback(args) => commands::rollback::run(&commands::rollback::Settings {
            file: args.file,
            to: args.to,
            yes: args.yes,
            prune: args.prune,
            lock_timeout: args.lock.lock_timeout,
            lock_ttl: args.lock.lock_ttl,
        }),
        Command::Test(args) => commands::test::run(&args.settings()?),
        Command::Completions(args) => commands::completions::run(&completion_script(args.shell)),
        Command::Hasura(args) => match args.command {
            HasuraCommand::JwtConfig(args) => {
                let options = commands::hasura::Options {
                    audience: args.audience,
                    issuer_domain: args.issuer_domain,
                    allowed_skew: args.allowed_skew,
                };
                commands::hasura::jwt_config(&args.tenant, &options)
            }
            HasuraCommand::Check(args) => {
                commands::hasura_check::run(&commands::hasura_check::Settings {
                    tenant: args.tenant,
                    metadata: args.metadata,
                })
            }
        },
        Command::Emulator(args) => commands::emulator::run(args.settings()),
        Command::Config(args) => match args.command {
            ConfigCommand::Show(args) => commands::config::run(&commands::config::Settings {
                file: args.file,
                origin: args.origin,
                format: match args.format {
                    ConfigFormat::Yaml => commands::config::Format::Yaml,
                    ConfigFormat::Json => commands::config::Format::Json,
                },
            }),
        },
    }
}

/// The completion script of `loginflow` for `shell`, generated from the clap model.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "loginflow", &mut buf);
    buf
}

impl ValidateArgs {
    fn settings(self) -> Result<commands::validate::Settings, Error> {
        use commands::validate::Format;
        Ok(commands::validate::Settings {
            files: pipeline::tenant_files(&self.files)?,
            format: match self.format {
                DiagnosticFormat::Human => Format::Human,
                DiagnosticFormat::Json => Format::Json,
            },
        })
    }
}

impl RenderArgs {
    fn settings(self) -> Result<commands::render::Settings, Error> {
        let files = pipeline::tenant_files(&self.files)?;
        Ok(commands::render::Settings {
            files,
            out: self.out,
        })
    }
}

impl PlanFormat {
    fn resolved(self) -> commands::plan::Format {
        use commands::plan::Format;
        match self {
            PlanFormat::Human => Format::Human,
            PlanFormat::Markdown => Format::Markdown,
            PlanFormat::Json => Format::Json,
        }
    }
}

impl HistoryArgs {
    fn settings(self) -> commands::history::Settings {
        commands::history::Settings {
            file: self.file,
            action: self.action,
            diff: self.diff,
            format: self.format.resolved(),
        }
    }
}

impl PlanArgs {
    fn settings(self) -> Result<commands::plan::Settings, Error> {
        Ok(commands::plan::Settings {
            files: pipeline::tenant_files(&self.files)?,
            format: self.format.resolved(),
            detailed_exitcode: self.detailed_exitcode,
            out: self.out,
            prune: self.prune,
            secret_values: !self.no_secret_values,
        })
    }
}

impl ApplyArgs {
    fn settings(self) -> Result<commands::apply::Settings, Error> {
        use commands::apply::Target;
        // A single argument ending in `.json` is a saved plan.
        let target = match self.files.as_slice() {
            [only] if only.extension().is_some_and(|e| e == "json") => {
                Target::SavedPlan(only.clone())
            }
            files => Target::Files(pipeline::tenant_files(files)?),
        };
        Ok(commands::apply::Settings {
            target,
            yes: self.yes,
            prune: self.prune,
            lock_timeout: self.lock.lock_timeout,
            lock_ttl: self.lock.lock_ttl,
            commit: self.commit,
            rollback_on_failure: self.rollback_on_failure,
        })
    }
}

impl TestArgs {
    fn settings(self) -> Result<commands::test::Settings, Error> {
        use commands::test::Format;
        Ok(commands::test::Settings {
            files: pipeline::tenant_files(&self.files)?,
            filter: self.filter,
            format: match self.format {
                TestFormat::Human => Format::Human,
                TestFormat::Junit => Format::Junit,
            },
            junit_out: self.junit_out,
            time_limit_ms: self.time_limit_ms,
        })
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
