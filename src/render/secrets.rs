//! The secrets an action reads from `event.secrets`.

use crate::config::action::ActionConfig;
use crate::config::kinds::EnrichAuth;

/// Names of the secrets the action's code needs, sorted and without duplicates. Generated kinds
/// infer them from their options; `custom` lists its own.
pub fn secrets_needed(action: &ActionConfig) -> Vec<String> {
    let mut names: Vec<String> = match action {
        ActionConfig::Claims(_) => Vec::new(),
        ActionConfig::Hasura(a) => a.spec.sync.iter().map(|s| s.admin_secret.clone()).collect(),
        ActionConfig::Tinybird(a) => vec![a.spec.signing_key.clone()],
        ActionConfig::Enrich(a) => match &a.spec.auth {
            None => Vec::new(),
            Some(EnrichAuth::M2m(m)) => [
                Some(m.client_secret.as_str()),
                m.client_id.secret(),
                m.token_url.secret(),
            ]
            .into_iter()
            .flatten()
            .map(str::to_owned)
            .collect(),
            Some(EnrichAuth::Bearer { secret }) | Some(EnrichAuth::Header { secret, .. }) => {
                vec![secret.clone()]
            }
        },
        ActionConfig::Profile(a) => [
            Some(a.spec.client_secret.as_str()),
            a.spec.client_id.secret(),
        ]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .collect(),
        ActionConfig::Custom(a) => a.spec.secrets.clone(),
    };
    names.sort();
    names.dedup();
    names
}
