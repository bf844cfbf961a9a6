//! The emulated tenant's data: actions with their drafts and versions, bindings per trigger, and
//! seeded users. This is also the state file's format (see `state_file`), so fields only grow.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::clock::Nanos;

/// An action's or version's JavaScript, with its JSON string literal (quotes and escapes
/// included) made once, when the code arrives or the state file is read. Lists repeat each code
/// up to three times per action (draft, current and deployed version), and escaping it afresh
/// for every response was a fifth of the emulator's CPU; the views in `render` copy the literal
/// instead. Shared behind an `Arc` because versions, rollbacks and every state-file write clone
/// it. It serializes as the plain string, so the state file's format is unchanged.
#[derive(Clone)]
pub struct Code(Arc<CodeText>);

struct CodeText {
    text: String,
    literal: Box<RawValue>,
}

impl Code {
    pub fn new(text: String) -> Self {
        let literal = json_literal(&text);
        Code(Arc::new(CodeText { text, literal }))
    }

    pub fn as_str(&self) -> &str {
        &self.0.text
    }

    /// The code as a JSON string literal, ready to embed in a response.
    pub fn literal(&self) -> &RawValue {
        &self.0.literal
    }
}

/// `text` as a JSON string literal. Serializing a `str` into memory cannot fail; should it
/// ever, `null` is a visible wrong answer rather than a crash of the whole emulator.
fn json_literal(text: &str) -> Box<RawValue> {
    serde_json::value::to_raw_value(text).unwrap_or_else(|_| RawValue::NULL.to_owned())
}

impl From<String> for Code {
    fn from(text: String) -> Self {
        Code::new(text)
    }
}

impl From<&str> for Code {
    fn from(text: &str) -> Self {
        Code::new(text.to_string())
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        // Versions share the draft's `Arc` until either changes: no need to compare 7 KB.
        Arc::ptr_eq(&self.0, &other.0) || self.as_str() == other.as_str()
    }
}

impl Eq for Code {}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Code::new)
    }
}

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

/// A secret. Its value is write-only, as in Auth0: the emulator keeps only a fingerprint of it
/// (see [`fingerprint`]), never the value, so neither the state file nor anything it serves can
/// leak one. A state file written before fingerprints (with `value`) is converted as it loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredSecret")]
pub struct Secret {
    pub name: String,
    pub fingerprint: String,
    pub updated_at: Nanos,
}

/// A secret as the state file holds it: `fingerprint` now, `value` in files of older versions.
#[derive(Deserialize)]
struct StoredSecret {
    name: String,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    value: Option<String>,
    updated_at: Nanos,
}

impl From<StoredSecret> for Secret {
    fn from(s: StoredSecret) -> Self {
        let fingerprint = s
            .fingerprint
            .unwrap_or_else(|| fingerprint(s.value.as_deref().unwrap_or_default()));
        Secret {
            name: s.name,
            fingerprint,
            updated_at: s.updated_at,
        }
    }
}

/// What the emulator keeps of a secret value: `sha256:` and the first 16 hex digits of its
/// SHA-256, enough to tell whether a value changed, not to print it.
pub fn fingerprint(value: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let digest = Sha256::digest(value.as_bytes());
    let mut out = String::from("sha256:");
    for b in &digest[..8] {
        let _ = write!(out, "{b:02x}");
    }
    out
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
    pub code: Code,
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
    pub code: Code,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_keeps_its_json_literal_and_serializes_as_a_string() {
        let text = "a \"quote\", a \\ and\n\t\u{1} é \u{2028}";
        let code = Code::from(text.to_string());
        assert_eq!(code.as_str(), text);
        let plain = serde_json::to_string(text).unwrap();
        assert_eq!(code.literal().get(), plain);
        assert_eq!(serde_json::to_string(&code).unwrap(), plain);
        let back: Code = serde_json::from_str(&plain).unwrap();
        assert_eq!(back, code);
        assert_eq!(back.literal().get(), plain);
        assert_ne!(Code::from(String::new()), code);
    }
}
