//! The steps `plan` and `apply` share for one tenant: check the file and read every secret value
//! (all missing ones reported before any request), then, while the live state is being read,
//! wait for the schema verdict and render the desired state; then compute the plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::commands::validate::accept;
use crate::config::action::Trigger;
use crate::config::load::LoadedTenant;
use crate::error::{Error, Result};
use crate::plan::{Plan, compute};
use crate::render::parse_header;
use crate::secrets::SecretValues;
use crate::state::live::Ownership;
use crate::state::{DesiredState, LiveState};
use crate::tenant::TenantClient;
use crate::validate::{Provisional, Verdict, validate_provisionally};

/// A tenant ready to be planned: valid, with its secret values and desired state.
pub struct Prepared {
    pub file: PathBuf,
    pub tenant: LoadedTenant,
    pub values: SecretValues,
    pub desired: DesiredState,
}

/// A tenant file checked far enough to send read requests for it: it parsed into the model, the
/// semantic checks passed and every secret value is present. What is left, the schema verdict
/// and rendering, is [`Checked::finish`].
pub struct Checked {
    file: PathBuf,
    stage: Stage,
    values: SecretValues,
    /// `--prune`: delete removed managed actions even if the file does not say `prune: true`.
    prune: bool,
}

enum Stage {
    /// Waiting for the schema verdict.
    Pending(Provisional),
    Valid(LoadedTenant),
}

/// Checks one tenant file and reads its secret values. No request is sent.
pub fn check(file: &Path) -> Result<Checked> {
    let started = std::time::Instant::now();
    let stage = match validate_provisionally(file) {
        Verdict::Pending(p) => Stage::Pending(p),
        Verdict::Final(validated) => Stage::Valid(accept(file, validated)?),
    };
    let tenant = stage.tenant();
    let label = file.display().to_string();
    let values = match crate::secrets::read_all(&tenant.config, tenant.base_dir(), &label) {
        Ok(values) => values,
        Err(e) => {
            // The file's own errors first, as when the schema came before the secrets.
            if let Stage::Pending(p) = stage {
                accept(file, p.confirm())?;
            }
            return Err(e);
        }
    };
    tracing::debug!(
        file = %file.display(),
        checked_ms = started.elapsed().as_secs_f64() * 1000.0,
        "tenant file checked"
    );
    Ok(Checked {
        file: file.to_path_buf(),
        stage,
        values,
        prune: false,
    })
}

/// Checks, validates fully and renders one tenant file. No request is sent.
pub fn prepare(file: &Path) -> Result<Prepared> {
    check(file)?.finish()
}

impl Stage {
    fn tenant(&self) -> &LoadedTenant {
        match self {
            Stage::Pending(p) => &p.tenant,
            Stage::Valid(t) => t,
        }
    }
}

impl Checked {
    /// The tenant as loaded; the schema may still reject it.
    pub fn tenant(&self) -> &LoadedTenant {
        self.stage.tenant()
    }

    /// The triggers whose bindings the plan compares: those the flow lists.
    pub fn triggers(&self) -> Vec<Trigger> {
        let flow = self.tenant().config.flow.as_ref();
        flow.map(|f| f.triggers().into_iter().map(|(t, _)| t).collect())
            .unwrap_or_default()
    }

    /// Prunes even if the file does not ask to (`apply --prune`).
    #[must_use]
    pub fn pruning(mut self, prune: bool) -> Checked {
        self.prune |= prune;
        self
    }

    /// Waits for the schema verdict (printing the diagnostics `validate` would print) and
    /// renders the desired state. CPU-bound; blocks while the schema compiles.
    pub fn finish(self) -> Result<Prepared> {
        let started = std::time::Instant::now();
        let tenant = match self.stage {
            Stage::Valid(t) => t,
            Stage::Pending(p) => accept(&self.file, p.confirm())?,
        };
        let mut desired = crate::state::build::desired(&tenant, &self.values)?;
        desired.prune |= self.prune;
        tracing::debug!(
            file = %self.file.display(),
            finished_ms = started.elapsed().as_secs_f64() * 1000.0,
            "tenant file validated and rendered"
        );
        Ok(Prepared {
            file: self.file,
            tenant,
            values: self.values,
            desired,
        })
    }
}

/// Checks every file, in order, before the command starts its async runtime: one file on the
/// calling thread, several on scoped threads, one per core. The calling thread is already
/// running; a thread spawned for a single file would queue behind the TLS thread the command
/// started, on the way to the first request.
pub fn check_all(files: &[PathBuf]) -> Vec<Result<Checked>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(files.len());
    if workers <= 1 {
        return files.iter().map(|f| check(f)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<Checked>>>> =
        files.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let (Some(file), Some(slot)) = (files.get(i), slots.get(i)) else {
                break;
            };
            let checked = check(file);
            *slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(checked);
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
                .unwrap_or_else(|| Err(Error::other("checking the file failed", None)))
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

/// Connects to the tenant of a checked file. If that fails, the file is finished first, so that
/// its own errors and warnings are reported before the connection's error, as they were when
/// every file was finished before any connection.
pub async fn connect(checked: Checked) -> Result<(Checked, crate::connect::Connection)> {
    match crate::connect::connect(checked.tenant()).await {
        Ok(conn) => Ok((checked, conn)),
        Err(e) => {
            finish_in_background(checked).await?;
            Err(e)
        }
    }
}

/// Reads the live state and finishes `checked` meanwhile, then plans.
///
/// The token request goes first and alone: its TLS handshake is on the critical path, and the
/// schema compile and rendering, which would take a core from it, fit in the reads' latency
/// instead. The file's own errors win over any request error, and an invalid file drops the
/// reads at once. Nothing is written either way.
pub async fn finish_and_plan(
    checked: Checked,
    client: &TenantClient,
) -> Result<(Prepared, LiveState, Plan)> {
    let triggers = checked.triggers();
    let authenticated = client.authenticate().await;
    let mut finishing = std::pin::pin!(finish_in_background(checked));
    if let Err(e) = authenticated {
        finishing.await?;
        return Err(e.into());
    }
    let mut reading = std::pin::pin!(crate::state::read::read(client, &triggers, owner));
    let (prepared, live) = tokio::select! {
        // The reads first: their requests leave before the finish thread is started.
        biased;
        live = &mut reading => {
            let prepared = finishing.await?;
            (prepared, live?)
        }
        prepared = &mut finishing => {
            let prepared = prepared?;
            (prepared, reading.await?)
        }
    };
    let plan = plan_against(&prepared, &live)?;
    Ok((prepared, live, plan))
}

/// [`Checked::finish`] on a thread of its own at a background priority, one file per core at a
/// time however many tenants run. The file is handed over only once the thread runs, so that if
/// none can be started it is finished on the blocking pool instead.
async fn finish_in_background(checked: Checked) -> Result<Prepared> {
    let _slot = crate::runtime::cpu_slot().await;
    let (job_tx, job_rx) = std::sync::mpsc::channel::<Checked>();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let started = std::thread::Builder::new()
        .name("finish".into())
        .spawn(move || {
            background_priority();
            if let Ok(checked) = job_rx.recv() {
                let _ = done_tx.send(checked.finish());
            }
        });
    let handed = match started {
        Ok(_) => job_tx.send(checked).map_err(|returned| returned.0),
        Err(_) => Err(checked),
    };
    let failed = || Error::other("preparing the tenant file failed", None);
    match handed {
        Ok(()) => done_rx.await.map_err(|_| failed())?,
        Err(checked) => tokio::task::spawn_blocking(move || checked.finish())
            .await
            .map_err(|_| failed())?,
    }
}

/// Lowers the calling thread's priority by 10 nice steps: on Linux, `setpriority` on the
/// calling "process" changes only the calling thread. Best effort; a refusal changes nothing.
#[cfg(target_os = "linux")]
fn background_priority() {
    use rustix::process::{getpriority_process, setpriority_process};
    if let Ok(nice) = getpriority_process(None) {
        let _ = setpriority_process(None, (nice + 10).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
fn background_priority() {}

/// Reads the live state the plan needs and computes the plan.
pub async fn read_and_plan(p: &Prepared, client: &TenantClient) -> Result<(LiveState, Plan)> {
    let triggers: Vec<_> = p.desired.bindings.keys().copied().collect();
    let live = crate::state::read::read(client, &triggers, owner).await?;
    let plan = plan_against(p, &live)?;
    Ok((live, plan))
}

fn plan_against(p: &Prepared, live: &LiveState) -> Result<Plan> {
    let started = std::time::Instant::now();
    let plan = compute(&p.label(), &p.desired, live).map_err(|errs| {
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
    Ok(plan)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use rustix::process::getpriority_process;

    #[test]
    fn background_priority_lowers_only_the_calling_thread() {
        let before = getpriority_process(None).expect("own priority");
        let inside = std::thread::spawn(|| {
            super::background_priority();
            getpriority_process(None).expect("thread priority")
        })
        .join()
        .expect("thread");
        assert_eq!(inside, (before + 10).min(19));
        assert_eq!(getpriority_process(None).expect("own priority"), before);
    }
}
