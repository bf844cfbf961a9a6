//! The one vocabulary that both sides of a plan are expressed in: desired Actions (from the
//! rendered config) and live Actions (from the Management API), normalised so that comparing
//! them is plain equality. Conversion from the API's shapes happens here and nowhere else.

pub mod build;
pub mod desired;
pub mod live;
pub mod read;

pub use desired::{DesiredAction, DesiredState};
pub use live::{Belongs, LiveAction, LiveBinding, LiveState, Ownership};
