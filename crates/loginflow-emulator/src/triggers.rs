//! The trigger catalogue, as the real `GET /actions/triggers` answered on 2026-08-10 (recorded by
//! auth0-deploy-cli). It decides default runtimes and which runtimes an action may use.
//!
//! Runtime rule (the reference leaves it open; decided here): an action's runtime must be one of
//! its trigger's `runtimes` or its `default_runtime`. The second clause keeps the 2023 recordings
//! (post-login v2, default `node16`) valid against the 2026 catalogue. `node18` also counts as
//! `node18-actions` (see [`TriggerInfo::allows`]).

use serde::Deserialize;
use serde_json::Value;

/// The recorded catalogue, verbatim.
const CATALOGUE: &str = include_str!("triggers.json");

/// What the emulator needs to know about one trigger version.
#[derive(Debug, Clone, Deserialize)]
pub struct TriggerInfo {
    pub id: String,
    pub version: String,
    pub status: String,
    pub runtimes: Vec<String>,
    pub default_runtime: String,
}

/// The parsed catalogue plus the raw answer body.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub triggers: Vec<TriggerInfo>,
    pub body: Value,
}

impl Catalogue {
    /// Parses the embedded catalogue. It is a compile-time constant checked by a unit test, so
    /// a parse failure can only mean a broken build; it yields an empty catalogue then.
    pub fn load() -> Self {
        let body: Value = serde_json::from_str(CATALOGUE).unwrap_or(Value::Null);
        let triggers = body
            .get("triggers")
            .cloned()
            .and_then(|t| serde_json::from_value(t).ok())
            .unwrap_or_default();
        Catalogue { triggers, body }
    }

    /// Whether any version of trigger `id` exists.
    pub fn has(&self, id: &str) -> bool {
        self.triggers.iter().any(|t| t.id == id)
    }

    /// The given version of trigger `id`, or its CURRENT one when `version` is empty.
    pub fn find(&self, id: &str, version: &str) -> Option<&TriggerInfo> {
        self.triggers.iter().find(|t| {
            t.id == id && (t.version == version || (version.is_empty() && t.status == "CURRENT"))
        })
    }
}

impl TriggerInfo {
    /// `node18` is accepted wherever `node18-actions` is: a post-login v3 action with runtime
    /// `node18` was recorded in 2024, and the terraform provider treats the two as one.
    pub fn allows(&self, runtime: &str) -> bool {
        let listed = |rt: &str| self.default_runtime == rt || self.runtimes.iter().any(|r| r == rt);
        listed(runtime) || (runtime == "node18" && listed("node18-actions"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses() {
        let c = Catalogue::load();
        assert_eq!(c.triggers.len(), 20);
        let v3 = c
            .find("post-login", "v3")
            .map(|t| t.default_runtime.clone());
        assert_eq!(v3.as_deref(), Some("node22"));
        assert_eq!(
            c.find("post-login", "").map(|t| t.version.as_str()),
            Some("v3")
        );
        assert!(
            c.find("post-login", "v2")
                .is_some_and(|t| t.allows("node16"))
        );
        assert!(
            !c.find("post-login", "v3")
                .is_some_and(|t| t.allows("node16"))
        );
    }
}
