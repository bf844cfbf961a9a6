//! One module per subcommand. Each resolves its arguments, calls the pure stages and writes data
//! to stdout.

pub mod apply;
pub mod completions;
pub mod config;
pub mod diff;
pub mod emulator;
pub mod graph;
pub mod hasura;
pub mod hasura_check;
pub mod history;
pub mod import;
pub mod list;
pub mod plan;
pub mod render;
pub mod rollback;
pub mod schema;
pub mod show;
pub mod test;
pub mod unlock;
pub mod validate;
