//! Renders 500 actions (100 of each generated kind) and prints the time taken.
//!
//! Run with `cargo bench --bench render_bench`. Target: under 100 ms. Fingerprints are
//! computed by the caller (Argon2id is slow on purpose) and are not part of rendering.

use std::collections::BTreeMap;
use std::time::Instant;

use loginflow::config::ConfigFile;
use loginflow::render::{RenderContext, render_action};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = include_str!("../tenants/local.yaml");
    let config: ConfigFile = serde_saphyr::from_str(text)?;
    let actions: Vec<_> = config.actions.iter().collect();
    let defaults = config.defaults.clone().unwrap_or_default();
    let fingerprints = BTreeMap::new();
    let ctx = RenderContext {
        tenant_domain: "acme.eu.auth0.com",
        owner: loginflow::config::model::DEFAULT_OWNER,
        defaults: &defaults,
        secret_fingerprints: &fingerprints,
        template_dir: None,
        custom_code: None,
    };
    // The first render parses the templates once for the process; time it apart.
    let warm = Instant::now();
    let (name, action) = actions[0];
    render_action(&ctx, name, action)?;
    let warm = warm.elapsed();

    let start = Instant::now();
    let mut bytes = 0;
    for i in 0..500 {
        let (name, action) = actions[i % actions.len()];
        bytes += render_action(&ctx, &format!("{name}-{i}"), action)?
            .code
            .len();
    }
    let elapsed = start.elapsed();
    println!(
        "rendered 500 actions ({} kinds, {bytes} bytes) in {:.1} ms (template parse: {:.1} ms)",
        actions.len(),
        elapsed.as_secs_f64() * 1000.0,
        warm.as_secs_f64() * 1000.0
    );
    Ok(())
}
