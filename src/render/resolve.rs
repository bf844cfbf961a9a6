//! The effective common options of an action: its own value, else `defaults`, else the built-in.

use crate::config::action::{ActionConfig, FailurePolicy, Runtime, Skip, Trigger};
use crate::config::model::Defaults;

/// Built-in timeout of each outbound call, well under Auth0's 20 s budget per trigger.
pub const DEFAULT_TIMEOUT_MS: u32 = 5_000;
/// Shown to the user when a login is refused and the action sets no `deny_message`. It says
/// nothing about internals on purpose: the reason is displayed by the client application.
pub const DEFAULT_DENY_MESSAGE: &str = "Login is temporarily unavailable. Please try again later.";

/// The common options with every default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub trigger: Trigger,
    pub runtime: Runtime,
    pub on_failure: FailurePolicy,
    pub timeout_ms: u32,
    pub skip: Option<Skip>,
    pub deny_message: String,
}

/// Applies `defaults` and the built-in defaults to an action's common options.
pub fn resolve(action: &ActionConfig, defaults: &Defaults) -> Resolved {
    let common = action.common();
    Resolved {
        trigger: common.trigger.unwrap_or(Trigger::PostLogin),
        runtime: common
            .runtime
            .or(defaults.runtime)
            .unwrap_or(Runtime::Node22),
        on_failure: common
            .on_failure
            .or(defaults.on_failure)
            .unwrap_or(FailurePolicy::Continue),
        timeout_ms: common
            .timeout_ms
            .or(defaults.timeout_ms)
            .unwrap_or(DEFAULT_TIMEOUT_MS),
        // An action's own `skip` replaces the default one as a whole: merging lists would make
        // it impossible for one action to opt back in to, say, refresh-token exchanges.
        skip: common.skip.cloned().or_else(|| defaults.skip.clone()),
        deny_message: common
            .deny_message
            .unwrap_or(DEFAULT_DENY_MESSAGE)
            .to_owned(),
    }
}
