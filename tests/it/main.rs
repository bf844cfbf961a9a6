//! The one integration-test binary (one link step instead of one per file). Each area has its
//! own module; run one with `cargo test --test it <module>`. Shared helpers live in `common`.

// Test code may panic on setup failures: a panic is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adopt;
mod apply;
mod common;
mod crosscheck;
mod diff;
mod fuzz;
mod graph;
mod history;
mod hostile;
mod import;
mod leaks;
mod overlay;
mod owners;
mod plan_live;
mod plan_pure;
mod render;
mod tenant;
mod testcmd;
mod validate;
