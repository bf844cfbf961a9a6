//! The steps the commands share, in order: which tenant files; per file, load and validate
//! (printing exactly `validate`'s diagnostics), read every secret value and render the desired
//! state ([`prepare`]); then, per tenant, connect, read the live state and plan ([`plan_all`]).
//!
//! Commands prepare every file on the calling thread, in the order given, before their async
//! runtime starts: diagnostics print in that order, and every missing secret is reported before
//! any request. No request is sent for a file that failed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::load::LoadedTenant;
use crate::connect::Connection;
use crate::diagnostics::{error_count, render};
use crate::error::{Error, Result};
use crate::plan::{Plan, compute};
use crate::render::parse_header;
use crate::secrets::SecretValues;
use crate::state::live::Ownership;
use crate::state::{DesiredState, LiveState};
use crate::tenant::TenantClient;

/// The files named on the command line, or every `tenants/*.yaml` (sorted) when none are.
pub fn tenant_files(given: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let dir = PathBuf::from("tenants");
    let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
        action: "list tenant files in",
        path: dir.clone(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::other(
            "no tenant files in `tenants/`",
            Some(
                "name files on the command line, or run from the folder that holds `tenants/`"
                    .into(),
            ),
        ));
    }
    Ok(files)
}

/// Loads a tenant for a command that needs it valid: prints every diagnostic `validate` would
/// print, and fails on errors; warnings are tolerated.
pub fn load_valid(file: &Path) -> Result<LoadedTenant> {
    let (tenant, diags, sources) = crate::validate::validate_file(file);
    if !diags.is_empty() {
        let text = render::human(&diags, &sources, crate::output::stderr_color());
        eprint!("{text}");
    }
    let errors = error_count(&diags);
    match tenant {
        Some(t) if errors == 0 => Ok(t),
        _ => Err(Error::other(
            format!("`{}` has {errors} error(s); fix them first", file.display()),
            Some(format!(
                "`loginflow validate {}` lists them",
                file.display()
            )),
        )),
    }
}

/// A tenant ready to be planned: valid, with its secret values and desired state.
pub struct Prepared {
    pub file: PathBuf,
    pub tenant: LoadedTenant,
    pub values: SecretValues,
    pub desired: DesiredState,
}

/// Loads and validates one tenant file, reads its secret values and renders its desired state.
/// No request is sent.
pub fn prepare(file: &Path) -> Result<Prepared> {
    prepare_with(file, true)
}

/// [`prepare`]; with `read_secrets` false (`plan --no-secret-values`) no secret value is read
/// and the desired state is rendered without them.
pub fn prepare_with(file: &Path, read_secrets: bool) -> Result<Prepared> {
    let tenant = load_valid(file)?;
    let label = file.display().to_string();
    let values = if read_secrets {
        crate::secrets::read_all(&tenant.config, tenant.base_dir(), &label)?
    } else {
        SecretValues::default()
    };
    let desired = crate::state::build::desired(&tenant, read_secrets.then_some(&values))?;
    Ok(Prepared {
        file: file.to_path_buf(),
        tenant,
        values,
        desired,
    })
}

/// Prepares every file in the order given ([`prepare`]), then fails the files that manage one
/// tenant as one owner (`validate`'s `duplicate-owner`, printed like every diagnostic).
pub fn prepare_all(files: &[PathBuf], read_secrets: bool) -> Vec<Result<Prepared>> {
    let mut prepared: Vec<Result<Prepared>> = files
        .iter()
        .map(|f| prepare_with(f, read_secrets))
        .collect();
    let tenants: Vec<&LoadedTenant> = prepared
        .iter()
        .filter_map(|p| p.as_ref().ok().map(|p| &p.tenant))
        .collect();
    let diags = crate::validate::owners::check(&tenants);
    if diags.is_empty() {
        return prepared;
    }
    let sources: render::Sources = tenants
        .iter()
        .map(|t| (t.files[0].path.clone(), t.files[0].text.clone()))
        .collect();
    eprint!(
        "{}",
        render::human(&diags, &sources, crate::output::stderr_color())
    );
    for p in &mut prepared {
        let clash = p
            .as_ref()
            .is_ok_and(|p| diags.iter().any(|d| d.file == p.tenant.path()));
        if let (true, Ok(ok)) = (clash, &*p) {
            let file = ok.label();
            *p = Err(Error::other(
                format!("`{file}` manages the same tenant as another file, as the same owner"),
                Some("give each file of one tenant its own `tenant.owner`".into()),
            ));
        }
    }
    prepared
}

impl Prepared {
    /// The tenant file as the user named it.
    pub fn label(&self) -> String {
        self.file.display().to_string()
    }

    /// Action → secret name → fingerprint, for the saved plan (none without secret values).
    pub fn secret_fingerprints(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        if self.desired.without_secret_values {
            return BTreeMap::new();
        }
        self.desired
            .actions
            .iter()
            .map(|(n, a)| (n.clone(), a.secrets.clone()))
            .collect()
    }
}

/// A tenant planned against its live state, still connected (for `apply`).
pub struct Planned {
    pub prepared: Prepared,
    pub conn: Connection,
    pub live: LiveState,
    pub plan: Plan,
}

/// Connects to every prepared tenant, reads its live state and plans, concurrently (at most
/// [`crate::runtime::MAX_CONCURRENT_TENANTS`] at a time); results in the order given. A file that
/// failed to prepare stays its error, with nothing sent.
pub async fn plan_all(prepared: Vec<Result<Prepared>>) -> Vec<Result<Planned>> {
    let labels: Vec<Option<String>> = prepared
        .iter()
        .map(|p| p.as_ref().ok().map(Prepared::label))
        .collect();
    let tasks = prepared
        .into_iter()
        .map(|p| async move { plan_one(p?).await });
    crate::runtime::join_all(tasks)
        .await
        .into_iter()
        .zip(labels)
        .map(|(r, label)| match (r, label) {
            (Ok(r), _) => r,
            (Err(e), Some(label)) => Err(naming_file(&label, e)),
            (Err(e), None) => Err(e),
        })
        .collect()
}

async fn plan_one(prepared: Prepared) -> Result<Planned> {
    let label = prepared.label();
    let _slot = crate::runtime::tenant_slot().await;
    let conn = crate::connect::connect(&prepared.tenant)
        .await
        .map_err(|e| naming_file(&label, e))?;
    match read_and_plan(&prepared, &conn.client).await {
        Ok((live, plan)) => Ok(Planned {
            prepared,
            conn,
            live,
            plan,
        }),
        Err(e) => {
            conn.close().await;
            Err(naming_file(&label, e))
        }
    }
}

/// Puts the tenant file in front of an error that does not name it, so that `plan --all` says
/// which tenant failed (an unreachable host, a rejected token, ...).
pub fn naming_file(label: &str, e: Error) -> Error {
    let text = e.to_string();
    if text.starts_with(label) || text.starts_with(&format!("`{label}`")) {
        return e;
    }
    let mut message = format!("{label}: {text}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    Error::other(message, e.hint().map(str::to_string))
}

/// Ownership of a live action from its managed header.
pub fn owner(code: &str) -> Option<Ownership> {
    parse_header(code).map(|h| Ownership {
        owner: h.owner,
        action: h.action,
        secrets: h.secrets,
    })
}

/// Reads the live state the plan needs and computes the plan.
pub async fn read_and_plan(p: &Prepared, client: &TenantClient) -> Result<(LiveState, Plan)> {
    let triggers: Vec<_> = p.desired.bindings.keys().copied().collect();
    let live = crate::state::read::read(client, &triggers, owner).await?;
    let mut plan = plan_of(p, &p.desired, &live)?;
    plan.warnings
        .extend(live.lock.as_ref().map(crate::lock::note));
    plan.flows = flows(p, &live, &plan);
    Ok((live, plan))
}

/// The plan `plan --no-secret-values` makes of this tenant against `live`: what apply of such a
/// saved plan compares with it.
pub fn plan_without_secret_values(p: &Prepared, live: &LiveState) -> Result<Plan> {
    let mut desired = crate::state::build::desired(&p.tenant, None)?;
    desired.prune = p.desired.prune;
    plan_of(p, &desired, live)
}

fn plan_of(p: &Prepared, desired: &DesiredState, live: &LiveState) -> Result<Plan> {
    compute(&p.label(), desired, live).map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(|e| format!("  {e}")).collect();
        Error::other(
            format!(
                "{}: cannot plan against the live tenant:\n{}",
                p.label(),
                lines.join("\n")
            ),
            None,
        )
    })
}

/// The changed triggers' flows of a plan: configs from the desired code, else the live code.
fn flows(p: &Prepared, live: &LiveState, plan: &Plan) -> Vec<crate::graph::Flow> {
    use crate::render::config::read_config;
    let triggers: Vec<String> = p.desired.bindings.keys().map(|t| t.id().into()).collect();
    let before = live
        .bindings
        .iter()
        .map(|(t, list)| {
            (
                t.clone(),
                list.iter().map(|b| b.action_name.clone()).collect(),
            )
        })
        .collect();
    let config = |name: &str| {
        let desired = p.desired.actions.get(name).map(|d| d.code.as_str());
        let live = || {
            live.actions
                .iter()
                .find(|a| a.name == name)
                .map(|a| a.code.as_str())
        };
        desired
            .and_then(read_config)
            .or_else(|| live().and_then(read_config))
    };
    let domain = p
        .tenant
        .config
        .tenant
        .as_ref()
        .map_or("", |t| t.domain.as_str());
    crate::graph::changed_flows(plan, &triggers, &before, &config, domain)
}
