//! The one integration-test binary (one link step instead of one per file). Each module covers
//! one capability; shared helpers live in `common`.

mod common;
mod plan_pure;
mod tenant;
mod validate;
