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
use super::steps::{BUILD_TIMEOUT, build_failed, runs_draft, wait_live};

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
        // Built but not live (Auth0 did not deploy it): each is deployed on its own.
        let mut built = classify(listed, unsettled, report);
        one_by_one(client, &mut built, report).await;
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

/// Settles what the list shows: live actions (their deployed version built) are done, failed or
/// vanished ones failed, those still building stay in `unsettled`; returns the built but not yet
/// live ones (deployed but its version still building, or not deployed).
fn classify(listed: Vec<ApiAction>, unsettled: &mut Unsettled, report: &mut Report) -> Unsettled {
    let by_id: BTreeMap<String, ApiAction> =
        listed.into_iter().map(|a| (a.id.clone(), a)).collect();
    let mut built = Unsettled::new();
    for (name, (label, id)) in std::mem::take(unsettled) {
        let Some(a) = by_id.get(&id) else {
            let e = Error::other(format!("`{name}` was created but is gone"), None);
            report.fail(label, &e);
            continue;
        };
        let live = runs_draft(a);
        match a.status {
            BuildStatus::Built if live => report.done(label),
            BuildStatus::Built => {
                built.insert(name, (label, id));
            }
            BuildStatus::Failed => report.fail(label, &build_failed(&name)),
            _ => {
                unsettled.insert(name, (label, id));
            }
        }
    }
    built
}

/// Polls each created action on its own, concurrently (deploying it if it is built but not
/// live); empties `unsettled`.
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
