//! `loginflow schema`: print the JSON Schema of the configuration language.

use crate::error::Result;

/// Prints the schema, pretty, with a trailing newline.
pub fn run() -> Result<u8> {
    let text = crate::config::schema::schema_text();
    crate::output::data(&text);
    Ok(0)
}
