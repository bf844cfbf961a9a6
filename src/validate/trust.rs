//! Trust of event fields: a value that decides what a token may do must not come from data the
//! user can edit. Security-relevant here: Tinybird `fixed_params` (row-level security), Hasura
//! session variables and `user_id` (what Hasura permissions compare against), and the `when`
//! of Hasura role rules (which roles a token gets). A warning for each that reads user-editable
//! data; an error when such a condition grants a role of the action's `privileged_roles`.

use crate::config::action::Condition;
use crate::config::kinds::{HasuraSpec, TinybirdSpec};
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::Code;
use crate::diagnostics::Finding;

/// Why a post-login event path is not to be trusted, and what to use instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untrusted {
    /// `user.user_metadata`: the user can write it (sign-up, and the Management API's
    /// `update:current_user_metadata` scope for their own profile).
    UserMetadata,
    /// A profile field the user sets at sign-up (`/dbconnections/signup` takes `name`,
    /// `nickname`, `given_name`, `family_name`, `picture`, `username`) or that comes from a
    /// social or enterprise profile the user edits at the provider, as does `profileData`.
    Profile,
    /// `user.email`, `user.phone_number`: chosen by the user, and unverified until proven.
    Contact,
    /// Sent by the client with the login request: query, body, headers, login hint, state.
    Request,
}

/// The user-editable parts of the post-login event (see [`Untrusted`]). Everything else is set
/// by Auth0 or by the tenant's administrators (`app_metadata`, roles, client and connection
/// metadata, organization) and is trusted.
const UNTRUSTED: &[(&str, Untrusted)] = &[
    ("user.user_metadata", Untrusted::UserMetadata),
    ("user.name", Untrusted::Profile),
    ("user.nickname", Untrusted::Profile),
    ("user.given_name", Untrusted::Profile),
    ("user.family_name", Untrusted::Profile),
    ("user.picture", Untrusted::Profile),
    ("user.username", Untrusted::Profile),
    ("user.email", Untrusted::Contact),
    ("user.phone_number", Untrusted::Contact),
    ("request.query", Untrusted::Request),
    ("request.body", Untrusted::Request),
    ("request.user_agent", Untrusted::Request),
    ("request.language", Untrusted::Request),
    ("transaction.login_hint", Untrusted::Request),
    ("transaction.state", Untrusted::Request),
    ("transaction.ui_locales", Untrusted::Request),
    ("transaction.requested_scopes", Untrusted::Request),
];

/// Whether an event path reads user-editable data, and which kind.
pub fn untrusted(path: &str) -> Option<Untrusted> {
    let below = |p: &str| path == p || path.starts_with(&format!("{p}."));
    if let Some(rest) = path.strip_prefix("user.identities.") {
        // `user.identities.N.profileData…`: the provider's profile.
        let mut segs = rest.split('.');
        if segs.next().is_some() && segs.next() == Some("profileData") {
            return Some(Untrusted::Profile);
        }
    }
    UNTRUSTED
        .iter()
        .find(|(p, _)| below(p))
        .map(|(_, why)| *why)
}

impl Untrusted {
    fn why(self, path: &str) -> String {
        match self {
            Untrusted::UserMetadata => {
                format!("`{path}` is `user_metadata`, which the user can edit")
            }
            Untrusted::Profile => format!(
                "`{path}` is a profile field the user sets (at sign-up or at their identity provider)"
            ),
            Untrusted::Contact => {
                format!("`{path}` is chosen by the user and may be unverified")
            }
            Untrusted::Request => {
                format!("`{path}` is sent by the client with the login request")
            }
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Untrusted::Contact => {
                "use `user.user_id` or `user.app_metadata`, which only Auth0 and your backend can write (or require `email_verified: true`)"
            }
            _ => "use `user.app_metadata`, which only Auth0 and your backend can write",
        }
    }
}

fn warn(path: &str, what: &str, ptr: String, out: &mut Vec<Finding>) {
    if let Some(why) = untrusted(path) {
        let msg = format!(
            "{what} comes from data the user controls: {}",
            why.why(path)
        );
        out.push(Finding::warning(Code::UntrustedInput, ptr, msg).hint(Some(why.hint().into())));
    }
}

/// The row filters of a tinybird action (`base`: its pointer).
pub fn tinybird(spec: &TinybirdSpec, base: &str, out: &mut Vec<Finding>) {
    for (i, scope) in spec.scopes.iter().enumerate() {
        for (param, path) in &scope.fixed_params {
            let ptr = format!("{base}/scopes/{i}/fixed_params/{}", escape_pointer(param));
            let what = format!("the Tinybird row filter `{param}`");
            warn(path, &what, ptr, out);
        }
    }
}

/// The user id, session variables and role rules of a hasura action (`base`: its pointer).
pub fn hasura(spec: &HasuraSpec, base: &str, out: &mut Vec<Finding>) {
    if let Some(path) = &spec.user_id {
        warn(path, "`x-hasura-user-id`", format!("{base}/user_id"), out);
    }
    for (var, path) in &spec.session_variables {
        let ptr = format!("{base}/session_variables/{}", escape_pointer(var));
        warn(
            path,
            &format!("the Hasura session variable `{var}`"),
            ptr,
            out,
        );
    }
    for (i, rule) in spec.role_rules.iter().enumerate() {
        let Some((path, why)) = condition(&rule.when) else {
            continue;
        };
        let ptr = format!("{base}/role_rules/{i}/when/path");
        let granted: Vec<&String> = std::iter::once(&rule.default_role)
            .chain(&rule.allowed_roles)
            .filter(|r| spec.privileged_roles.contains(r))
            .collect();
        match granted.first() {
            Some(role) => {
                let msg = format!(
                    "this rule grants the privileged Hasura role `{role}` on data the user controls: {}",
                    why.why(path)
                );
                let hint = format!(
                    "{}; roles in `privileged_roles` must not depend on it",
                    why.hint()
                );
                out.push(Finding::error(Code::UntrustedRole, ptr, msg).hint(Some(hint)));
            }
            None => {
                let msg = format!(
                    "this rule grants Hasura roles on data the user controls: {}",
                    why.why(path)
                );
                out.push(
                    Finding::warning(Code::UntrustedInput, ptr, msg).hint(Some(why.hint().into())),
                );
            }
        }
    }
}

/// The user-editable path a condition tests, if any. A contact field is trusted when the same
/// condition requires a verified email.
fn condition(when: &Condition) -> Option<(&str, Untrusted)> {
    let path = when.path.as_deref()?;
    let why = untrusted(path)?;
    let verified = when.email_verified == Some(true) && path == "user.email";
    (!verified).then_some((path, why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_editable_paths() {
        for p in [
            "user.user_metadata",
            "user.user_metadata.role",
            "user.name",
            "user.email",
            "user.identities.0.profileData.email",
            "request.query.role",
        ] {
            assert!(untrusted(p).is_some(), "{p}");
        }
        for p in [
            "user.app_metadata.role",
            "user.user_id",
            "user.user_metadata_x",
            "user.nicknames",
            "authorization.roles",
            "user.identities.0.user_id",
            "organization.metadata.tier",
        ] {
            assert_eq!(untrusted(p), None, "{p}");
        }
    }
}
