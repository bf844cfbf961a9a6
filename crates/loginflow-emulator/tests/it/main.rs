//! The emulator's one integration-test binary: its API over HTTP, byte for byte against golden
//! files and the recorded Auth0 traffic. Run one area with `cargo test -p loginflow-emulator --test it <module>`.

// Test code may panic on setup failures: a panic is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actions;
mod bad_input;
mod bindings;
mod conformance;
mod connections;
mod golden;
mod limits;
mod state;
pub mod support;
mod tls;
mod token;
