//! Tests of the generated Actions: they parse, they run in Node with the effects the config
//! asks for (and the failure policy when something breaks), and they are deterministic.

mod support;

mod claims;
mod deadline;
mod determinism;
mod enrich;
pub mod examples;
mod hasura;
mod injection;
mod profile;
mod seeds;
mod tinybird;
