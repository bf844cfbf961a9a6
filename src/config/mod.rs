//! The configuration language: the raw model, reading files with their includes, the JSON Schema,
//! and the map from JSON Pointers to source positions that every diagnostic uses.

pub mod action;
pub mod emit;
pub mod kinds;
pub mod load;
pub mod merge;
pub mod model;
pub mod origin;
pub mod schema;
pub mod schema_check;
pub mod target;
pub mod test_case;
pub mod vars;

pub use action::{ActionConfig, Trigger};
pub use model::ConfigFile;
pub mod source_index;
pub mod yaml_compat;
pub mod yaml_tree;
