//! Fuzz targets shared by the property tests (`tests/it/fuzz.rs`, a few hundred cases per CI
//! run) and the long runner (`cargo run --release --example fuzz -- MINUTES`). Each target takes
//! arbitrary input and must return without panicking; anything else is a finding.

use std::path::Path;

/// The config pipeline: load (parse, schema, typed model), validate, and render every action.
pub fn config_pipeline(dir: &Path, bytes: &[u8]) {
    let path = dir.join("fuzz.yaml");
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let (tenant, _diags, _sources) = crate::validate::validate_file(&path);
    if let Some(t) = tenant {
        let _ = crate::state::build::render_all(&t, None);
    }
}

/// The tenant client's response parsing: every shape it reads from the API.
pub fn api_responses(bytes: &[u8]) {
    use crate::tenant::api_types::{ApiAction, ApiBinding, ApiVersion};
    let _ = serde_json::from_slice::<ApiAction>(bytes);
    let _ = serde_json::from_slice::<ApiVersion>(bytes);
    let _ = serde_json::from_slice::<ApiBinding>(bytes);
    let _ = serde_json::from_slice::<crate::tenant::ApiErrorBody>(bytes);
    if let Ok(a) = serde_json::from_slice::<ApiAction>(bytes) {
        let live = crate::state::LiveAction::from_api(a, crate::pipeline::owner);
        let _ = live.draft_is_deployed();
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = crate::render::parse_header(text);
        let _ = crate::render::strip_header(text);
        let _ = crate::plan::saved::SavedPlan::parse(text);
    }
}

/// A deterministic mutation of `seed` for structure-aware fuzzing: `ops` picks positions and
/// edits (delete, duplicate, insert a YAML-significant byte, swap).
pub fn mutate(seed: &[u8], ops: &[(u16, u8)]) -> Vec<u8> {
    const SPECIAL: &[u8] = b":-[]{}#&*!|>'\"%@`\t\n ,?0\xff";
    let mut out = seed.to_vec();
    for &(pos, op) in ops {
        if out.is_empty() {
            out.push(op);
            continue;
        }
        let i = usize::from(pos) % out.len();
        match op % 4 {
            0 => {
                out.remove(i);
            }
            1 => {
                let end = (i + usize::from(op) % 40).min(out.len());
                let chunk = out[i..end].to_vec();
                out.splice(i..i, chunk);
            }
            2 => out.insert(i, SPECIAL[usize::from(op) % SPECIAL.len()]),
            _ => {
                let j = (i + usize::from(op)) % out.len();
                out.swap(i, j);
            }
        }
    }
    out
}
