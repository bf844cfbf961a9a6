//! One tenant's test cases, with the tenant's post-login flow rendered for the harness.

use std::collections::BTreeMap;

use crate::config::load::LoadedTenant;
use crate::config::test_case::TestCase;
use crate::node::JobAction;
use crate::render::{RenderContext, RenderError, render_action};

/// The cases of one tenant file and the flow they run through.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The tenant file as shown in output, e.g. `tenants/hasura.yaml`.
    pub file: String,
    /// `event.tenant.id` of the cases: the first label of the tenant's domain.
    pub tenant_id: String,
    /// The actions of `flow.post-login`, rendered, in order.
    pub actions: Vec<JobAction>,
    /// The cases selected by the filter, in file order.
    pub cases: Vec<TestCase>,
}

/// Whether a case is selected by `--filter`: a case-insensitive substring of its name.
pub fn selected(name: &str, filter: Option<&str>) -> bool {
    filter.is_none_or(|f| name.to_lowercase().contains(&f.to_lowercase()))
}

/// Renders the tenant's post-login flow and selects its cases. Secret fingerprints render as
/// `unset`: a test's secret values come from the case and never reach the code.
pub fn suite(
    tenant: &LoadedTenant,
    file: &str,
    filter: Option<&str>,
) -> Result<Suite, RenderError> {
    let config = &tenant.config;
    let domain = config
        .tenant
        .as_ref()
        .map_or("local", |t| t.domain.as_str());
    let defaults = config.defaults.clone().unwrap_or_default();
    let no_fingerprints = BTreeMap::new();
    let flow: &[String] = config
        .flow
        .as_ref()
        .and_then(|f| f.post_login.as_deref())
        .unwrap_or_default();
    let mut actions = Vec::new();
    for name in flow {
        // Validation has checked that every bound action exists.
        let Some(action) = config.actions.get(name) else {
            continue;
        };
        let custom_code = match tenant.custom_code.get(name) {
            Some(Ok(code)) => Some(code.as_str()),
            _ => None,
        };
        let ctx = RenderContext {
            tenant_domain: domain,
            owner: tenant.config.owner(),
            defaults: &defaults,
            secret_fingerprints: &no_fingerprints,
            template_dir: tenant.template_dir.as_deref(),
            custom_code,
        };
        let rendered = render_action(&ctx, name, action)?;
        actions.push(JobAction {
            name: rendered.name,
            code: rendered.code,
            secrets: Some(rendered.secrets),
        });
    }
    let cases = config
        .tests
        .iter()
        .filter(|c| selected(&c.name, filter))
        .cloned()
        .collect();
    Ok(Suite {
        file: file.to_owned(),
        tenant_id: tenant_id(domain),
        actions,
        cases,
    })
}

/// `acme.eu.auth0.com` → `acme`; a loopback emulator URL → `local`.
fn tenant_id(domain: &str) -> String {
    if domain.starts_with("http://") || domain.starts_with("https://") {
        return "local".to_owned();
    }
    domain.split('.').next().unwrap_or(domain).to_owned()
}
