//! The one integration-test binary (one link step instead of one per file). Each area has its
//! own module; run one with `cargo test --test it <module>`. Shared helpers live in `common`.

mod common;
mod emulator;
mod plan_live;
mod plan_pure;
mod render;
mod tenant;
mod validate;
