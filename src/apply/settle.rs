//! Waiting for created actions to go live. A create carries `deploy: true`, so Auth0 builds the
//! action and makes the version live by itself; apply only has to see that happen before it binds.
//! One read of the actions list answers for every created action at once, so the wait costs one
//! request per poll (per list page) instead of one per action; when there are no more created
//! actions than list pages, each is polled on its own instead.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::tenant::TenantClient;
use crate::tenant::api_types::{ApiAction, BuildStatus};

use super::report::Report;
use super::steps::{BUILD_TIMEOUT, build_failed, wait_live};

/// Created actions not yet known to be live: name → (report label, id).
pub type Unsettled = BTreeMap<String, (String, String)>;

/// Longest pause between two reads of the list.
const MAX_DELAY: Duration = Duration::from_secs(2);

/// Waits until every created action is live or has failed; reports each and empties `unsettled`.
/// `list_pages` is how many requests one read of the actions list takes: when polling each
/// created action is no dearer, that is done instead.
pub async fn created(
    client: &TenantClient,
    unsettled: &mut Unsettled,
    report: &mut Report,
    list_pages: usize,
) {
    if unsettled.len() <= list_pages {
        one_by_one(client, unsettled, report).await;
        return;
    }
    let start = Instant::now();
    let mut delay = Duration::from_millis(50);
    let mut told = false;
    while !unsettled.is_empty() {
        let listed = match client.list_actions().await {
            Ok(listed) => listed,
            Err(e) => {
                fail_all(unsettled, report, &Error::from(e));
                return;
            }
        };
        let built = sort(listed, unsettled, report);
        // Built but not live (Auth0 did not deploy it): deploy it now, one by one.
        deploy_each(client, built, report).await;
        if unsettled.is_empty() {
            return;
        }
        if start.elapsed() > BUILD_TIMEOUT {
            let e = Error::other(
                format!(
                    "the build did not finish within {} s",
                    BUILD_TIMEOUT.as_secs()
                ),
                None,
            );
            fail_all(unsettled, report, &e);
            return;
        }
        if !told && start.elapsed() + delay >= Duration::from_secs(1) {
            let names: Vec<&str> = unsettled.keys().map(String::as_str).collect();
            crate::output::status(&format!("  waiting for {} to build…", quoted(&names)));
            told = true;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_DELAY);
    }
}

/// Takes what the list settles out of `unsettled` (live: done; failed or gone: failed) and
/// returns the built-but-undeployed ones as (label, id, name).
fn sort(
    listed: Vec<ApiAction>,
    unsettled: &mut Unsettled,
    report: &mut Report,
) -> Vec<(String, String, String)> {
    let by_id: BTreeMap<String, ApiAction> =
        listed.into_iter().map(|a| (a.id.clone(), a)).collect();
    let mut built = Vec::new();
    let names: Vec<String> = unsettled.keys().cloned().collect();
    for name in names {
        let Some((_, id)) = unsettled.get(&name) else {
            continue;
        };
        let Some(a) = by_id.get(id) else {
            if let Some((label, _)) = unsettled.remove(&name) {
                let e = Error::other(format!("`{name}` was created but is gone"), None);
                report.fail(label, &e);
            }
            continue;
        };
        let live = a.deployed_version.is_some() && a.all_changes_deployed;
        match a.status {
            BuildStatus::Built if live => {
                if let Some((label, _)) = unsettled.remove(&name) {
                    report.done(label);
                }
            }
            BuildStatus::Built => {
                if let Some((label, id)) = unsettled.remove(&name) {
                    built.push((label, id, name));
                }
            }
            BuildStatus::Failed => {
                if let Some((label, _)) = unsettled.remove(&name) {
                    report.fail(label, &build_failed(&name));
                }
            }
            _ => {}
        }
    }
    built
}

async fn deploy_each(
    client: &TenantClient,
    built: Vec<(String, String, String)>,
    report: &mut Report,
) {
    for (label, id, name) in built {
        match wait_live(client, &id, &name).await {
            Ok(()) => report.done(label),
            Err(e) => report.fail(label, &e),
        }
    }
}

/// Polls each created action on its own, concurrently.
async fn one_by_one(client: &TenantClient, unsettled: &mut Unsettled, report: &mut Report) {
    let mut tasks = tokio::task::JoinSet::new();
    for (name, (label, id)) in std::mem::take(unsettled) {
        let client = client.clone();
        tasks.spawn(async move { (label, wait_live(&client, &id, &name).await) });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((label, Ok(()))) => report.done(label),
            Ok((label, Err(e))) => report.fail(label, &e),
            Err(e) => report.fail(
                "wait for a build".into(),
                &Error::other(format!("a waiting task failed: {e}"), None),
            ),
        }
    }
}

fn fail_all(unsettled: &mut Unsettled, report: &mut Report, e: &Error) {
    for (_, (label, _)) in std::mem::take(unsettled) {
        report.fail(label, e);
    }
}

fn quoted(names: &[&str]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    list.join(", ")
}
