//! The Management API's JSON shapes for Actions, bindings and pages, as the live service sends
//! them (not as the spec claims): unknown fields are ignored, absent lists are empty, absent
//! pagination numbers are zero. Request types carry exactly the fields Auth0 accepts, because
//! its schemas refuse unknown properties. No behaviour lives here.

use serde::{Deserialize, Serialize, Serializer};

use super::secret::Secret;

/// A trigger an action targets: `{"id":"post-login","version":"v3"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiTrigger {
    pub id: String,
    pub version: String,
}

/// An npm dependency. `registry_url` is dropped by Auth0 once a build finishes; compare on name
/// and version only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiDependency {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_url: Option<String>,
}

/// A secret as the API returns it: the name only, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiSecretName {
    pub name: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The build state of a draft or version. Auth0 may add states; those read as `Unknown`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildStatus {
    Pending,
    Building,
    Packaged,
    Built,
    Retrying,
    Failed,
    #[default]
    #[serde(other)]
    Unknown,
}

/// An action (its draft), with its deployed version if any.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ApiAction {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub supported_triggers: Vec<ApiTrigger>,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub dependencies: Vec<ApiDependency>,
    #[serde(default)]
    pub runtime: Option<String>,
    #[serde(default)]
    pub status: BuildStatus,
    #[serde(default)]
    pub secrets: Vec<ApiSecretName>,
    #[serde(default)]
    pub deployed_version: Option<ApiVersion>,
    #[serde(default)]
    pub all_changes_deployed: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A version of an action: what deploy returns, and `deployed_version`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ApiVersion {
    pub id: String,
    #[serde(default)]
    pub number: u64,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub runtime: Option<String>,
    #[serde(default)]
    pub dependencies: Vec<ApiDependency>,
    #[serde(default)]
    pub secrets: Vec<ApiSecretName>,
    #[serde(default)]
    pub status: BuildStatus,
    /// `false` in the deploy response; the version goes live asynchronously.
    #[serde(default)]
    pub deployed: bool,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// The action embedded in a binding, as far as a binding is read: which action it is. Auth0 also
/// embeds its current and deployed versions, code included (a quarter of a no-op plan's bytes
/// for 20 bound actions); the actions list already has them, so they are skipped unparsed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ApiBindingAction {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub supported_triggers: Vec<ApiTrigger>,
}

/// One entry of a trigger's ordered binding list. Ids change on every bindings PATCH.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ApiBinding {
    pub id: String,
    #[serde(default)]
    pub trigger_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub action: ApiBindingAction,
}

/// A secret to write. The only type that puts a [`Secret`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretValue {
    pub name: String,
    pub value: Secret,
}

impl Serialize for SecretValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            name: &'a str,
            value: &'a str,
        }
        Wire {
            name: &self.name,
            value: self.value.expose(),
        }
        .serialize(serializer)
    }
}

/// `POST /api/v2/actions/actions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateAction {
    pub name: String,
    pub supported_triggers: Vec<ApiTrigger>,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    pub dependencies: Vec<ApiDependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<SecretValue>>,
    /// Create and deploy in one request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<bool>,
}

/// `PATCH /api/v2/actions/actions/{id}`. `None` leaves a field unchanged; in particular an absent
/// `secrets` keeps the action's secrets, while `Some(vec![])` deletes them all.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdateAction {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_triggers: Option<Vec<ApiTrigger>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<ApiDependency>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<SecretValue>>,
}

/// How a binding names its action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefType {
    ActionId,
    ActionName,
}

/// One entry of a bindings PATCH: `{"ref":{"type","value"},"display_name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingRef {
    #[serde(rename = "ref")]
    pub reference: BindingTarget,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// The `ref` object of a binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingTarget {
    #[serde(rename = "type")]
    pub kind: RefType,
    pub value: String,
}

impl BindingRef {
    /// A binding to the action with this id, the unambiguous form apply uses.
    pub fn action_id(id: impl Into<String>, display_name: impl Into<String>) -> BindingRef {
        BindingRef {
            reference: BindingTarget {
                kind: RefType::ActionId,
                value: id.into(),
            },
            display_name: Some(display_name.into()),
        }
    }
}

/// One page of `GET /actions/actions`. Auth0 omits `total` and `page` when they are zero.
#[derive(Debug, Deserialize)]
pub struct ActionsPage {
    #[serde(default)]
    pub actions: Vec<ApiAction>,
    #[serde(default)]
    pub total: u64,
}

/// One page of `GET /actions/actions/{id}/versions` (newest first in the emulator; the order
/// Auth0 uses is not documented, so callers sort by `number`).
#[derive(Debug, Deserialize)]
pub struct VersionsPage {
    #[serde(default)]
    pub versions: Vec<ApiVersion>,
    #[serde(default)]
    pub total: u64,
}

/// One page of `GET /actions/triggers/{id}/bindings`.
#[derive(Debug, Deserialize)]
pub struct BindingsPage {
    #[serde(default)]
    pub bindings: Vec<ApiBinding>,
    #[serde(default)]
    pub total: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_recorded_action_ignoring_unknown_fields() {
        let body = json!({"id":"5e34","name":"n","supported_triggers":[{"id":"post-login","version":"v3"}],
            "created_at":"2026-05-29T10:45:58.888947671Z","updated_at":"x","code":"c","dependencies":[],
            "runtime":"node22","status":"built","secrets":[{"name":"foo","updated_at":"t"}],
            "current_version":{"status":"BUILT"},"deployed_version":{"id":"v1","number":1,"deployed":true,
            "status":"built","built_at":"t","action":{}},"all_changes_deployed":true,"modules":[]});
        let action: ApiAction = serde_json::from_value(body).unwrap();
        assert_eq!(action.status, BuildStatus::Built);
        assert_eq!(action.secrets[0].name, "foo");
        let v = action.deployed_version.unwrap();
        assert!(v.deployed && v.number == 1);
    }

    #[test]
    fn pages_tolerate_omitted_zero_fields_and_new_statuses() {
        let page: ActionsPage =
            serde_json::from_value(json!({"actions":[],"per_page":100})).unwrap();
        assert_eq!((page.actions.len(), page.total), (0, 0));
        let a: ApiAction =
            serde_json::from_value(json!({"id":"i","name":"n","status":"quantum"})).unwrap();
        assert_eq!(a.status, BuildStatus::Unknown);
    }

    #[test]
    fn requests_carry_only_accepted_fields() {
        let create = CreateAction {
            name: "n".into(),
            supported_triggers: vec![ApiTrigger {
                id: "post-login".into(),
                version: "v3".into(),
            }],
            code: "c".into(),
            runtime: None,
            dependencies: vec![],
            secrets: Some(vec![SecretValue {
                name: "K".into(),
                value: Secret::new("v"),
            }]),
            deploy: None,
        };
        assert_eq!(
            serde_json::to_value(&create).unwrap(),
            json!({"name":"n","supported_triggers":[{"id":"post-login","version":"v3"}],"code":"c",
                   "dependencies":[],"secrets":[{"name":"K","value":"v"}]})
        );
        assert!(!format!("{create:?}").contains("\"v\""));
        assert_eq!(
            serde_json::to_value(UpdateAction::default()).unwrap(),
            json!({})
        );
        assert_eq!(
            serde_json::to_value(BindingRef::action_id("a1", "A")).unwrap(),
            json!({"ref":{"type":"action_id","value":"a1"},"display_name":"A"})
        );
    }
}
