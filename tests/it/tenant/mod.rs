//! HTTP tests of the tenant client against small scripted axum servers on `127.0.0.1:0`.
//!
//! Each test scripts exactly the responses it needs, so what is asserted is the client's
//! behaviour (requests sent, waits honoured, errors raised), not an emulator's.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod errors;
mod pacing;
mod pagination;
mod redaction;
mod retries;
mod server;
