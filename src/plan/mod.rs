//! Planning: the pure comparison of desired and live state, and the plan's renderings.

pub mod compare;
pub mod compute;
pub mod config_diff;
pub mod format;
pub mod merge;
pub mod model;
pub mod saved;
pub mod shown;

pub use compute::{PlanError, compute};
pub use model::{ActionPlan, BindingPlan, Op, Plan};
