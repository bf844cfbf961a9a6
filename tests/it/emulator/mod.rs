//! Tests of the embedded local tenant over HTTP.

mod actions;
mod bad_input;
mod bindings;
mod conformance;
mod golden;
mod limits;
mod state;
pub mod support;
mod tls;
mod token;
