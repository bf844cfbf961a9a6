//! The JSON Schema of the configuration language, generated from the model.

/// The schema as a JSON value.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(super::ConfigFile);
    serde_json::to_value(schema).unwrap_or_default()
}

/// The schema as pretty JSON text ending with a newline: what `loginflow schema` prints and what
/// `schema/loginflow.schema.json` holds.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
