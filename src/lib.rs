//! loginflow manages an Auth0 tenant's login pipeline as code.

pub mod cli;
pub mod commands;
pub mod config;
pub mod emulator;
pub mod error;
pub mod output;
