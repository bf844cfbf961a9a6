//! The steps `plan` and `apply` share for one tenant: load and validate the file, read every
//! secret value (all missing ones reported before any request), render the desired state, read
//! the live state and compute the plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::commands::validate::load_valid;
use crate::config::load::LoadedTenant;
use crate::error::{Error, Result};
use crate::plan::{Plan, compute};
use crate::render::parse_header;
use crate::secrets::SecretValues;
use crate::state::live::Ownership;
use crate::state::{DesiredState, LiveState};
use crate::tenant::TenantClient;

/// A tenant ready to be planned: valid, with its secret values and desired state.
pub struct Prepared {
    pub file: PathBuf,
    pub tenant: LoadedTenant,
    pub values: SecretValues,
    pub desired: DesiredState,
}

/// Loads, validates, reads secrets and renders one tenant file. No request is sent.
pub fn prepare(file: &Path) -> Result<Prepared> {
    let started = std::time::Instant::now();
    let tenant = load_valid(file)?;
    let validated_ms = started.elapsed().as_secs_f64() * 1000.0;
    let values = crate::secrets::read_all(
        &tenant.config,
        tenant.base_dir(),
        &file.display().to_string(),
    )?;
    let desired = crate::state::build::desired(&tenant, &values)?;
    tracing::debug!(
        file = %file.display(),
        validated_ms,
        prepared_ms = started.elapsed().as_secs_f64() * 1000.0,
        "tenant file prepared"
    );
    Ok(Prepared {
        file: file.to_path_buf(),
        tenant,
        values,
        desired,
    })
}

/// Prepares every file, in order, before the command starts its async runtime: one file on the
/// calling thread, several on scoped threads, one per core. The calling thread is already
/// running; a thread spawned for the work queues behind the schema and TLS threads the command
/// started, which cost about 3 ms before the first request on 2 cores.
pub fn prepare_all(files: &[PathBuf]) -> Vec<Result<Prepared>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(files.len());
    if workers <= 1 {
        return files.iter().map(|f| prepare(f)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<Prepared>>>> =
        files.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let (Some(file), Some(slot)) = (files.get(i), slots.get(i)) else {
                break;
            };
            let prepared = prepare(file);
            *slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(prepared);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..workers {
            // If no thread can be started, the calling thread does all the work.
            let _ = std::thread::Builder::new().spawn_scoped(s, work);
        }
        work();
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .unwrap_or_else(|| Err(Error::other("preparing the file failed", None)))
        })
        .collect()
}

impl Prepared {
    /// The tenant file as the user named it.
    pub fn label(&self) -> String {
        self.file.display().to_string()
    }

    /// Action → secret name → fingerprint, for the saved plan.
    pub fn secret_fingerprints(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.desired
            .actions
            .iter()
            .map(|(n, a)| (n.clone(), a.secrets.clone()))
            .collect()
    }
}

/// Ownership of a live action from its managed header.
pub fn owner(code: &str) -> Option<Ownership> {
    parse_header(code).map(|h| Ownership {
        action: h.action,
        secrets: h.secrets,
    })
}

/// Reads the live state the plan needs and computes the plan.
pub async fn read_and_plan(p: &Prepared, client: &TenantClient) -> Result<(LiveState, Plan)> {
    let triggers: Vec<_> = p.desired.bindings.keys().copied().collect();
    let live = crate::state::read::read(client, &triggers, owner).await?;
    let started = std::time::Instant::now();
    let plan = compute(&p.label(), &p.desired, &live).map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(|e| format!("  {e}")).collect();
        crate::error::Error::other(
            format!(
                "{}: cannot plan against the live tenant:\n{}",
                p.label(),
                lines.join("\n")
            ),
            None,
        )
    })?;
    tracing::debug!(
        tenant = %p.label(),
        planned_ms = started.elapsed().as_secs_f64() * 1000.0,
        "plan computed"
    );
    Ok((live, plan))
}
