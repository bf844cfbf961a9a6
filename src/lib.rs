//! loginflow manages an Auth0 tenant's login pipeline as code.

pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostics;
pub mod error;
pub mod event_paths;
pub mod output;
pub mod validate;
