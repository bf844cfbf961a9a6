//! The single integration-test binary of loginflow (one link step instead of one per file).
//!
//! Each area has its own module; run one with `cargo test --test it <module>`.

mod render;
