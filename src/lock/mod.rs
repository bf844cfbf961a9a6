//! One apply at a time per tenant. The lock lives on the tenant itself, so it holds across
//! machines and CI systems: an action named [`LOCK_ACTION`], never deployed or bound, whose code
//! names its [`Holder`]. Auth0 refuses a second action of the same name (409), so whoever
//! creates it holds the lock; a lock past its expiry is taken over by deleting it by id and
//! creating a new one, and the 409 again decides between racing takers. `state::read` leaves it
//! out of the live state (so plan, prune and import never see it as an action) and keeps it
//! apart, for `plan`'s note and `unlock`.
//!
//! `local.rs` adds an OS file lock on the embedded local tenant's state file, held for the
//! emulator's lifetime, so that two processes never run two emulators over one file.

pub mod holder;
pub mod local;

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use crate::validate::auth0_rules::LOCK_ACTION;
pub use holder::{Holder, parse_duration};

use crate::error::{Error, Result};
use crate::state::live::LiveAction;
use crate::tenant::TenantClient;
use crate::tenant::api_types::{ApiAction, ApiTrigger, CreateAction};

/// How long a lock is valid when neither `tenant.lock_ttl` nor `--lock-ttl` says.
pub const DEFAULT_TTL: Duration = Duration::from_secs(15 * 60);
/// How long apply waits for a held lock (and any command for a local tenant's state file) when
/// `--lock-timeout` does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The first and the longest pause between two looks at a held lock.
const POLL_FIRST: Duration = Duration::from_millis(200);
const POLL_MAX: Duration = Duration::from_secs(2);

static TIMEOUT: OnceLock<Duration> = OnceLock::new();

/// Sets how long this process waits for a lock (`--lock-timeout`); the first call wins.
pub fn set_timeout(d: Duration) {
    let _ = TIMEOUT.set(d);
}

/// How long this process waits for a lock.
pub fn timeout() -> Duration {
    TIMEOUT.get().copied().unwrap_or(DEFAULT_TIMEOUT)
}

/// A tenant lock this process holds.
pub struct Held {
    client: TenantClient,
    id: String,
    pub holder: Holder,
}

/// Locks held now, for release on SIGINT/SIGTERM: action id → client.
fn registry() -> &'static Mutex<Vec<(String, TenantClient)>> {
    static HELD: OnceLock<Mutex<Vec<(String, TenantClient)>>> = OnceLock::new();
    HELD.get_or_init(|| Mutex::new(Vec::new()))
}

fn register(id: &str, client: &TenantClient) {
    if let Ok(mut held) = registry().lock() {
        held.push((id.to_string(), client.clone()));
    }
}

fn unregister(id: &str) {
    if let Ok(mut held) = registry().lock() {
        held.retain(|(i, _)| i != id);
    }
}

/// What a look at the tenant found.
enum Seen {
    Free,
    Ours(String),
    Other(Box<ApiAction>),
}

async fn look(client: &TenantClient, token: &str) -> Result<Seen> {
    let mut found = client.find_actions_by_name(LOCK_ACTION).await?;
    // Two copies cannot exist on Auth0; should one appear, the oldest decides.
    found.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    Ok(match found.into_iter().next() {
        None => Seen::Free,
        Some(a) if Holder::parse(&a.code).is_some_and(|h| h.token == token) => Seen::Ours(a.id),
        Some(a) => Seen::Other(Box::new(a)),
    })
}

/// Describes a lock action found on the tenant.
pub fn describe(code: &str, now: u64) -> String {
    match Holder::parse(code) {
        Some(h) => h.describe(now),
        None => format!("an unknown holder (the action `{LOCK_ACTION}` names none)"),
    }
}

/// Takes the tenant's lock for `ttl`, waiting up to `wait` while another run holds it; an
/// expired lock is taken over. `label` names the tenant file in messages.
pub async fn acquire(
    client: &TenantClient,
    label: &str,
    dir: &std::path::Path,
    ttl: Duration,
    wait: Duration,
) -> Result<Held> {
    let start = Instant::now();
    let mut pause = POLL_FIRST;
    let mut announced = false;
    let holder = Holder::this_process(label, dir, ttl);
    // Free is the common case: the create goes first (one request; a 409 says it is held), and
    // the lock is looked up only then.
    let mut seen = Seen::Free;
    loop {
        let other = match seen {
            Seen::Ours(id) => return Ok(keep(client, id, holder)),
            Seen::Free => match create(client, &holder).await? {
                Some(id) => return Ok(keep(client, id, holder)),
                None => {
                    seen = look(client, &holder.token).await?;
                    continue;
                }
            },
            Seen::Other(a) => a,
        };
        let now = holder::unix_now();
        match Holder::parse(&other.code) {
            Some(h) if h.expired(now) => {
                crate::output::status(&format!(
                    "warning: {label}: taking over the expired apply lock of {}",
                    h.describe(now)
                ));
                delete(client, &other.id).await?;
                seen = Seen::Free;
                continue;
            }
            _ => {}
        }
        let waited = start.elapsed();
        if waited >= wait {
            return Err(Error::other(
                format!(
                    "{label}: the tenant is locked by another apply: {}; waited {}; nothing was changed",
                    describe(&other.code, now),
                    holder::human(waited)
                ),
                Some(format!(
                    "wait for that run to finish (or pass a longer `--lock-timeout`); if it is gone, \
                     `loginflow unlock {label} --force` removes its lock"
                )),
            ));
        }
        if !announced {
            announced = true;
            crate::output::status(&format!(
                "note: {label}: waiting up to {} for the apply lock held by {}",
                holder::human(wait),
                describe(&other.code, now)
            ));
        }
        tokio::time::sleep(pause.min(wait - waited)).await;
        pause = (pause * 2).min(POLL_MAX);
        seen = look(client, &holder.token).await?;
    }
}

fn keep(client: &TenantClient, id: String, holder: Holder) -> Held {
    register(&id, client);
    tracing::info!(id, "took the apply lock");
    Held {
        client: client.clone(),
        id,
        holder,
    }
}

/// Creates the lock action: `Some(id)` when we now hold it, `None` when another run does (409).
/// After an ambiguous failure the name is looked up, and our token tells whether it was ours.
async fn create(client: &TenantClient, holder: &Holder) -> Result<Option<String>> {
    let req = CreateAction {
        name: LOCK_ACTION.into(),
        supported_triggers: vec![ApiTrigger {
            id: "post-login".into(),
            version: "v3".into(),
        }],
        code: holder.code(),
        runtime: None,
        dependencies: Vec::new(),
        secrets: None,
        deploy: Some(false),
    };
    match client.create_action(&req).await {
        Ok(a) => Ok(Some(a.id)),
        Err(e) if e.status() == Some(409) => Ok(None),
        Err(crate::tenant::error::Error::AmbiguousWrite { .. }) => {
            match look(client, &holder.token).await? {
                Seen::Ours(id) => Ok(Some(id)),
                Seen::Other(_) | Seen::Free => Ok(None),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a lock action by id; one already gone is fine.
async fn delete(client: &TenantClient, id: &str) -> Result<()> {
    match client.delete_action(id, false).await {
        Ok(()) => Ok(()),
        Err(e) if e.status() == Some(404) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Releases a lock: deletes our action (by id, so a lock another run took over after ours expired
/// is never touched). A failure is reported, not fatal: the lock then expires.
pub async fn release(held: Held) {
    unregister(&held.id);
    if let Err(e) = delete(&held.client, &held.id).await {
        crate::output::status(&format!(
            "warning: {}: could not release the apply lock ({e}); it expires at {}, or `loginflow unlock {} --force` removes it",
            held.holder.file, held.holder.expires_at, held.holder.file
        ));
    } else {
        tracing::info!(id = held.id, "released the apply lock");
    }
}

/// Releases every lock this process holds (on SIGINT/SIGTERM), each within a few seconds.
pub async fn release_all() {
    let held: Vec<_> = registry()
        .lock()
        .map(|mut h| std::mem::take(&mut *h))
        .unwrap_or_default();
    let tasks = held.into_iter().map(|(id, client)| async move {
        let _ = tokio::time::timeout(Duration::from_secs(10), delete(&client, &id)).await;
    });
    let _ = crate::runtime::join_all(tasks).await;
}

/// On SIGINT or SIGTERM: releases every lock this process holds, says so and exits (130 or
/// 143). Spawned once the question is answered (before, Ctrl-C must end the prompt) and aborted
/// when the writes are done.
pub fn release_on_interrupt() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        let code = interrupted().await;
        release_all().await;
        crate::output::status(
            "interrupted: the apply lock is released; writes already made stay, and a re-run converges",
        );
        std::process::exit(i32::from(code));
    })
}

/// Waits for SIGINT or SIGTERM; returns the exit code to use (130 or 143).
async fn interrupted() -> u8 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return 130;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => 130,
            _ = term.recv() => 143,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        130
    }
}

const NOTE: &str = "the tenant is locked by an apply: ";

/// The note `plan` prints for a lock found on the tenant.
pub fn note(lock: &LiveAction) -> String {
    format!("{NOTE}{}", describe(&lock.code, holder::unix_now()))
}

/// Whether a plan warning is [`note`]'s.
pub fn is_note(warning: &str) -> bool {
    warning.starts_with(NOTE)
}

/// The lock's time to live for a tenant: `--lock-ttl`, else `tenant.lock_ttl`, else 15 minutes.
pub fn ttl(flag: Option<Duration>, configured: Option<&str>) -> Result<Duration> {
    let ttl = match (flag, configured) {
        (Some(d), _) => d,
        (None, Some(s)) => {
            parse_duration(s).map_err(|e| Error::other(format!("`tenant.lock_ttl`: {e}"), None))?
        }
        (None, None) => DEFAULT_TTL,
    };
    if ttl < Duration::from_secs(1) {
        return Err(Error::other(
            "the apply lock's time to live must be at least 1s",
            None,
        ));
    }
    Ok(ttl)
}

/// The lock action on the tenant, if any, and its holder (for `unlock`).
pub async fn find(client: &TenantClient) -> Result<Option<ApiAction>> {
    match look(client, "").await? {
        Seen::Other(a) => Ok(Some(*a)),
        Seen::Ours(_) | Seen::Free => Ok(None),
    }
}

/// Deletes the lock whatever holds it (`unlock --force`).
pub async fn force_delete(client: &TenantClient, id: &str) -> Result<()> {
    delete(client, id).await
}
