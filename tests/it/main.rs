//! The single integration-test binary. Each module drives the crate through its public API or
//! over HTTP, the way users and other modules do.

mod emulator;
