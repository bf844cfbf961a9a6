//! The plan: what apply will do to one tenant, in a form that the three output formats and the
//! saved plan file all serialise from. Field order is the JSON schema's order; keep it stable.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::config_diff::ConfigChange;

/// What happens to one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// A new action: create (and deploy).
    Create,
    /// An existing action we own: update the draft, then deploy.
    Update,
    /// The draft is already right but not what runs: deploy only.
    Deploy,
    /// An existing action of the same name that loginflow does not own yet: take it over
    /// (update with the managed header, then deploy).
    Adopt,
    /// A managed action no longer in the config: unbind, then delete (only when pruning).
    Delete,
}

/// One field that differs between live and desired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Secret differences, by name. Values are never known to the plan; fingerprints tell changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl SecretChanges {
    /// Whether the secrets must be sent with the update.
    pub fn any(&self) -> bool {
        !(self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty())
    }
}

/// The plan for one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionPlan {
    pub name: String,
    pub op: Op,
    /// The live action's id; `None` for a create.
    pub id: Option<String>,
    pub trigger: String,
    /// Changed fields other than code and secrets (runtime, dependencies, trigger).
    pub fields: Vec<FieldChange>,
    /// The change in the config's own terms (`role_rules[0].allowed_roles`), read from the config
    /// both codes carry; `None` when a side carries none (`custom`, not managed yet, or deployed
    /// by a loginflow that did not write it): then only the code diff shows the change.
    #[serde(default)]
    pub config_diff: Option<Vec<ConfigChange>>,
    /// Unified diff of the code, live draft → desired.
    pub code_diff: Option<String>,
    pub secrets: SecretChanges,
    /// Notes for reviewers (e.g. "undeployed dashboard edits will be overwritten").
    pub notes: Vec<String>,
    /// A `deploy` whose draft is already deployed but still building (a create with
    /// `deploy: true` whose build has not ended): apply waits for the build, deploys only if the
    /// version did not go live, and binds nothing to it before. Serialised only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub building: bool,
}

/// The change of one trigger's binding order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingPlan {
    pub trigger: String,
    /// Action names bound now, in order.
    pub before: Vec<String>,
    /// Action names bound after apply, in order.
    pub after: Vec<String>,
}

/// A live action that this tenant file does not own and will not touch: unmanaged (no managed
/// header), or foreign (managed by another owner, i.e. another tenant file on this tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnownedAction {
    pub name: String,
    pub id: String,
    pub trigger: String,
    /// Whether it stays bound after apply.
    pub bound: bool,
    /// The other owner of a foreign action; absent for an unmanaged one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// What apply's staleness check compares: the identity and version of every live object the plan
/// was computed against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveFingerprint {
    /// Action name → `{id, updated_at, deployed_version}` for every live action read.
    pub actions: BTreeMap<String, ActionFingerprint>,
    /// Trigger → binding ids in order.
    pub bindings: BTreeMap<String, Vec<String>>,
}

/// Identity and version of one live action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionFingerprint {
    pub id: String,
    pub updated_at: Option<String>,
    pub deployed_version: Option<String>,
}

/// The plan for one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The tenant file, as given.
    pub tenant: String,
    pub actions: Vec<ActionPlan>,
    pub bindings: Vec<BindingPlan>,
    pub unowned: Vec<UnownedAction>,
    pub warnings: Vec<String>,
    /// Managed actions that are gone from the config but kept because pruning is off.
    pub kept: Vec<String>,
    pub live: LiveFingerprint,
    /// `plan --no-secret-values`: action → the secrets whose values were not compared (the
    /// code was compared with the live fingerprints). Serialised only when not empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub not_compared: BTreeMap<String, Vec<String>>,
    /// The flow of each trigger this plan changes (actions in order, what changes, what each
    /// calls), drawn at the top of the markdown plan. Serialised only when there is one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<crate::graph::Flow>,
}

impl Plan {
    /// Whether apply would write anything.
    pub fn has_changes(&self) -> bool {
        !self.actions.is_empty() || !self.bindings.is_empty()
    }

    /// Counts per operation, for summaries (actions still building are counted apart).
    pub fn count(&self, op: Op) -> usize {
        self.actions
            .iter()
            .filter(|a| a.op == op && !a.building)
            .count()
    }

    /// Actions whose deployed version is still building.
    pub fn building(&self) -> usize {
        self.actions.iter().filter(|a| a.building).count()
    }
}
