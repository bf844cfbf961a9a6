//! Rendering: validated action config → the JavaScript of an Auth0 Action.
//!
//! Generated kinds are rendered from the minijinja templates in `templates/` (embedded in the
//! binary, overridable per tenant); `custom` deploys the user's file. Every action starts with
//! the managed header of [`header`]. The same input always renders byte-identical code.

pub mod config;
mod data;
mod env;
mod error;
pub mod header;
mod kinds;
pub mod record;
mod resolve;
mod secrets;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

pub use env::{BUILTIN as BUILTIN_TEMPLATES, harden_json, template_names};
pub use error::RenderError;
pub use header::{ManagedHeader, parse_header, same_code, strip_header, with_fingerprints};
pub use record::{ApplyRecord, parse_record, strip_record, with_record};
pub use resolve::{DEFAULT_DENY_MESSAGE, DEFAULT_TIMEOUT_MS, Resolved, resolve};
pub use secrets::secrets_needed;

use crate::config::action::{ActionConfig, Runtime, Trigger};
use crate::config::model::Defaults;

/// What the renderer needs besides the action itself.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// The tenant's domain, e.g. `acme.eu.auth0.com`, or `local`.
    pub tenant_domain: &'a str,
    /// The tenant file's owner (`tenant.owner`), written in the managed header.
    pub owner: &'a str,
    /// The tenant's `defaults`.
    pub defaults: &'a Defaults,
    /// Secret name → fingerprint; a name missing here renders as `unset`.
    pub secret_fingerprints: &'a BTreeMap<String, String>,
    /// The template override folder, already resolved.
    pub template_dir: Option<&'a Path>,
    /// For `custom`: the content of the action's file, read by the caller.
    pub custom_code: Option<&'a str>,
}

/// One rendered action, ready to be compared with the tenant or deployed.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedAction {
    pub name: String,
    pub kind: &'static str,
    pub trigger: Trigger,
    pub runtime: Runtime,
    /// The code, managed header included.
    pub code: String,
    /// npm dependencies (only `custom` has any).
    pub dependencies: BTreeMap<String, String>,
    /// Names of the secrets the code reads, sorted.
    pub secrets: Vec<String>,
}

/// Renders one action.
pub fn render_action(
    ctx: &RenderContext,
    name: &str,
    action: &ActionConfig,
) -> Result<RenderedAction, RenderError> {
    let resolved = resolve(action, ctx.defaults);
    let secrets = secrets_needed(action);
    let header = ManagedHeader {
        owner: ctx.owner.to_owned(),
        action: name.to_owned(),
        kind: action.kind().to_owned(),
        secrets: secrets
            .iter()
            .map(|s| {
                let fp = ctx.secret_fingerprints.get(s);
                (
                    s.clone(),
                    fp.map_or(header::UNSET, String::as_str).to_owned(),
                )
            })
            .collect(),
    };
    let (body, dependencies) = match action {
        ActionConfig::Custom(custom) => {
            let code = ctx
                .custom_code
                .ok_or_else(|| RenderError::MissingCustomCode {
                    action: name.to_owned(),
                })?;
            // A file imported from a managed action already carries a header: keep just one.
            (
                strip_header(code).to_owned(),
                custom.spec.dependencies.clone(),
            )
        }
        _ => {
            let config = config::action_config(action, ctx.defaults)
                .and_then(|c| config::config_line(&c))
                .unwrap_or_default();
            (
                config + &render_template(ctx, name, action, &resolved)?,
                BTreeMap::new(),
            )
        }
    };
    Ok(RenderedAction {
        name: name.to_owned(),
        kind: action.kind(),
        trigger: resolved.trigger,
        runtime: resolved.runtime,
        code: header.render() + &body,
        dependencies,
        secrets,
    })
}

/// Renders the kind's template (without the header).
fn render_template(
    ctx: &RenderContext,
    name: &str,
    action: &ActionConfig,
    resolved: &Resolved,
) -> Result<String, RenderError> {
    let Some(spec) = kinds::spec_data(name, action, ctx.tenant_domain)? else {
        return Err(RenderError::MissingCustomCode {
            action: name.to_owned(),
        });
    };
    let data = json!({
        "action": name,
        "kind": action.kind(),
        "on_failure": resolved.on_failure,
        "deny_message": resolved.deny_message,
        "timeout_ms": resolved.timeout_ms,
        "skip": data::skip(resolved.skip.as_ref()),
        "spec": spec,
    });
    let template_name = format!("{}.js.j2", action.kind());
    let fail = |source| RenderError::Template {
        template: template_name.clone(),
        source,
    };
    let value = minijinja::Value::from(minijinja::value::Serde(&data));
    match ctx.template_dir {
        None => env::builtin()?
            .get_template(&template_name)
            .and_then(|t| t.render(value))
            .map_err(fail),
        Some(dir) => env::with_overrides(dir)?
            .get_template(&template_name)
            .and_then(|t| t.render(value))
            .map_err(fail),
    }
}
