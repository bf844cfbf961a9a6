//! One module per subcommand. Each resolves its arguments, calls the pure stages and writes data
//! to stdout.

pub mod schema;
pub mod test;
pub mod validate;
