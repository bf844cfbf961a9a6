//! loginflow manages an Auth0 tenant's login pipeline as code.

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod fingerprint;
pub mod node;
pub mod output;
pub mod render;
