//! Tests of the embedded local tenant over HTTP.

mod actions;
mod support;
mod token;
