//! The saved plan (`plan --out plan.json`): the plans of every tenant, the fingerprints of the
//! live objects they were computed against, the secret fingerprints, the tool version, and a
//! checksum over all of it so that apply refuses a file edited after it was written. It never
//! holds a secret value or a token: fingerprints only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::Plan;

/// Version of the saved plan format.
pub const FORMAT_VERSION: u32 = 2;

/// One tenant's part of a saved plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTenant {
    /// The tenant file, as given to `plan`.
    pub file: String,
    pub plan: Plan,
    /// Action → secret name → fingerprint of the value the plan was computed with.
    pub secret_fingerprints: BTreeMap<String, BTreeMap<String, String>>,
    /// Whether the plan deletes managed actions gone from the config (`plan --prune` or
    /// `flow.prune`): `apply plan.json` prunes exactly when this is true.
    pub prune: bool,
    /// Whether the plan read the secret values. Without them (`plan --no-secret-values`),
    /// `secret_fingerprints` is empty and apply checks each value against the live fingerprint
    /// the plan compared with.
    pub secret_values: bool,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub tool_version: String,
    pub tenants: Vec<SavedTenant>,
    /// `sha256:` over the canonical JSON of everything above.
    pub checksum: String,
}

/// Why a saved plan file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SavedPlanError {
    #[error("not a loginflow plan file: {0}")]
    Parse(String),
    #[error(
        "plan file format {found} is not supported (this loginflow reads format {FORMAT_VERSION})"
    )]
    Format { found: u32 },
    #[error("the plan file was changed after `loginflow plan` wrote it (checksum mismatch)")]
    Tampered,
    #[error("the plan was written by loginflow {found}; apply it with the same version (this is {})", env!("CARGO_PKG_VERSION"))]
    Version { found: String },
}

impl SavedPlan {
    /// A saved plan over these tenants, with its checksum.
    pub fn new(tenants: Vec<SavedTenant>) -> SavedPlan {
        let mut plan = SavedPlan {
            format_version: FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            tenants,
            checksum: String::new(),
        };
        plan.checksum = plan.compute_checksum();
        plan
    }

    fn compute_checksum(&self) -> String {
        let body = serde_json::json!({
            "format_version": self.format_version,
            "tool_version": self.tool_version,
            "tenants": self.tenants,
        });
        let digest = Sha256::digest(body.to_string().as_bytes());
        format!(
            "sha256:{}",
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads and verifies a plan file's text.
    pub fn parse(text: &str) -> Result<SavedPlan, SavedPlanError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SavedPlanError::Parse(e.to_string()))?;
        let found = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if found != u64::from(FORMAT_VERSION) {
            return Err(SavedPlanError::Format {
                found: u32::try_from(found).unwrap_or(0),
            });
        }
        let plan: SavedPlan =
            serde_json::from_value(value).map_err(|e| SavedPlanError::Parse(e.to_string()))?;
        if plan.checksum != plan.compute_checksum() {
            return Err(SavedPlanError::Tampered);
        }
        if plan.tool_version != env!("CARGO_PKG_VERSION") {
            return Err(SavedPlanError::Version {
                found: plan.tool_version,
            });
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SavedPlan {
        let plan = Plan {
            tenant: "tenants/prod.yaml".into(),
            actions: Vec::new(),
            bindings: Vec::new(),
            unowned: Vec::new(),
            warnings: Vec::new(),
            kept: Vec::new(),
            live: Default::default(),
            not_compared: Default::default(),
            flows: Vec::new(),
        };
        let fps = [(
            "a".to_string(),
            [("K".to_string(), "argon2id$x".to_string())].into(),
        )]
        .into();
        SavedPlan::new(vec![SavedTenant {
            file: "tenants/prod.yaml".into(),
            plan,
            secret_fingerprints: fps,
            prune: false,
            secret_values: true,
        }])
    }

    #[test]
    fn round_trips_and_detects_edits() {
        let text = sample().to_text();
        assert_eq!(SavedPlan::parse(&text).unwrap(), sample());
        let edited = text.replace("tenants/prod.yaml", "tenants/dev.yaml");
        assert_eq!(SavedPlan::parse(&edited), Err(SavedPlanError::Tampered));
        assert!(matches!(
            SavedPlan::parse("{}"),
            Err(SavedPlanError::Format { found: 0 })
        ));
        assert!(matches!(
            SavedPlan::parse("not json"),
            Err(SavedPlanError::Parse(_))
        ));
    }
}
