//! One module per subcommand. Each resolves its arguments, calls the pure stages and writes data
//! to stdout.

pub mod completions;
pub mod hasura;
pub mod schema;
pub mod validate;
