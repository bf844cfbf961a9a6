//! The emulated tenant's data: actions with their drafts and versions, bindings per trigger, and
//! seeded users. This is also the state file's format (see `state_file`), so fields only grow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clock::Nanos;

/// `{id, version}` of a trigger an action supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerRef {
    pub id: String,
    pub version: String,
}

/// An npm dependency. `registry_url` is echoed only until the draft is built (a recorded quirk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_url: Option<String>,
}

/// A secret. The value is stored (the state file is 0600) but never rendered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    pub name: String,
    pub value: String,
    pub updated_at: Nanos,
}

/// One asynchronous build of a draft: when it started, how long it takes, and whether it fails.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Build {
    pub started: Nanos,
    pub duration_ms: u64,
    pub fails: bool,
}

/// An immutable snapshot of a draft, created by deploy or rollback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub id: String,
    pub number: u32,
    pub code: String,
    pub dependencies: Vec<Dependency>,
    pub runtime: String,
    pub secrets: Vec<Secret>,
    pub supported_triggers: Vec<TriggerRef>,
    pub created_at: Nanos,
    /// When the version is (or was) built; in the future while `deploy: true` waits for a build.
    pub built_at: Nanos,
    #[serde(default)]
    pub fails: bool,
}

/// An action: its draft fields, build, versions and which version is live.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Action {
    pub id: String,
    pub name: String,
    pub supported_triggers: Vec<TriggerRef>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub code: String,
    pub dependencies: Vec<Dependency>,
    pub runtime: String,
    pub secrets: Vec<Secret>,
    pub build: Build,
    pub all_changes_deployed: bool,
    /// Oldest first; `number` grows by one per version.
    pub versions: Vec<Version>,
    /// Id of the live version, if any.
    pub deployed: Option<String>,
}

impl Action {
    pub fn deployed_version(&self) -> Option<&Version> {
        let id = self.deployed.as_deref()?;
        self.versions.iter().find(|v| v.id == id)
    }

    /// The newest version, which Auth0 reports as `current_version`.
    pub fn current_version(&self) -> Option<&Version> {
        self.versions.last()
    }
}

/// One entry in a trigger's ordered binding list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Binding {
    pub id: String,
    pub action_id: String,
    pub display_name: String,
    pub created_at: Nanos,
}

/// Everything the tenant holds. Issued tokens are deliberately not part of it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub actions: Vec<Action>,
    /// Trigger id → ordered bindings.
    pub bindings: BTreeMap<String, Vec<Binding>>,
    /// User id → the object `GET /api/v2/users/{id}` returns.
    pub users: BTreeMap<String, Value>,
}
