//! `loginflow apply [FILE... | --all | plan.json] [--yes] [--prune]`. A saved plan prunes exactly
//! when it was planned with pruning (`plan --prune` or `flow.prune`).
//!
//! With tenant files: plan every tenant, show every plan, ask once (unless `--yes`; without a
//! terminal, refuse rather than hang), then apply. With a saved plan: verify its checksum, re-read each tenant and refuse
//! if anything the plan was computed against changed (live objects, secret values, the config),
//! then apply exactly that plan.
//!
//! Each tenant with changes is applied under its apply lock (`crate::lock`): taken before the
//! first write, the tenant is then read and planned again, so the writes follow from what the
//! tenant is once no other apply runs; the lock is released at the end, on failure too, and on
//! SIGINT/SIGTERM (then the exit code is 130/143). A tenant without changes takes no lock.

use std::path::PathBuf;
use std::sync::Arc;

use crate::apply::{ApplyOptions, Report, apply_with};
use crate::error::{Error, Result};
use crate::output;
use crate::pipeline::Prepared;
use crate::plan::Plan;
use crate::plan::format::human;
use crate::plan::saved::{SavedPlan, SavedTenant};
use crate::plan::shown::Earlier;
use crate::tenant::TenantClient;

/// What `apply` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub target: Target,
    pub yes: bool,
    pub prune: bool,
    /// How long to wait for another apply's lock on the tenant.
    pub lock_timeout: std::time::Duration,
    /// How long this apply's lock lives, if not the tenant file's `lock_ttl`.
    pub lock_ttl: Option<std::time::Duration>,
    /// The git commit to record (else found from CI variables or git).
    pub commit: Option<String>,
    /// After a failed step, put back what already went live.
    pub rollback_on_failure: bool,
}

/// What to apply.
#[derive(Debug)]
pub enum Target {
    /// Tenant files: plan, show, ask, apply.
    Files(Vec<PathBuf>),
    /// A saved plan (`plan --out`): exactly that, or nothing if it is stale.
    SavedPlan(PathBuf),
}

/// Runs `apply`; exit 0 when every tenant converged, 1 otherwise.
pub fn run(args: &Settings) -> Result<u8> {
    crate::lock::set_timeout(args.lock_timeout);
    let (files, saved) = match &args.target {
        Target::Files(files) => (files.clone(), None),
        Target::SavedPlan(path) => {
            let saved = super::show::read(path)?;
            let files = saved
                .tenants
                .iter()
                .map(|t| PathBuf::from(&t.file))
                .collect();
            (files, Some(saved))
        }
    };
    if let Some(saved) = &saved {
        refuse_prune_not_planned(saved, args.prune)?;
    }
    let mut prepared = crate::pipeline::prepare_all(&files, true);
    for (i, p) in prepared.iter_mut().enumerate() {
        if let Ok(p) = p {
            // A saved plan prunes exactly when it was planned so.
            let planned = saved.as_ref().and_then(|s| s.tenants.get(i));
            p.desired.prune = match planned {
                Some(t) => t.prune,
                None => p.desired.prune || args.prune,
            };
        }
    }
    let runtime = crate::runtime::build()?;
    let yes = args.yes || saved.is_some();
    let failed = runtime.block_on(plan_ask_apply(prepared, saved, yes, args));
    // Nothing is left to wait for; the worker threads end with the process.
    runtime.shutdown_background();
    Ok(u8::from(failed))
}

/// How a tenant's plan was accepted, which decides what happens when the tenant changed before
/// its lock was taken.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Accepted {
    /// `--yes`: apply the fresh plan (it is printed).
    Yes,
    /// A person said yes to the plan shown: refuse another one.
    Asked,
}

/// Plans every tenant, prints every plan in the order given, asks once, then applies every
/// tenant with changes concurrently and prints the reports in order. Returns whether anything
/// failed.
async fn plan_ask_apply(
    prepared: Vec<Result<Prepared>>,
    saved: Option<SavedPlan>,
    yes: bool,
    args: &Settings,
) -> bool {
    let mut failed = false;
    let mut changed = Vec::new();
    let planned = crate::pipeline::plan_all(prepared).await;
    for (i, planned) in planned.into_iter().enumerate() {
        let expected = saved.as_ref().and_then(|s| s.tenants.get(i));
        let fresh = match (&planned, expected) {
            (Ok(p), Some(saved)) => crate::stale::check(&p.prepared, saved, &p.plan, &p.live),
            _ => Ok(()),
        };
        match (planned, fresh) {
            (Ok(p), Ok(())) => {
                let color = output::stdout_color();
                output::data(&human::render(std::slice::from_ref(&p.plan), color));
                if p.plan.has_changes() {
                    changed.push((p, expected.cloned()));
                } else {
                    p.conn.close().await;
                }
            }
            (Ok(p), Err(e)) => {
                p.conn.close().await;
                output::report_error(&e);
                failed = true;
            }
            (Err(e), _) => {
                output::report_error(&e);
                failed = true;
            }
        }
    }
    if changed.is_empty() {
        return failed;
    }
    if !yes {
        let tenants: Vec<&str> = changed
            .iter()
            .map(|(p, _)| p.plan.tenant.as_str())
            .collect();
        let refused = match ask(&tenants.join(", ")) {
            Ok(true) => None,
            Ok(false) => Some(Error::other("apply cancelled; nothing was changed", None)),
            Err(e) => Some(e),
        };
        if let Some(e) = refused {
            for (p, _) in changed {
                p.conn.close().await;
            }
            output::report_error(&e);
            return true;
        }
    }
    let accepted = if yes { Accepted::Yes } else { Accepted::Asked };
    // Only now: a handler installed before the question would keep Ctrl-C from ending it.
    let interrupted = crate::lock::release_on_interrupt();
    let labels: Vec<String> = changed.iter().map(|(p, _)| p.prepared.label()).collect();
    let lock_ttl = args.lock_ttl;
    let turns = turns(&changed);
    let earlier = earlier(&changed);
    let tasks = changed.into_iter().zip(turns).zip(earlier).map(
        |(((p, expected), (prev, done)), earlier)| {
            let opts = ApplyOptions {
                commit: crate::history::commit::resolve(args.commit.as_deref(), &p.prepared.file),
                rollback_on_failure: args.rollback_on_failure,
            };
            async move {
                // Files of one tenant in the order given (their owners' bindings merge in that
                // order); `done` is dropped when this task ends, panic included.
                let _done = done;
                if let Some(prev) = prev {
                    let _ = prev.await;
                }
                let _slot = crate::runtime::tenant_slot().await;
                let shown = Shown {
                    plan: &p.plan,
                    earlier,
                    accepted,
                };
                let report =
                    locked(p.prepared, shown, &p.conn.client, expected, opts, lock_ttl).await;
                p.conn.close().await;
                report
            }
        },
    );
    let reports = crate::runtime::join_all(tasks).await;
    interrupted.abort();
    for (report, label) in reports.into_iter().zip(labels) {
        match report.and_then(|r| r) {
            Ok(Some(report)) => {
                failed |= report.failed();
                eprint!("{}", report.render());
            }
            Ok(None) => {}
            Err(e) => {
                output::report_error(&crate::pipeline::naming_file(&label, e));
                failed = true;
            }
        }
    }
    failed
}

/// For each tenant to apply: what to wait for (the previous file of the same tenant ending) and
/// what to drop when done.
type Turn = (
    Option<tokio::sync::oneshot::Receiver<()>>,
    tokio::sync::oneshot::Sender<()>,
);

fn turns(changed: &[(crate::pipeline::Planned, Option<SavedTenant>)]) -> Vec<Turn> {
    let mut last = std::collections::BTreeMap::new();
    changed
        .iter()
        .map(|(p, _)| {
            let (done, next) = tokio::sync::oneshot::channel();
            let key = crate::validate::owners::tenant_key(&p.prepared.tenant);
            let prev = key.and_then(|k| last.insert(k, next));
            (prev, done)
        })
        .collect()
}

/// For each tenant to apply: what the earlier files of the same tenant in this run may change in
/// the bindings it sees (`plan::shown`).
fn earlier(changed: &[(crate::pipeline::Planned, Option<SavedTenant>)]) -> Vec<Earlier> {
    let mut so_far: std::collections::BTreeMap<_, Earlier> = std::collections::BTreeMap::new();
    changed
        .iter()
        .map(|(p, _)| {
            let Some(key) = crate::validate::owners::tenant_key(&p.prepared.tenant) else {
                return Earlier::new();
            };
            let seen = so_far.entry(key).or_default();
            let before = seen.clone();
            let own = p.prepared.desired.actions.keys().map(String::as_str);
            crate::plan::shown::add_earlier(seen, &p.plan, own);
            before
        })
        .collect()
}

/// The plan shown for one tenant, and how it was accepted.
struct Shown<'a> {
    plan: &'a Plan,
    /// What earlier files of the same tenant in this run may have changed since.
    earlier: Earlier,
    accepted: Accepted,
}

/// Applies one tenant under its lock: takes it (waiting for another apply's), plans again, applies
/// and releases it, whatever happened. `Ok(None)`: nothing was left to change.
async fn locked(
    prepared: Prepared,
    shown: Shown<'_>,
    client: &TenantClient,
    expected: Option<SavedTenant>,
    opts: ApplyOptions,
    ttl: Option<std::time::Duration>,
) -> Result<Option<Report>> {
    let configured = prepared.tenant.config.tenant.as_ref();
    let ttl = crate::lock::ttl(ttl, configured.and_then(|t| t.lock_ttl.as_deref()))?;
    let dir = prepared.tenant.base_dir().to_path_buf();
    let label = prepared.label();
    let wait = crate::lock::timeout();
    let held = crate::lock::acquire(client, &label, &dir, ttl, wait).await?;
    let outcome = replan_and_apply(prepared, &shown, client, expected.as_ref(), &opts).await;
    crate::lock::release(held).await;
    outcome
}

/// Under the lock: reads the tenant again and applies the fresh plan, refusing a saved plan that
/// went stale, and a plan a person confirmed that is no longer what would happen (what earlier
/// files of the same tenant in this run did aside).
async fn replan_and_apply(
    prepared: Prepared,
    shown: &Shown<'_>,
    client: &TenantClient,
    expected: Option<&SavedTenant>,
    opts: &ApplyOptions,
) -> Result<Option<Report>> {
    let label = prepared.label();
    let (live, mut plan) = crate::pipeline::read_and_plan(&prepared, client).await?;
    // The lock read back is ours.
    plan.warnings.retain(|w| !crate::lock::is_note(w));
    if let Some(saved) = expected {
        crate::stale::check(&prepared, saved, &plan, &live)?;
    } else if !crate::plan::shown::same(shown.plan, &plan, &shown.earlier) {
        if shown.accepted == Accepted::Asked {
            return Err(Error::other(
                format!(
                    "{label}: the tenant changed while this apply waited for its lock; nothing was changed"
                ),
                Some("run `loginflow apply` again and review the new plan".into()),
            ));
        }
        output::status(&format!(
            "{label}: the tenant changed while this apply waited for its lock; applying the fresh plan:"
        ));
        output::data(&human::render(
            std::slice::from_ref(&plan),
            output::stdout_color(),
        ));
    }
    if !plan.has_changes() {
        output::status(&format!("{label}: nothing left to change"));
        return Ok(None);
    }
    Ok(Some(
        apply_with(Arc::new(prepared), &plan, &live, client, opts).await,
    ))
}

/// `apply plan.json --prune` of a plan made without pruning would delete what nobody reviewed.
fn refuse_prune_not_planned(saved: &SavedPlan, prune: bool) -> Result<()> {
    let unpruned: Vec<&str> = saved
        .tenants
        .iter()
        .filter(|t| !t.prune)
        .map(|t| t.file.as_str())
        .collect();
    if !prune || unpruned.is_empty() {
        return Ok(());
    }
    Err(Error::other(
        format!(
            "the saved plan of {} was made without `--prune`; nothing was changed",
            unpruned.join(", ")
        ),
        Some("run `loginflow plan --prune --out FILE`, review the deletions, and apply that file (a saved plan prunes as it was planned)".into()),
    ))
}

/// Asks once, on the terminal; without one, refuses rather than waiting for input that never
/// comes.
fn ask(tenants: &str) -> Result<bool> {
    output::confirm(
        &format!("Apply these changes to {tenants}?"),
        "apply",
        "pass `--yes` to apply without asking (CI), or apply a reviewed plan file",
    )
}
