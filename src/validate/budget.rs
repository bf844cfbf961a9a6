//! The login time budget: Auth0 fails a login whose trigger runs past 20 seconds, whatever each
//! action's `on_failure` says. A flow's worst case is the sum over its actions of outbound calls
//! × the action's timeout (generated actions never retry, so no retries add to it); a flow that
//! can exceed the budget is an error, one within 25% of it a warning, naming every action.
//!
//! Calls per kind, each waiting at most the action's `timeout_ms`:
//! - `enrich`: the backend, plus the M2M token request under `auth: m2m` (a cache miss);
//! - `profile`: the M2M token request and the Management API user read;
//! - `hasura`: the user sync when `sync` is set, else none;
//! - `claims`, `tinybird`: none (Tinybird tokens are signed locally);
//! - `custom`: unknown, so not counted; the diagnostic names such actions as not counted.

use std::collections::BTreeMap;

use crate::config::action::{ActionConfig, Trigger};
use crate::config::kinds::EnrichAuth;
use crate::config::model::{ConfigFile, Defaults};
use crate::diagnostics::{Code, Finding};
use crate::render::resolve;

/// Auth0's limit on one execution of a trigger (Actions Limitations).
pub const LOGIN_BUDGET_MS: u64 = 20_000;
/// A flow whose worst case reaches this (within 25% of the budget) gets a warning.
pub const WARN_AT_MS: u64 = LOGIN_BUDGET_MS * 3 / 4;

/// What one action can cost in the worst case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// `calls` outbound calls, each waiting at most `timeout_ms`.
    Calls { calls: u32, timeout_ms: u32 },
    /// Code loginflow does not write (`custom`): its calls are unknown.
    Unknown,
}

impl Cost {
    /// The worst case in milliseconds; 0 for an unknown cost.
    pub fn worst_ms(self) -> u64 {
        match self {
            Cost::Calls { calls, timeout_ms } => u64::from(calls) * u64::from(timeout_ms),
            Cost::Unknown => 0,
        }
    }
}

/// The worst case of one action (see the module documentation for the calls of each kind).
pub fn action_cost(action: &ActionConfig, defaults: &Defaults) -> Cost {
    let calls = match action {
        ActionConfig::Claims(_) | ActionConfig::Tinybird(_) => 0,
        ActionConfig::Hasura(a) => u32::from(a.spec.sync.is_some()),
        ActionConfig::Enrich(a) => 1 + u32::from(matches!(a.spec.auth, Some(EnrichAuth::M2m(_)))),
        ActionConfig::Profile(_) => 2,
        ActionConfig::Custom(_) => return Cost::Unknown,
    };
    Cost::Calls {
        calls,
        timeout_ms: resolve(action, defaults).timeout_ms,
    }
}

/// One flow's worst case: each action's cost in flow order, and their sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowCost {
    pub actions: Vec<(String, Cost)>,
    pub total_ms: u64,
}

/// The worst case of the actions `names` (names not declared are left to `refs`).
pub fn flow_cost(
    names: &[String],
    actions: &BTreeMap<String, ActionConfig>,
    defaults: &Defaults,
) -> FlowCost {
    let actions: Vec<(String, Cost)> = names
        .iter()
        .filter_map(|n| {
            actions
                .get(n)
                .map(|a| (n.clone(), action_cost(a, defaults)))
        })
        .collect();
    let total_ms = actions.iter().map(|(_, c)| c.worst_ms()).sum();
    FlowCost { actions, total_ms }
}

/// Every flow that can exceed the budget (error) or come within 25% of it (warning).
pub fn check(cfg: &ConfigFile) -> Vec<Finding> {
    let Some(flow) = &cfg.flow else {
        return Vec::new();
    };
    let defaults = cfg.defaults.clone().unwrap_or_default();
    flow.triggers()
        .into_iter()
        .filter_map(|(trigger, names)| finding(trigger, &flow_cost(names, &cfg.actions, &defaults)))
        .collect()
}

fn finding(trigger: Trigger, cost: &FlowCost) -> Option<Finding> {
    let (over, code) = if cost.total_ms > LOGIN_BUDGET_MS {
        ("past", Code::LoginBudget)
    } else if cost.total_ms >= WARN_AT_MS {
        ("within 25% of", Code::LoginBudgetTight)
    } else {
        return None;
    };
    let message = format!(
        "the {} flow can run {} ms in the worst case, {over} Auth0's {LOGIN_BUDGET_MS} ms per \
         login: {}",
        trigger.id(),
        cost.total_ms,
        describe(cost)
    );
    let hint = "Auth0 fails the login past 20 s whatever `on_failure` says; lower `timeout_ms` \
                (each call waits at most that long) or move a call out of the login";
    let pointer = format!("/flow/{}", trigger.id());
    let f = if code == Code::LoginBudget {
        Finding::error(code, pointer, message)
    } else {
        Finding::warning(code, pointer, message)
    };
    Some(f.on_key().hint(Some(hint.to_owned())))
}

/// `a` 10000 ms (2 calls × 5000 ms), … then the custom actions not counted.
fn describe(cost: &FlowCost) -> String {
    let mut parts = Vec::new();
    let mut unknown = Vec::new();
    for (name, c) in &cost.actions {
        match c {
            Cost::Calls { calls: 0, .. } => {}
            Cost::Calls { calls, timeout_ms } => parts.push(format!(
                "`{name}` {} ms ({calls} call{} × {timeout_ms} ms)",
                c.worst_ms(),
                if *calls == 1 { "" } else { "s" }
            )),
            Cost::Unknown => unknown.push(format!("`{name}`")),
        }
    }
    let mut text = parts.join(", ");
    if !unknown.is_empty() {
        text.push_str(&format!(
            "; not counted (custom code, calls unknown): {}",
            unknown.join(", ")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> ConfigFile {
        serde_saphyr::from_str(yaml).expect("test config parses")
    }

    const ACTIONS: &str = r#"
version: 1
tenant: { domain: acme.eu.auth0.com }
defaults: { timeout_ms: 4000 }
actions:
  static: { kind: claims, claims: [{ name: https://a/x, value: 1 }] }
  roles: { kind: hasura, default_role: user, allowed_roles: [user] }
  synced:
    kind: hasura
    default_role: user
    allowed_roles: [user]
    timeout_ms: 3000
    sync: { endpoint: "https://h.example/v1/graphql", admin_secret: S, table: users,
            constraint: users_pkey, update_columns: [email], columns: { id: user.user_id } }
  token: { kind: tinybird, workspace_id: w, signing_key: S, expires_in: 60, scopes: [] }
  plain: { kind: enrich, url: "https://b.example/x", map: [] }
  m2m:
    kind: enrich
    url: "https://b.example/x"
    auth: { m2m: { token_url: "https://a.example/oauth/token", client_id: c, client_secret: S, audience: a } }
    map: []
  m2m_b: { kind: enrich, url: "https://c.example/x", method: POST, timeout_ms: 4000,
           auth: { m2m: { token_url: "https://a.example/oauth/token", client_id: c, client_secret: S, audience: a } },
           map: [] }
  groups: { kind: profile, client_id: c, client_secret: S, timeout_ms: 2500, map: [] }
  mine: { kind: custom, code: x.js }
"#;

    fn cost_of(name: &str) -> Cost {
        let cfg = config(ACTIONS);
        action_cost(
            &cfg.actions[name],
            &Defaults {
                timeout_ms: Some(4000),
                ..Defaults::default()
            },
        )
    }

    #[test]
    fn every_kind_counts_its_calls_at_its_timeout() {
        let calls = |calls, timeout_ms| Cost::Calls { calls, timeout_ms };
        assert_eq!(cost_of("static"), calls(0, 4000));
        assert_eq!(cost_of("roles"), calls(0, 4000));
        assert_eq!(cost_of("synced"), calls(1, 3000));
        assert_eq!(cost_of("token"), calls(0, 4000));
        assert_eq!(cost_of("plain"), calls(1, 4000));
        assert_eq!(cost_of("m2m"), calls(2, 4000));
        assert_eq!(cost_of("groups"), calls(2, 2500));
        assert_eq!(cost_of("mine"), Cost::Unknown);
        assert_eq!(cost_of("groups").worst_ms(), 5000);
        assert_eq!(Cost::Unknown.worst_ms(), 0);
    }

    fn with_flow(flow: &str) -> Vec<Finding> {
        check(&config(&format!("{ACTIONS}flow:\n  post-login: {flow}\n")))
    }

    #[test]
    fn a_flow_under_three_quarters_of_the_budget_is_quiet() {
        // 4000 + 3000 + 5000 = 12000 ms.
        assert!(with_flow("[static, plain, synced, token, groups, mine]").is_empty());
    }

    #[test]
    fn a_flow_within_25_percent_warns_naming_its_actions() {
        // 8000 + 5000 + 3000 = 16000 ms; the custom action is named as not counted.
        let found = with_flow("[m2m, mine, groups, static, synced, token]");
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0].diag;
        assert_eq!(d.code, Code::LoginBudgetTight);
        assert_eq!(d.severity, crate::diagnostics::Severity::Warning);
        assert_eq!(found[0].pointer, "/flow/post-login");
        assert_eq!(
            d.message,
            "the post-login flow can run 16000 ms in the worst case, within 25% of Auth0's \
             20000 ms per login: `m2m` 8000 ms (2 calls × 4000 ms), `groups` 5000 ms (2 calls × \
             2500 ms), `synced` 3000 ms (1 call × 3000 ms); not counted (custom code, calls \
             unknown): `mine`"
        );
    }

    #[test]
    fn a_flow_past_the_budget_is_an_error() {
        // 8000 + 8000 + 4000 + 5000 = 25000 ms.
        let found = with_flow("[m2m, m2m_b, plain, groups]");
        assert_eq!(found.len(), 1, "{found:?}");
        let d = &found[0].diag;
        assert_eq!(d.code, Code::LoginBudget);
        assert_eq!(d.severity, crate::diagnostics::Severity::Error);
        assert_eq!(
            d.message,
            "the post-login flow can run 25000 ms in the worst case, past Auth0's 20000 ms per \
             login: `m2m` 8000 ms (2 calls × 4000 ms), `m2m_b` 8000 ms (2 calls × 4000 ms), \
             `plain` 4000 ms (1 call × 4000 ms), `groups` 5000 ms (2 calls × 2500 ms)"
        );
    }

    #[test]
    fn only_flows_are_counted_not_every_declared_action() {
        let mut cfg = config(&format!("{ACTIONS}flow:\n  post-login: [plain]\n"));
        assert!(check(&cfg).is_empty());
        cfg.flow = None;
        assert!(check(&cfg).is_empty());
    }

    #[test]
    fn exactly_the_budget_warns_and_one_ms_more_fails() {
        let at = |total_ms| {
            finding(
                Trigger::PostLogin,
                &FlowCost {
                    actions: Vec::new(),
                    total_ms,
                },
            )
        };
        assert!(at(WARN_AT_MS - 1).is_none());
        assert_eq!(
            at(WARN_AT_MS).map(|f| f.diag.code),
            Some(Code::LoginBudgetTight)
        );
        assert_eq!(
            at(LOGIN_BUDGET_MS).map(|f| f.diag.code),
            Some(Code::LoginBudgetTight)
        );
        assert_eq!(
            at(LOGIN_BUDGET_MS + 1).map(|f| f.diag.code),
            Some(Code::LoginBudget)
        );
    }
}
