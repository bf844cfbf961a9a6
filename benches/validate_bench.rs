//! Benchmark: validate a generated tenant of 500 actions spread over 20 included fragments.
//! Prints the median of several runs. Run: `cargo bench --bench validate_bench`.

use std::fmt::Write as _;
use std::time::Instant;

const FRAGMENTS: usize = 20;
const PER_FRAGMENT: usize = 25;

fn fragment(f: usize) -> String {
    let mut s = String::from("actions:\n");
    for i in 0..PER_FRAGMENT {
        let name = format!("a{f:02}-{i:02}");
        let _ = write!(
            s,
            "  {name}:\n    kind: claims\n    namespace: https://acme.com/\n    claims:\n      - {{ name: org, path: user.app_metadata.org_id }}\n      - name: plan\n        value: pro\n        tokens: [id]\n        when: {{ has_role: [admin], email_verified: true }}\n"
        );
    }
    s
}

fn main() -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("loginflow-validate-bench-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("shared"))?;
    let mut tenant = String::from("version: 1\ntenant:\n  domain: acme.eu.auth0.com\ninclude:\n");
    for f in 0..FRAGMENTS {
        std::fs::write(dir.join(format!("shared/f{f:02}.yaml")), fragment(f))?;
        let _ = writeln!(tenant, "  - shared/f{f:02}.yaml");
    }
    tenant.push_str("flow:\n  post-login: [a00-00]\n");
    let path = dir.join("tenant.yaml");
    std::fs::write(&path, tenant)?;

    let mut times = Vec::new();
    let mut diags = 0;
    for _ in 0..9 {
        let start = Instant::now();
        let (tenant, d, _) = loginflow::validate::validate_file(&path);
        times.push(start.elapsed());
        diags = d.len();
        assert_eq!(
            tenant.map(|t| t.config.actions.len()),
            Some(FRAGMENTS * PER_FRAGMENT)
        );
    }
    times.sort();
    println!(
        "validate: {} actions in {} files: median {:.1} ms (min {:.1} ms, max {:.1} ms), {} diagnostics",
        FRAGMENTS * PER_FRAGMENT,
        FRAGMENTS + 1,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        diags
    );
    std::fs::remove_dir_all(&dir)
}
