//! What the tenant should look like: every managed Action with its rendered code, and the ordered
//! bindings of each trigger the config manages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::action::{Runtime, Trigger};
use crate::config::model::UnmanagedPolicy;

/// One Action as it should be deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredAction {
    pub name: String,
    pub trigger: Trigger,
    pub runtime: Runtime,
    /// The complete code, managed header included.
    pub code: String,
    pub dependencies: BTreeMap<String, String>,
    /// Secret name → fingerprint of its current value (never the value).
    pub secrets: BTreeMap<String, String>,
}

/// The desired state of one tenant.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DesiredState {
    pub actions: BTreeMap<String, DesiredAction>,
    /// Managed triggers → action names in binding order.
    pub bindings: BTreeMap<Trigger, Vec<String>>,
    pub unmanaged: UnmanagedPolicy,
    pub prune: bool,
    /// The tenant file's owner (`tenant.owner`): only live actions of this owner are ours.
    pub owner: String,
    /// Rendered without secret values (`plan --no-secret-values`): each action's `secrets` holds
    /// `unset` for every secret it reads, and the planner compares the code with the live
    /// fingerprints put in its header instead.
    pub without_secret_values: bool,
}
