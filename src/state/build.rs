//! Builds the desired state of a tenant: every action rendered with the fingerprints of its
//! secret values (when they are known), and the flow's bindings. Pure given its inputs.

use std::collections::BTreeMap;

use crate::config::load::LoadedTenant;
use crate::error::Error;
use crate::render::header::UNSET;
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

/// The desired state for plan and apply.
pub fn desired(tenant: &LoadedTenant, values: &SecretValues) -> Result<DesiredState, Error> {
    state_of(tenant, render_all(tenant, Some(values))?)
}

/// The desired state without secret values (every fingerprint `unset`), for `diff`, which
/// compares configs offline: secrets compare by name.
pub fn desired_offline(tenant: &LoadedTenant) -> Result<DesiredState, Error> {
    let rendered = render_all(tenant, None)?
        .into_iter()
        .map(|(r, _)| {
            let unset = r.secrets.iter().map(|s| (s.clone(), UNSET.to_owned()));
            let fps = unset.collect();
            (r, fps)
        })
        .collect();
    state_of(tenant, rendered)
}

fn state_of(tenant: &LoadedTenant, rendered: Vec<Rendered>) -> Result<DesiredState, Error> {
    let flow = tenant.config.flow.clone().unwrap_or_default();
    let actions = rendered
        .into_iter()
        .map(|(r, fps)| {
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
    })
}
