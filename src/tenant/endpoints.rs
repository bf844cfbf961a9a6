//! The typed Management API operations the deployer needs, one method each, on top of
//! [`TenantClient`]'s send loop. Each declares its path template (for messages and logs) and how
//! safe it is to resend; pacing, retries and error mapping happen in the send loop.

use serde_json::Value;

use super::api_types::{
    ActionsPage, ApiAction, ApiBinding, ApiVersion, BindingRef, BindingsPage, BuildStatus,
    CreateAction, UpdateAction, VersionsPage,
};
use super::client::{Call, Result, TenantClient};
use super::error::{Endpoint, Error};
use super::pagination::{PER_PAGE, next_page};
use super::retry::{RetryPolicy, Safety, jitter_unit};

const LIST_ACTIONS: Endpoint = Endpoint {
    method: "GET",
    path: "/api/v2/actions/actions",
};
const GET_ACTION: Endpoint = Endpoint {
    method: "GET",
    path: "/api/v2/actions/actions/{id}",
};
const CREATE_ACTION: Endpoint = Endpoint {
    method: "POST",
    path: "/api/v2/actions/actions",
};
const UPDATE_ACTION: Endpoint = Endpoint {
    method: "PATCH",
    path: "/api/v2/actions/actions/{id}",
};
const DELETE_ACTION: Endpoint = Endpoint {
    method: "DELETE",
    path: "/api/v2/actions/actions/{id}",
};
const DEPLOY_ACTION: Endpoint = Endpoint {
    method: "POST",
    path: "/api/v2/actions/actions/{id}/deploy",
};
const LIST_VERSIONS: Endpoint = Endpoint {
    method: "GET",
    path: "/api/v2/actions/actions/{id}/versions",
};
const DEPLOY_VERSION: Endpoint = Endpoint {
    method: "POST",
    path: "/api/v2/actions/actions/{id}/versions/{versionId}/deploy",
};
const LIST_BINDINGS: Endpoint = Endpoint {
    method: "GET",
    path: "/api/v2/actions/triggers/{trigger}/bindings",
};
const PATCH_BINDINGS: Endpoint = Endpoint {
    method: "PATCH",
    path: "/api/v2/actions/triggers/{trigger}/bindings",
};
const GET_USER: Endpoint = Endpoint {
    method: "GET",
    path: "/api/v2/users/{id}",
};

impl TenantClient {
    /// Every action of the tenant, by pages of 100.
    pub async fn list_actions(&self) -> Result<Vec<ApiAction>> {
        self.actions_pages(None).await
    }

    /// The actions named exactly `name` (the `actionName` filter, checked again client-side
    /// because exact matching is not documented).
    pub async fn find_actions_by_name(&self, name: &str) -> Result<Vec<ApiAction>> {
        let mut found = self.actions_pages(Some(name)).await?;
        found.retain(|a| a.name == name);
        Ok(found)
    }

    async fn actions_pages(&self, name: Option<&str>) -> Result<Vec<ApiAction>> {
        let mut all = Vec::new();
        let mut page = 0;
        loop {
            let mut url = self.url(&["api", "v2", "actions", "actions"]);
            {
                let mut query = url.query_pairs_mut();
                if let Some(name) = name {
                    query.append_pair("actionName", name);
                }
                query
                    .append_pair("page", &page.to_string())
                    .append_pair("per_page", &PER_PAGE.to_string());
            }
            let got: ActionsPage = self.call_json(read(LIST_ACTIONS, url)).await?;
            let received = got.actions.len();
            all.extend(got.actions);
            match next_page(page, received, got.total, all.len()) {
                Some(next) => page = next,
                None => return Ok(all),
            }
        }
    }

    /// One action, with its draft and deployed version.
    pub async fn get_action(&self, id: &str) -> Result<ApiAction> {
        let url = self.url(&["api", "v2", "actions", "actions", id]);
        self.call_json(read(GET_ACTION, url)).await
    }

    /// Creates an action. Never resent after an ambiguous failure: that yields
    /// [`Error::AmbiguousWrite`]; use [`TenantClient::create_action_idempotent`] to resolve it.
    pub async fn create_action(&self, req: &CreateAction) -> Result<ApiAction> {
        let url = self.url(&["api", "v2", "actions", "actions"]);
        let call = Call {
            endpoint: CREATE_ACTION,
            url,
            body: Some(json(req)?),
            safety: Safety::ConfirmByRead,
        };
        self.call_json(call).await
    }

    /// Creates an action without ever making a duplicate: after an ambiguous failure (or a
    /// conflict on a resend) it looks the name up and returns the action if the earlier attempt
    /// created it; only when the name is absent does it send the create again. The caller must
    /// have checked that the name was free before the first call.
    pub async fn create_action_idempotent(&self, req: &CreateAction) -> Result<ApiAction> {
        let policy = RetryPolicy::DEFAULT;
        let mut attempt = 0;
        loop {
            let outcome = self.create_action(req).await;
            let unsure = match &outcome {
                Err(Error::AmbiguousWrite { .. }) => true,
                Err(e) => attempt > 0 && e.status() == Some(409),
                Ok(_) => false,
            };
            if !unsure {
                return outcome;
            }
            let mut existing = self.find_actions_by_name(&req.name).await?;
            match existing.len() {
                0 if attempt < policy.max_retries => {}
                0 => return outcome,
                1 => return Ok(existing.remove(0)),
                count => {
                    return Err(Error::DuplicateName {
                        host: self.host().to_owned(),
                        name: req.name.clone(),
                        count,
                    });
                }
            }
            tracing::debug!(name = %req.name, "create outcome unknown and the name is absent; creating again");
            tokio::time::sleep(policy.backoff(attempt, jitter_unit())).await;
            attempt += 1;
        }
    }

    /// Updates the draft. Fields left `None` are unchanged; omit `secrets` to keep them.
    pub async fn update_action(&self, id: &str, req: &UpdateAction) -> Result<ApiAction> {
        let url = self.url(&["api", "v2", "actions", "actions", id]);
        // The same PATCH twice leaves the same draft, so it is retried like a read.
        let call = Call {
            endpoint: UPDATE_ACTION,
            url,
            body: Some(json(req)?),
            safety: Safety::Idempotent,
        };
        self.call_json(call).await
    }

    /// Deploys the built draft as a new version. The version goes live asynchronously (the
    /// response says `deployed: false`). Safe to retry without minting a second version: after an
    /// ambiguous failure (5xx, dropped connection, timeout) it reads the action, and when the
    /// action now runs its draft (every change deployed, in a version whose build did not fail)
    /// the deploy happened, and that version is returned; otherwise it is sent again.
    pub async fn deploy_action(&self, id: &str) -> Result<ApiVersion> {
        let policy = RetryPolicy::DEFAULT;
        let mut attempt = 0;
        loop {
            let url = self.url(&["api", "v2", "actions", "actions", id, "deploy"]);
            let call = Call {
                endpoint: DEPLOY_ACTION,
                url,
                body: None,
                safety: Safety::ConfirmByRead,
            };
            let outcome = self.call_json(call).await;
            if !matches!(outcome, Err(Error::AmbiguousWrite { .. })) {
                return outcome;
            }
            if let Some(version) = deployed_draft(self.get_action(id).await?) {
                return Ok(version);
            }
            if attempt >= policy.max_retries {
                return outcome;
            }
            tracing::debug!(
                id,
                "deploy outcome unknown and the draft is not deployed; deploying again"
            );
            tokio::time::sleep(policy.backoff(attempt, jitter_unit())).await;
            attempt += 1;
        }
    }

    /// Every version Auth0 keeps of an action (at most 50), by pages of 100, oldest first.
    pub async fn list_versions(&self, id: &str) -> Result<Vec<ApiVersion>> {
        let mut all = Vec::new();
        let mut page = 0;
        loop {
            let mut url = self.url(&["api", "v2", "actions", "actions", id, "versions"]);
            url.query_pairs_mut()
                .append_pair("page", &page.to_string())
                .append_pair("per_page", &PER_PAGE.to_string());
            let got: VersionsPage = self.call_json(read(LIST_VERSIONS, url)).await?;
            let received = got.versions.len();
            all.extend(got.versions);
            match next_page(page, received, got.total, all.len()) {
                Some(next) => page = next,
                None => break,
            }
        }
        all.sort_by_key(|v| v.number);
        Ok(all)
    }

    /// Makes an earlier version live again (Auth0's rollback): a new version copying `version`,
    /// with no build and no code sent. With `update_draft` the draft is reset to it as well.
    /// After an ambiguous failure it reads the action: when the live version already holds
    /// the target's code, the rollback happened and that version is returned; otherwise the
    /// error is returned (nothing is sent twice).
    pub async fn deploy_version(
        &self,
        id: &str,
        version: &ApiVersion,
        update_draft: bool,
    ) -> Result<ApiVersion> {
        let url = self.url(&[
            "api",
            "v2",
            "actions",
            "actions",
            id,
            "versions",
            &version.id,
            "deploy",
        ]);
        let body = json(&serde_json::json!({ "update_draft": update_draft }))?;
        let call = Call {
            endpoint: DEPLOY_VERSION,
            url,
            body: Some(body),
            safety: Safety::ConfirmByRead,
        };
        let outcome = self.call_json(call).await;
        if !matches!(outcome, Err(Error::AmbiguousWrite { .. })) {
            return outcome;
        }
        match self.get_action(id).await?.deployed_version {
            Some(v) if v.code == version.code && v.number > version.number => Ok(v),
            _ => outcome,
        }
    }

    /// Deletes an action. With `unbind` false a bound action is refused (409), the safeguard
    /// against breaking logins; with `unbind` true (`?force=true`) Auth0 first removes it from
    /// every trigger it is bound to, which apply asks for only when that is exactly the binding
    /// change the plan shows (`apply/unbind.rs`).
    pub async fn delete_action(&self, id: &str, unbind: bool) -> Result<()> {
        let mut url = self.url(&["api", "v2", "actions", "actions", id]);
        if unbind {
            url.query_pairs_mut().append_pair("force", "true");
        }
        self.call(Call {
            endpoint: DELETE_ACTION,
            url,
            body: None,
            safety: Safety::Idempotent,
        })
        .await?;
        Ok(())
    }

    /// The ordered bindings of a trigger, by pages of 100.
    pub async fn list_bindings(&self, trigger_id: &str) -> Result<Vec<ApiBinding>> {
        let mut all = Vec::new();
        let mut page = 0;
        loop {
            let mut url = self.url(&["api", "v2", "actions", "triggers", trigger_id, "bindings"]);
            url.query_pairs_mut()
                .append_pair("page", &page.to_string())
                .append_pair("per_page", &PER_PAGE.to_string());
            let got: BindingsPage = self.call_json(read(LIST_BINDINGS, url)).await?;
            let received = got.bindings.len();
            all.extend(got.bindings);
            match next_page(page, received, got.total, all.len()) {
                Some(next) => page = next,
                None => return Ok(all),
            }
        }
    }

    /// Replaces the whole ordered binding list of a trigger (new binding ids every time).
    pub async fn replace_bindings(
        &self,
        trigger_id: &str,
        refs: &[BindingRef],
    ) -> Result<Vec<ApiBinding>> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            bindings: &'a [BindingRef],
        }
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(default)]
            bindings: Vec<ApiBinding>,
        }
        let url = self.url(&["api", "v2", "actions", "triggers", trigger_id, "bindings"]);
        let body = json(&Body { bindings: refs })?;
        // Replacing a list with the same list is idempotent, unlike most PATCHes.
        let call = Call {
            endpoint: PATCH_BINDINGS,
            url,
            body: Some(body),
            safety: Safety::Idempotent,
        };
        let answer: Answer = self.call_json(call).await?;
        Ok(answer.bindings)
    }

    /// A user, as raw JSON (used by the `profile` kind's tests).
    pub async fn get_user(&self, id: &str) -> Result<Value> {
        let url = self.url(&["api", "v2", "users", id]);
        self.call_json(read(GET_USER, url)).await
    }
}

/// The deployed version when it is the action's draft: every change deployed, the same code,
/// runtime and dependencies, and a build that did not fail.
fn deployed_draft(a: ApiAction) -> Option<ApiVersion> {
    let deps = |list: &[super::api_types::ApiDependency]| {
        list.iter()
            .map(|d| (d.name.clone(), d.version.clone()))
            .collect::<std::collections::BTreeSet<_>>()
    };
    let v = a.deployed_version?;
    let same = v.code == a.code
        && v.runtime == a.runtime
        && deps(&v.dependencies) == deps(&a.dependencies);
    (a.all_changes_deployed && same && v.status != BuildStatus::Failed).then_some(v)
}

fn read(endpoint: Endpoint, url: reqwest::Url) -> Call {
    Call {
        endpoint,
        url,
        body: None,
        safety: Safety::Idempotent,
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    // Our request types always serialize; the error is kept rather than unwrapped.
    serde_json::to_vec(value).map_err(|e| Error::Setup(format!("could not encode a request: {e}")))
}
