//! What the tenant looks like now, read from the Management API and normalised: runtimes as the
//! config names them, dependencies as a map (the API drops `registry_url` after a build, so it is
//! ignored), secrets by name, and ownership read from the managed header.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::tenant::api_types::{ApiAction, ApiBinding, ApiDependency, ApiVersion, BuildStatus};

/// Ownership of a live action, read from the managed header at the top of its code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ownership {
    /// The owner id the header names (`tenant.owner` of the file that deployed it).
    pub owner: String,
    /// The action key the header names.
    pub action: String,
    /// Secret name → fingerprint recorded at the last apply.
    pub secrets: BTreeMap<String, String>,
}

/// A deployed version of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveVersion {
    pub id: String,
    pub number: u64,
    pub code: String,
    pub runtime: Option<String>,
    pub dependencies: BTreeMap<String, String>,
}

/// One action in the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAction {
    pub id: String,
    pub name: String,
    /// The trigger id it targets (`post-login`), empty if the API sent none.
    pub trigger: String,
    /// Every trigger it supports (Auth0 allows several; ours have one). A forced delete unbinds
    /// it from all of them, so apply forces only when it read the bindings of each.
    #[serde(default)]
    pub supported_triggers: Vec<String>,
    /// The runtime string as the API reports it (`node22`, `node18-actions`).
    pub runtime: Option<String>,
    /// The draft's code.
    pub code: String,
    pub dependencies: BTreeMap<String, String>,
    pub secret_names: BTreeSet<String>,
    pub status: String,
    pub updated_at: Option<String>,
    /// The deployed version when it is live: its build status is `built`.
    pub deployed: Option<LiveVersion>,
    /// The deployed version while its build is still running (`pending`, `building`, ...): a
    /// create with `deploy: true` until its build ends. Not live: nothing may bind to it yet.
    #[serde(default)]
    pub building: Option<LiveVersion>,
    pub all_changes_deployed: bool,
    /// `Some` when the code carries loginflow's managed header.
    pub owner: Option<Ownership>,
}

/// Who a live action belongs to, seen from one tenant file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Belongs<'a> {
    /// Managed by this file's owner.
    Ours,
    /// Managed by loginflow for another owner (another tenant file): never touched.
    Owner(&'a str),
    /// No managed header.
    Unmanaged,
}

/// One binding of a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveBinding {
    pub id: String,
    pub action_id: String,
    pub action_name: String,
    pub display_name: String,
}

/// The live state of one tenant, as far as the plan needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveState {
    pub actions: Vec<LiveAction>,
    /// Trigger id → bindings in execution order (only the triggers that were read).
    pub bindings: BTreeMap<String, Vec<LiveBinding>>,
    /// The apply lock (`src/lock`), kept apart from `actions`: never planned, pruned or imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<LiveAction>,
}

fn deps(list: Vec<ApiDependency>) -> BTreeMap<String, String> {
    list.into_iter().map(|d| (d.name, d.version)).collect()
}

fn status_name(s: BuildStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn version(v: ApiVersion) -> LiveVersion {
    LiveVersion {
        id: v.id,
        number: v.number,
        code: v.code,
        runtime: v.runtime,
        dependencies: deps(v.dependencies),
    }
}

impl LiveAction {
    /// Normalises an API action; `owner` reads the managed header from its code. Takes the
    /// action by value: a page holds megabytes of code, moved rather than copied.
    pub fn from_api(a: ApiAction, owner: impl Fn(&str) -> Option<Ownership>) -> LiveAction {
        let supported_triggers: Vec<String> =
            a.supported_triggers.into_iter().map(|t| t.id).collect();
        // Only a built version runs; a failed one never will, one still building may.
        let (deployed, building) = match a.deployed_version {
            Some(v) if v.status == BuildStatus::Built => (Some(version(v)), None),
            Some(v) if v.status == BuildStatus::Failed => (None, None),
            Some(v) => (None, Some(version(v))),
            None => (None, None),
        };
        LiveAction {
            id: a.id,
            name: a.name,
            trigger: supported_triggers.first().cloned().unwrap_or_default(),
            supported_triggers,
            runtime: a.runtime,
            owner: owner(&a.code),
            code: a.code,
            dependencies: deps(a.dependencies),
            secret_names: a.secrets.into_iter().map(|s| s.name).collect(),
            status: status_name(a.status),
            updated_at: a.updated_at,
            deployed,
            building,
            all_changes_deployed: a.all_changes_deployed,
        }
    }

    /// Who the action belongs to, for the tenant file whose owner is `owner`.
    pub fn belongs(&self, owner: &str) -> Belongs<'_> {
        match &self.owner {
            Some(o) if o.owner == owner => Belongs::Ours,
            Some(o) => Belongs::Owner(&o.owner),
            None => Belongs::Unmanaged,
        }
    }

    /// Whether the action is managed by the owner `owner`.
    pub fn is_ours(&self, owner: &str) -> bool {
        self.belongs(owner) == Belongs::Ours
    }

    /// Whether the draft is what runs: deployed, and not edited since.
    pub fn draft_is_deployed(&self) -> bool {
        self.deployed.as_ref().is_some_and(|v| self.is_draft(v))
    }

    /// Whether the draft will run once the build of its deployed version ends: nothing is live
    /// yet, and the version still building is the draft, with every change deployed.
    pub fn draft_is_building(&self) -> bool {
        self.deployed.is_none()
            && self.all_changes_deployed
            && self.building.as_ref().is_some_and(|v| self.is_draft(v))
    }

    fn is_draft(&self, v: &LiveVersion) -> bool {
        v.code == self.code && v.runtime == self.runtime && v.dependencies == self.dependencies
    }
}

impl LiveBinding {
    /// Normalises an API binding.
    pub fn from_api(b: &ApiBinding) -> LiveBinding {
        LiveBinding {
            id: b.id.clone(),
            action_id: b.action.id.clone(),
            action_name: b.action.name.clone(),
            display_name: b
                .display_name
                .clone()
                .unwrap_or_else(|| b.action.name.clone()),
        }
    }
}
