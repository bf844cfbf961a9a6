//! The tenant file the apply and rollback benches share: `n` claims actions on an emulator.

use std::path::Path;

use loginflow_emulator::RateLimitSpec;

pub type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Writes `tenant.yaml` (and its credential files) in `dir`: `n` claims actions `bench-NN` whose
/// claim value is `version`, the first 20 bound in name order (`reversed`: the last 20, in
/// reverse), with the given client-side `rate_limit`.
pub fn write_tenant(
    dir: &Path,
    base: &str,
    n: usize,
    version: u32,
    limit: RateLimitSpec,
    reversed: bool,
) -> BoxResult<()> {
    std::fs::write(dir.join("id"), "local")?;
    std::fs::write(dir.join("secret"), "local")?;
    let mut y = format!(
        "version: 1\ntenant:\n  domain: {base}\n  credentials: {{ client_id: {{ file: id }}, client_secret: {{ file: secret }} }}\n  rate_limit: {{ burst: {}, per_second: {} }}\ndefaults:\n  runtime: node22\nactions:\n",
        limit.burst, limit.per_second
    );
    let mut names: Vec<String> = (0..n).map(|i| format!("bench-{i:02}")).collect();
    for name in &names {
        y += &format!(
            "  {name}:\n    kind: claims\n    namespace: https://acme.example.com/\n    claims:\n      - {{ name: v, value: \"{version}\" }}\n"
        );
    }
    if reversed {
        names.reverse();
    }
    // Auth0 binds at most 20 actions to a trigger; the rest are managed but unbound.
    let bound: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
    y += &format!("flow:\n  post-login: [{}]\n", bound.join(", "));
    std::fs::write(dir.join("tenant.yaml"), y)?;
    Ok(())
}
