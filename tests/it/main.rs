//! The one integration-test binary (one link step instead of one per file). Each module covers
//! one capability; shared helpers live in `common`.

mod adopt;
mod common;
mod tenant;
mod validate;
