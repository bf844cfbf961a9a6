//! Secret values for plan and apply: read from the environment or files named in the tenant's
//! `secrets`, all of them checked before any request is sent, and every missing one reported at
//! once. Values live only in [`Secret`], which never prints them.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::model::ConfigFile;
use crate::error::Error;
use crate::tenant::credentials::read_source;
use crate::tenant::secret::Secret;

/// Secret name → value.
#[derive(Debug, Clone, Default)]
pub struct SecretValues(BTreeMap<String, Secret>);

impl SecretValues {
    /// The value of a secret, if it was read.
    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.0.get(name)
    }

    /// Every value, for redaction.
    pub fn values(&self) -> impl Iterator<Item = &Secret> {
        self.0.values()
    }

    /// Builds values from a map (tests, `loginflow test`).
    pub fn from_map(map: BTreeMap<String, Secret>) -> Self {
        SecretValues(map)
    }
}

/// Reads every declared secret of a tenant from the process environment and files.
pub fn read_all(cfg: &ConfigFile, base_dir: &Path, tenant: &str) -> Result<SecretValues, Error> {
    read_all_with(cfg, base_dir, tenant, &|name| std::env::var(name).ok())
}

/// Like [`read_all`] with an injected environment.
pub fn read_all_with(
    cfg: &ConfigFile,
    base_dir: &Path,
    tenant: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<SecretValues, Error> {
    let mut values = BTreeMap::new();
    let mut missing = Vec::new();
    for (name, source) in &cfg.secrets {
        match read_source(source, base_dir, env) {
            Ok(v) => {
                values.insert(name.clone(), v);
            }
            Err(why) => missing.push(format!("  `{name}`: {why}")),
        }
    }
    if missing.is_empty() {
        return Ok(SecretValues(values));
    }
    Err(Error::other(
        format!(
            "{tenant}: {} secret value(s) missing; nothing was sent\n{}",
            missing.len(),
            missing.join("\n")
        ),
        Some("export the variables (or create the files) named in the tenant's `secrets`".into()),
    ))
}
