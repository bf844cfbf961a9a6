//! Benchmark: `validate` of three environments (dev, staging, prod) over one base of 200
//! actions, each environment setting the base's variables and overriding 20 actions. Prints the
//! median time to validate all three. Run: `cargo bench --bench environments_bench`.

use std::fmt::Write as _;
use std::time::Instant;

const ACTIONS: usize = 200;
const OVERRIDDEN: usize = 20;

fn base() -> String {
    let mut s = String::from(
        "variables:\n  api_host: { type: string }\n  namespace: { type: string, default: acme.com }\nsecrets:\n  API_TOKEN: { env: API_TOKEN }\nactions:\n",
    );
    for i in 0..ACTIONS {
        let _ = write!(
            s,
            "  a{i:03}:\n    kind: claims\n    namespace: https://${{var.namespace}}/\n    claims:\n      - {{ name: org, path: user.app_metadata.org_id }}\n      - name: plan\n        value: pro\n        tokens: [id]\n        when: {{ has_role: [admin], email_verified: true }}\n"
        );
    }
    s.push_str("  lookup:\n    kind: enrich\n    url: https://${var.api_host}/v1/users\n    auth: { bearer: { secret: API_TOKEN } }\n    map: [{ from: tier, claim: https://acme.com/tier }]\n");
    s.push_str("flow:\n  post-login: [a000, lookup]\n");
    s
}

fn env(name: &str) -> String {
    let mut s = format!(
        "version: 1\ntenant:\n  domain: local\ninclude: [base/login.yaml]\nvars:\n  api_host: api.{name}.acme.com\noverrides:\n  actions:\n"
    );
    for i in 0..OVERRIDDEN {
        let _ = writeln!(s, "    a{i:03}:\n      timeout_ms: 2000");
    }
    s
}

fn main() -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("loginflow-env-bench-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("tenants/base"))?;
    std::fs::write(dir.join("tenants/base/login.yaml"), base())?;
    let files: Vec<_> = ["dev", "staging", "prod"]
        .iter()
        .map(|e| {
            let path = dir.join(format!("tenants/{e}.yaml"));
            std::fs::write(&path, env(e)).map(|()| path)
        })
        .collect::<Result<_, _>>()?;
    let mut times = Vec::new();
    let mut diags = 0;
    for _ in 0..9 {
        let start = Instant::now();
        diags = 0;
        for f in &files {
            let (tenant, d, _) = loginflow::validate::validate_file(f);
            assert_eq!(tenant.map(|t| t.config.actions.len()), Some(ACTIONS + 1));
            diags += d.iter().filter(|d| d.is_error()).count();
        }
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "validate: 3 environments x {} actions from one base ({OVERRIDDEN} overridden each): median {:.1} ms (min {:.1} ms, max {:.1} ms), {diags} errors",
        ACTIONS + 1,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
    std::fs::remove_dir_all(&dir)
}
