//! Tests of the embedded local tenant over HTTP.

mod support;
