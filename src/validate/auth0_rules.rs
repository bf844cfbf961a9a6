//! Auth0's own rules, checked before Auth0 would refuse (or silently ignore) them: action names,
//! restricted claim names and reserved namespaces, bindings per trigger, secrets per action, claim
//! payload size, the tenant domain, outbound URLs, npm dependencies, and event paths.

use super::walk;
use crate::config::action::{ActionConfig, Token};
use crate::config::load::LoadedTenant;
use crate::config::target::Target;
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::Code;
use crate::diagnostics::Finding;
use crate::diagnostics::suggest::did_you_mean;

/// Claim names Auth0 silently drops (post-login custom claim rules).
pub const RESTRICTED_CLAIMS: &[&str] = &[
    "acr",
    "act",
    "active",
    "amr",
    "at_hash",
    "ath",
    "attest",
    "aud",
    "auth_time",
    "authorization_details",
    "azp",
    "c_hash",
    "client_id",
    "cnf",
    "cty",
    "dest",
    "entitlements",
    "events",
    "exp",
    "groups",
    "gty",
    "htm",
    "htu",
    "iat",
    "internalService",
    "iss",
    "jcard",
    "jku",
    "jti",
    "jwe",
    "jwk",
    "kid",
    "may_act",
    "mky",
    "nbf",
    "nonce",
    "object_id",
    "org_id",
    "org_name",
    "orig",
    "origid",
    "permissions",
    "roles",
    "rph",
    "s_hash",
    "sid",
    "sip_callid",
    "sip_cseq_num",
    "sip_date",
    "sip_from_tag",
    "sip_via_branch",
    "sub",
    "sub_jwk",
    "toe",
    "txn",
    "typ",
    "uuid",
    "vot",
    "vtm",
    "x5t#S256",
];

/// Limits from Auth0's entity limit policy.
pub const MAX_BINDINGS_PER_TRIGGER: usize = 20;
pub const MAX_SECRETS_PER_ACTION: usize = 30;
pub const MAX_DEPENDENCIES: usize = 10;
pub const MAX_CLAIMS_BYTES: usize = 100 * 1024;

/// Checks a merged tenant against Auth0's rules.
pub fn check(tenant: &LoadedTenant) -> Vec<Finding> {
    let cfg = &tenant.config;
    let mut out = Vec::new();
    if let Some(t) = &cfg.tenant
        && let Err(e) = Target::parse(&t.domain)
    {
        out.push(Finding::error(
            Code::BadDomain,
            "/tenant/domain",
            format!("`{}`: {e}", t.domain),
        ));
    }
    if let Some(flow) = &cfg.flow {
        for (trigger, list) in flow.triggers() {
            if list.len() > MAX_BINDINGS_PER_TRIGGER {
                let msg = format!(
                    "{} actions bound to `{}`; Auth0 allows {MAX_BINDINGS_PER_TRIGGER}",
                    list.len(),
                    trigger.id()
                );
                out.push(
                    Finding::error(
                        Code::TooManyBindings,
                        format!("/flow/{}", trigger.id()),
                        msg,
                    )
                    .on_key(),
                );
            }
        }
    }
    for (name, action) in &cfg.actions {
        let base = format!("/actions/{}", escape_pointer(name));
        action_name(name, &base, &mut out);
        claims(action, &base, &mut out);
        paths(action, &base, &mut out);
        urls(action, &base, &mut out);
        limits(tenant, name, action, &base, &mut out);
    }
    out
}

/// Whether a config may name an action so: 1–100 characters, no control characters, no leading
/// or trailing spaces. (`import` leaves out live actions whose names fail this.)
pub fn usable_action_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 100
        && name.trim() == name
        && !name.chars().any(char::is_control)
}

/// The name of the action that holds a tenant's apply lock (`src/lock`): reserved, so that no
/// config can name an action so.
pub const LOCK_ACTION: &str = "loginflow-apply-lock";

fn action_name(name: &str, base: &str, out: &mut Vec<Finding>) {
    if name == LOCK_ACTION {
        let msg = format!(
            "action name `{LOCK_ACTION}` is reserved: loginflow keeps a tenant's apply lock under it"
        );
        out.push(Finding::error(Code::ActionName, base, msg).on_key());
        return;
    }
    if !usable_action_name(name) {
        let msg = format!(
            "action name `{}` is not usable: 1–100 characters, no control characters, no leading or trailing spaces",
            name.escape_debug()
        );
        out.push(Finding::error(Code::ActionName, base, msg).on_key());
    }
}

fn claims(action: &ActionConfig, base: &str, out: &mut Vec<Finding>) {
    if let ActionConfig::Claims(a) = action {
        for (i, c) in a.spec.claims.iter().enumerate() {
            if c.value.is_some() == c.path.is_some() {
                let msg = format!("claim `{}` needs exactly one of `value` and `path`", c.name);
                out.push(Finding::error(
                    Code::ClaimValue,
                    format!("{base}/claims/{i}"),
                    msg,
                ));
            }
            if c.tokens.is_empty() {
                out.push(Finding::error(
                    Code::ClaimValue,
                    format!("{base}/claims/{i}/tokens"),
                    "`tokens` is empty: the claim would go nowhere",
                ));
            }
        }
    }
    let mut sizes = [0usize; 2];
    for c in walk::claims(action) {
        let ptr = format!("{base}{}", c.ptr);
        claim_name(&c.value.name, &ptr, &c.value.tokens, out);
        let size = c
            .value
            .literal
            .as_ref()
            .map_or(0, |v| v.to_string().len() + c.value.name.len());
        for t in &c.value.tokens {
            sizes[usize::from(*t == Token::Access)] += size;
        }
    }
    for (i, token) in ["ID", "access"].iter().enumerate() {
        if sizes[i] > MAX_CLAIMS_BYTES {
            let msg = format!(
                "literal claims on the {token} token add up to {} bytes; Auth0 fails logins above {MAX_CLAIMS_BYTES}",
                sizes[i]
            );
            out.push(Finding::error(Code::ClaimSize, base.to_string(), msg).on_key());
        }
    }
}

fn claim_name(name: &str, ptr: &str, tokens: &[Token], out: &mut Vec<Finding>) {
    if name.is_empty() {
        out.push(Finding::error(
            Code::RestrictedClaim,
            ptr,
            "claim name is empty",
        ));
        return;
    }
    if RESTRICTED_CLAIMS.contains(&name) {
        let msg = format!("`{name}` is a restricted claim name: Auth0 silently drops it");
        let hint = Some(format!(
            "use a namespaced name such as `https://example.com/{name}`"
        ));
        out.push(Finding::error(Code::RestrictedClaim, ptr, msg).hint(hint));
        return;
    }
    if walk::is_namespaced(name) {
        let host = name
            .split("://")
            .nth(1)
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let reserved = ["auth0.com", "webtask.io", "webtask.run"]
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")));
        if reserved || name.starts_with("urn:auth0") {
            let msg = format!(
                "claim `{name}` uses a namespace Auth0 reserves (`auth0.com`, `webtask.io`, `webtask.run`, `urn:auth0`)"
            );
            out.push(Finding::error(Code::RestrictedClaim, ptr, msg));
        }
    } else if tokens.contains(&Token::Access) {
        let msg = format!(
            "claim `{name}` is not namespaced: access tokens for Auth0 APIs cannot carry it"
        );
        let hint = Some("prefix it with a URL you own, e.g. `https://example.com/`".to_string());
        out.push(Finding::warning(Code::NonNamespacedClaim, ptr, msg).hint(hint));
    }
}

fn paths(action: &ActionConfig, base: &str, out: &mut Vec<Finding>) {
    for p in walk::event_paths(action) {
        if let Err(e) = crate::event_paths::check(&p.value) {
            let seg = p.value.split('.').nth(e.segment).unwrap_or("");
            let prefix: Vec<&str> = p.value.split('.').take(e.segment).collect();
            let at = if prefix.is_empty() {
                "the event".to_string()
            } else {
                format!("`event.{}`", prefix.join("."))
            };
            let msg = format!(
                "`{}` is not a post-login event path: {at} has no field `{seg}`",
                p.value
            );
            let hint = did_you_mean(seg, e.known.iter().copied());
            out.push(Finding::error(Code::EventPath, format!("{base}{}", p.ptr), msg).hint(hint));
        }
    }
}

fn urls(action: &ActionConfig, base: &str, out: &mut Vec<Finding>) {
    for u in walk::urls(action) {
        let ok = match u.value.strip_prefix("https://") {
            Some(rest) => !rest.is_empty() && !rest.starts_with('/'),
            None => matches!(
                Target::parse(
                    u.value
                        .split('/')
                        .take(3)
                        .collect::<Vec<_>>()
                        .join("/")
                        .as_str()
                ),
                Ok(Target::Loopback { .. })
            ),
        };
        if !ok {
            let msg = format!(
                "`{}` is not an https URL (plain http is allowed for loopback only)",
                u.value
            );
            out.push(Finding::error(Code::Url, format!("{base}{}", u.ptr), msg));
        }
    }
}

fn limits(
    tenant: &LoadedTenant,
    name: &str,
    action: &ActionConfig,
    base: &str,
    out: &mut Vec<Finding>,
) {
    let secrets = walk::secrets(action);
    if secrets.len() > MAX_SECRETS_PER_ACTION {
        let msg = format!(
            "{} secrets; Auth0 allows {MAX_SECRETS_PER_ACTION} per action",
            secrets.len()
        );
        out.push(Finding::error(Code::TooManySecrets, format!("{base}/secrets"), msg).on_key());
    }
    let kind = action.kind();
    if kind != "custom" && walk::trigger_of(action) != crate::config::Trigger::PostLogin {
        let msg = format!("`{kind}` actions run on `post-login` only");
        out.push(Finding::error(
            Code::WrongTrigger,
            format!("{base}/trigger"),
            msg,
        ));
    }
    let ActionConfig::Custom(a) = action else {
        return;
    };
    if let Some(Err(e)) = tenant.custom_code.get(name) {
        let msg = format!("cannot read code file `{}`: {e}", a.spec.code);
        out.push(Finding::error(
            Code::CustomCode,
            format!("{base}/code"),
            msg,
        ));
    }
    if a.spec.dependencies.len() > MAX_DEPENDENCIES {
        let msg = format!(
            "{} dependencies; Auth0 allows {MAX_DEPENDENCIES}",
            a.spec.dependencies.len()
        );
        out.push(Finding::error(Code::Dependency, format!("{base}/dependencies"), msg).on_key());
    }
    for (pkg, version) in &a.spec.dependencies {
        let exact = !version.is_empty()
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c));
        if !exact {
            let msg = format!(
                "dependency `{pkg}` needs an exact version, not `{version}`, so that builds are reproducible"
            );
            out.push(Finding::error(
                Code::Dependency,
                format!("{base}/dependencies/{}", escape_pointer(pkg)),
                msg,
            ));
        }
    }
}
