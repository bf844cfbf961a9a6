//! The JSON view: a versioned document for policy tools. Its schema is documented in the README;
//! bump `format_version` on any incompatible change.

use serde::Serialize;

use crate::plan::model::Plan;

/// The version of the JSON plan format.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    tool_version: &'static str,
    has_changes: bool,
    tenants: Vec<Tenant<'a>>,
}

#[derive(Serialize)]
struct Tenant<'a> {
    has_changes: bool,
    summary: String,
    #[serde(flatten)]
    plan: &'a Plan,
}

/// Renders plans as pretty JSON with a trailing newline.
pub fn render(plans: &[Plan]) -> String {
    let doc = Document {
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION"),
        has_changes: plans.iter().any(Plan::has_changes),
        tenants: plans
            .iter()
            .map(|p| Tenant {
                has_changes: p.has_changes(),
                summary: super::summary(p),
                plan: p,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
