//! Validation: the checks of SPEC §3.2 over loaded files. Pure: no I/O here; the loader reads
//! files and this module only looks at values. Every check returns all its findings; nothing
//! stops at the first problem.

pub mod finding;
pub mod schema_check;
pub mod suggest;

pub use finding::Finding;
