//! `loginflow apply` against the emulator: exact requests, final tenant state, saved plans,
//! faults, kills, and a property test of convergence.
#![allow(clippy::unwrap_used, dead_code)]

mod basic;
mod faults;
pub mod harness;
mod kill;
pub mod lock;
mod pending;
mod prop;
mod readonly;
mod saved;
