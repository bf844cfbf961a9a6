//! Tests of the embedded local tenant over HTTP.

mod actions;
mod bad_input;
mod bindings;
mod support;
mod token;
