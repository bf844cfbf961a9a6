//! loginflow manages an Auth0 tenant's login pipeline as code.
//!
//! Data flows one way: raw YAML (`config`) → validated tenant (`validate`) → rendered Actions;
//! the live tenant (`tenant`) → the same vocabulary; the two → a plan → apply. See
//! ARCHITECTURE.md for the code map and the invariants.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connect;
pub mod crosscheck;
pub mod diagnostics;
pub mod error;
pub mod event_paths;
pub mod fingerprint;
pub mod fsread;
pub mod fuzz;
pub mod graph;
pub mod history;
pub mod lock;
pub mod node;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod runtime;
pub mod secrets;
pub mod stale;
pub mod state;
pub mod tenant;
pub mod testing;
pub mod validate;
