//! Auth0's size limit on an action's code, checked on the `custom` code file and on the code of
//! every action as rendered (managed header included), so that `apply` never meets a 413.

use std::collections::BTreeMap;

use crate::config::action::ActionConfig;
use crate::config::load::LoadedTenant;
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::Code;
use crate::diagnostics::Finding;
use crate::render::{RenderContext, render_action, secrets_needed};

/// "Each Action should not exceed 100 kB" (Auth0 docs, Actions Limitations:
/// <https://auth0.com/docs/customize/actions/limitations>; npm modules are not counted). Read as
/// 100,000 bytes, the smaller of the two readings of kB.
pub const MAX_ACTION_CODE_BYTES: usize = 100_000;

/// Stands in for a secret fingerprint in the managed header: at least as long as the Argon2id
/// PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<22>$<43>`, 97 characters), so that the size
/// measured here bounds the size deployed.
const FINGERPRINT_BOUND: usize = 128;

/// Checks every action's code size.
pub fn check(tenant: &LoadedTenant) -> Vec<Finding> {
    let cfg = &tenant.config;
    let mut out = Vec::new();
    let defaults = cfg.defaults.clone().unwrap_or_default();
    let domain = cfg.tenant.as_ref().map_or("", |t| t.domain.as_str());
    for (name, action) in &cfg.actions {
        let base = format!("/actions/{}", escape_pointer(name));
        let custom = tenant
            .custom_code
            .get(name)
            .and_then(|c| c.as_ref().ok())
            .map(String::as_str);
        if let (ActionConfig::Custom(a), Some(code)) = (action, custom)
            && code.len() > MAX_ACTION_CODE_BYTES
        {
            let msg = format!(
                "code file `{}` is {} bytes; Auth0 refuses an action's code above 100 kB ({MAX_ACTION_CODE_BYTES} bytes)",
                a.spec.code,
                code.len()
            );
            let hint = "move code into an npm dependency (not counted) or split the action";
            out.push(
                Finding::error(Code::CodeSize, format!("{base}/code"), msg).hint(Some(hint.into())),
            );
            continue;
        }
        let fingerprints: BTreeMap<String, String> = secrets_needed(action)
            .into_iter()
            .map(|s| (s, "x".repeat(FINGERPRINT_BOUND)))
            .collect();
        let ctx = RenderContext {
            tenant_domain: domain,
            owner: tenant.config.owner(),
            defaults: &defaults,
            secret_fingerprints: &fingerprints,
            template_dir: tenant.template_dir.as_deref(),
            custom_code: custom,
        };
        // A render error is reported where the action is rendered; only the size is checked here.
        let Ok(rendered) = render_action(&ctx, name, action) else {
            continue;
        };
        if rendered.code.len() > MAX_ACTION_CODE_BYTES {
            let msg = format!(
                "action `{name}` renders to {} bytes of code; Auth0 refuses an action's code above 100 kB ({MAX_ACTION_CODE_BYTES} bytes)",
                rendered.code.len()
            );
            let finding = match action {
                ActionConfig::Custom(_) => {
                    Finding::error(Code::CodeSize, format!("{base}/code"), msg)
                }
                _ => Finding::error(Code::CodeSize, base, msg).on_key(),
            };
            let hint =
                "make the action's lists and literals smaller, or split it into several actions";
            out.push(finding.hint(Some(hint.into())));
        }
    }
    out
}
