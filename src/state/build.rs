//! Builds the desired state of a tenant: every action rendered with the fingerprints of its
//! secret values (when they are known), and the flow's bindings. Pure given its inputs.

use std::collections::BTreeMap;

use crate::config::load::LoadedTenant;
use crate::error::Error;
use crate::render::{RenderContext, RenderedAction, render_action, secrets_needed};
use crate::secrets::SecretValues;

use super::desired::{DesiredAction, DesiredState};

/// A rendered action with the fingerprints of its secret values.
pub type Rendered = (RenderedAction, BTreeMap<String, String>);

/// Renders every action of a validated tenant. Without `values`, fingerprints render as `unset`
/// (for `render`); plan and apply always pass the values.
pub fn render_all(
    tenant: &LoadedTenant,
    values: Option<&SecretValues>,
) -> Result<Vec<Rendered>, Error> {
    let cfg = &tenant.config;
    let domain = cfg.tenant.as_ref().map(|t| t.domain.as_str()).unwrap_or("");
    let defaults = cfg.defaults.clone().unwrap_or_default();
    let mut out = Vec::new();
    for (name, action) in &cfg.actions {
        let fps: BTreeMap<String, String> = values
            .map(|v| {
                secrets_needed(action)
                    .into_iter()
                    .filter_map(|s| {
                        v.get(&s).map(|val| {
                            (
                                s.clone(),
                                crate::fingerprint::fingerprint(domain, name, &s, val.expose()),
                            )
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let custom = tenant
            .custom_code
            .get(name)
            .and_then(|c| c.as_ref().ok())
            .map(String::as_str);
        let ctx = RenderContext {
            tenant_domain: domain,
            owner: tenant.config.owner(),
            defaults: &defaults,
            secret_fingerprints: &fps,
            template_dir: tenant.template_dir.as_deref(),
            custom_code: custom,
        };
        let rendered = render_action(&ctx, name, action).map_err(|e| {
            Error::other(
                format!(
                    "{}: cannot render action `{name}`: {e}",
                    tenant.path().display()
                ),
                None,
            )
        })?;
        out.push((rendered, fps));
    }
    Ok(out)
}

/// The desired state for plan and apply. Without `values` (`plan --no-secret-values`) every
/// secret an action reads has the fingerprint `unset`, and the state says so.
pub fn desired(
    tenant: &LoadedTenant,
    values: Option<&SecretValues>,
) -> Result<DesiredState, Error> {
    let flow = tenant.config.flow.clone().unwrap_or_default();
    let actions = render_all(tenant, values)?
        .into_iter()
        .map(|(r, fps)| {
            let fps = match values {
                Some(_) => fps,
                None => unknown_fingerprints(tenant, &r.name),
            };
            let d = DesiredAction {
                name: r.name.clone(),
                trigger: r.trigger,
                runtime: r.runtime,
                code: r.code,
                dependencies: r.dependencies,
                secrets: fps,
            };
            (r.name, d)
        })
        .collect();
    Ok(DesiredState {
        actions,
        bindings: flow
            .triggers()
            .into_iter()
            .map(|(t, l)| (t, l.to_vec()))
            .collect(),
        unmanaged: flow.unmanaged,
        prune: flow.prune,
        owner: tenant.config.owner().to_owned(),
        without_secret_values: values.is_none(),
    })
}

/// Every secret `name` reads, each with the fingerprint `unset`.
fn unknown_fingerprints(tenant: &LoadedTenant, name: &str) -> BTreeMap<String, String> {
    let needed = tenant
        .config
        .actions
        .get(name)
        .map(secrets_needed)
        .unwrap_or_default();
    needed
        .into_iter()
        .map(|s| (s, crate::render::header::UNSET.to_string()))
        .collect()
}
