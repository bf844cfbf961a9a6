//! The single integration-test binary (one binary links the crate once, which keeps test builds
//! fast on a small machine). One module per area, each with its own helpers.

mod tenant;
