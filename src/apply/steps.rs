//! The writes of one action, each followed by the wait that makes the next step safe: create (and
//! deploy in the same request), update then deploy, or deploy alone; and the build wait between.

use std::time::{Duration, Instant};

use crate::config::action::Trigger;
use crate::error::{Error, Result};
use crate::plan::{ActionPlan, Op};
use crate::secrets::SecretValues;
use crate::state::{DesiredAction, LiveAction};
use crate::tenant::TenantClient;
use crate::tenant::api_types::{
    ApiAction, ApiDependency, ApiTrigger, BuildStatus, CreateAction, SecretValue, UpdateAction,
};

/// How long a build may take before apply gives up on it.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(300);

/// Waits longer than this print progress on stderr.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// What one action step left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub id: String,
    /// False for a create: Auth0 deploys it when its build ends, which apply confirms for all
    /// creates at once before binding (`settle.rs`) instead of polling each one now.
    pub settled: bool,
}

/// Carries out one action's plan.
pub async fn apply_action(
    client: &TenantClient,
    step: &ActionPlan,
    want: &DesiredAction,
    values: &SecretValues,
) -> Result<Applied> {
    let settled = |id: String| Applied { id, settled: true };
    match step.op {
        Op::Create => {
            let created = client
                .create_action_idempotent(&create_body(want, values))
                .await?;
            Ok(Applied {
                id: created.id,
                settled: false,
            })
        }
        Op::Update | Op::Adopt => {
            let id = step.id.clone().unwrap_or_default();
            let body = update_body(want, values, step.secrets.any() || step.op == Op::Adopt);
            client.update_action(&id, &body).await?;
            deploy_when_built(client, &id, &want.name).await?;
            Ok(settled(id))
        }
        Op::Deploy => {
            let id = step.id.clone().unwrap_or_default();
            // The draft is rewritten with this apply's record, so that the version deployed
            // says which apply made it live; a draft whose build failed (e.g. an earlier apply
            // stopped there) needs that anyway for a fresh build. Secrets are kept as they are.
            // A draft already deployed and still building is only waited for.
            if !step.building || client.get_action(&id).await?.status == BuildStatus::Failed {
                client
                    .update_action(&id, &update_body(want, values, false))
                    .await?;
            }
            // The draft may already be deployed and still building (a create with
            // `deploy: true`): then this only waits for it to go live.
            wait_live(client, &id, &want.name).await?;
            Ok(settled(id))
        }
        Op::Delete => {
            let id = step.id.clone().unwrap_or_default();
            client.delete_action(&id, false).await?;
            Ok(settled(id))
        }
    }
}

fn triggers(t: Trigger) -> Vec<ApiTrigger> {
    vec![ApiTrigger {
        id: t.id().into(),
        version: t.version().into(),
    }]
}

fn deps(want: &DesiredAction) -> Vec<ApiDependency> {
    want.dependencies
        .iter()
        .map(|(name, version)| ApiDependency {
            name: name.clone(),
            version: version.clone(),
            registry_url: None,
        })
        .collect()
}

fn secrets(want: &DesiredAction, values: &SecretValues) -> Vec<SecretValue> {
    want.secrets
        .keys()
        .filter_map(|name| {
            values.get(name).map(|v| SecretValue {
                name: name.clone(),
                value: v.clone(),
            })
        })
        .collect()
}

fn create_body(want: &DesiredAction, values: &SecretValues) -> CreateAction {
    CreateAction {
        name: want.name.clone(),
        supported_triggers: triggers(want.trigger),
        code: want.code.clone(),
        runtime: Some(want.runtime.api_name().into()),
        dependencies: deps(want),
        secrets: Some(secrets(want, values)),
        // Created and deployed in one request: the version goes live when its build finishes.
        deploy: Some(true),
    }
}

/// The update body. Secrets are sent only when they changed: a sent list replaces the set.
fn update_body(want: &DesiredAction, values: &SecretValues, send_secrets: bool) -> UpdateAction {
    UpdateAction {
        supported_triggers: Some(triggers(want.trigger)),
        code: Some(want.code.clone()),
        runtime: Some(want.runtime.api_name().into()),
        dependencies: Some(deps(want)),
        secrets: send_secrets.then(|| secrets(want, values)),
        ..UpdateAction::default()
    }
}

async fn deploy_when_built(client: &TenantClient, id: &str, name: &str) -> Result<()> {
    wait_built(client, id, name).await?;
    deploy(client, id, name).await
}

/// Deploys the built draft and waits until the new version is live (built and deployed).
async fn deploy(client: &TenantClient, id: &str, name: &str) -> Result<()> {
    // Safe to retry: after an ambiguous failure the client reads the action to learn whether
    // the deploy happened before sending it again.
    let version = client.deploy_action(id).await?;
    // The deploy answers with the new version; confirm the action now runs it.
    let live = poll(client, id, name, |a| {
        let v = a.deployed_version.as_ref().filter(|v| v.id == version.id)?;
        match v.status {
            BuildStatus::Built => Some(Ok(())),
            BuildStatus::Failed => Some(Err(build_failed(name))),
            _ => None,
        }
    })
    .await;
    match live {
        Err(Waited::TimedOut) => Err(Error::other(
            format!(
                "`{name}`: deployed version {} did not go live in time",
                version.number
            ),
            None,
        )),
        Err(Waited::Failed(e)) => Err(e),
        Ok(_) => Ok(()),
    }
}

/// Makes the built draft live: waits for its build and for the build of its deployed version
/// (a create with `deploy: true`, or a deploy still in progress), then deploys it only if the
/// action does not run it by then. Nothing binds to it before this returns.
pub async fn wait_live(client: &TenantClient, id: &str, name: &str) -> Result<()> {
    let mut a = wait_built(client, id, name).await?;
    if version_building(&a) {
        a = poll(client, id, name, |a| {
            (!version_building(a)).then_some(Ok(()))
        })
        .await
        .map_err(|e| e.into_error(name))?;
    }
    if runs_draft(&a) {
        return Ok(());
    }
    tracing::debug!(action = name, "built but not live; deploying");
    deploy(client, id, name).await
}

/// Whether the action runs its draft: every change deployed, in a version that is built.
pub fn runs_draft(a: &ApiAction) -> bool {
    a.all_changes_deployed
        && a.deployed_version
            .as_ref()
            .is_some_and(|v| v.status == BuildStatus::Built)
        && LiveAction::from_api(a.clone(), |_| None).draft_is_deployed()
}

/// Whether the draft is deployed in a version whose build has not ended.
fn version_building(a: &ApiAction) -> bool {
    a.all_changes_deployed
        && a.deployed_version
            .as_ref()
            .is_some_and(|v| !matches!(v.status, BuildStatus::Built | BuildStatus::Failed))
}

/// The error for an action whose build failed.
pub fn build_failed(name: &str) -> Error {
    Error::other(
        format!("`{name}`: the build failed in Auth0 (status `failed`)"),
        Some("check the action's dependencies: each must exist on the public npm registry at that exact version".into()),
    )
}

/// Polls the action until its draft is built; a failed build is an error with Auth0's status.
async fn wait_built(client: &TenantClient, id: &str, name: &str) -> Result<ApiAction> {
    poll(client, id, name, |a| match a.status {
        BuildStatus::Built => Some(Ok(())),
        BuildStatus::Failed => Some(Err(build_failed(name))),
        _ => None,
    })
    .await
    .map_err(|e| e.into_error(name))
}

/// Why a wait ended without the action reaching the state waited for.
enum Waited {
    TimedOut,
    Failed(Error),
}

impl Waited {
    fn into_error(self, name: &str) -> Error {
        match self {
            Waited::Failed(e) => e,
            Waited::TimedOut => Error::other(
                format!(
                    "`{name}`: the build did not finish within {} s",
                    BUILD_TIMEOUT.as_secs()
                ),
                None,
            ),
        }
    }
}

/// Reads the action until `done` says it is ready (`Some(Ok)`) or never will be (`Some(Err)`),
/// backing off up to 2 s between reads, for at most [`BUILD_TIMEOUT`]; waits longer than a
/// second print progress.
async fn poll(
    client: &TenantClient,
    id: &str,
    name: &str,
    done: impl Fn(&ApiAction) -> Option<Result<()>>,
) -> std::result::Result<ApiAction, Waited> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(50);
    let mut told = false;
    loop {
        let a = client
            .get_action(id)
            .await
            .map_err(|e| Waited::Failed(e.into()))?;
        match done(&a) {
            Some(Ok(())) => return Ok(a),
            Some(Err(e)) => return Err(Waited::Failed(e)),
            None => {}
        }
        if start.elapsed() > BUILD_TIMEOUT {
            return Err(Waited::TimedOut);
        }
        // Sleep no further than the one-second mark before telling, so that every wait longer
        // than a second shows progress even when the next poll would find the build done.
        let mut pause = delay;
        if !told {
            pause = pause.min(PROGRESS_AFTER.saturating_sub(start.elapsed()));
        }
        tokio::time::sleep(pause).await;
        if !told && start.elapsed() >= PROGRESS_AFTER {
            crate::output::status(&format!("  waiting for `{name}` to build…"));
            told = true;
        }
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
