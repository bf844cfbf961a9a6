//! Runs 200 test cases through the 6-action flow of `tenants/local.yaml` and prints the time.
//!
//! Run with `cargo bench --bench test_bench`. Target: under 3 s, which needs one Node
//! process for the whole run rather than one per case. The time covers loading and validating
//! the tenant, rendering the flow, the Node run and judging every case.

use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tenants/local.yaml");
    let node = loginflow::node::node_version()?;

    let start = Instant::now();
    let (tenant, diags, _) = loginflow::validate::validate_file(&path);
    let tenant = tenant.ok_or("tenants/local.yaml does not load")?;
    if loginflow::diagnostics::error_count(&diags) > 0 {
        return Err(format!("tenants/local.yaml has errors: {diags:?}").into());
    }
    let mut suite = loginflow::testing::suite(&tenant, "tenants/local.yaml", None)?;
    let examples = std::mem::take(&mut suite.cases);
    for i in 0..200 {
        let mut case = examples[i % examples.len()].clone();
        case.name = format!("{} #{i}", case.name);
        suite.cases.push(case);
    }
    let actions = suite.actions.len();
    let outcomes = loginflow::testing::run(&[suite], None)?;
    let elapsed = start.elapsed();

    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    println!(
        "ran {} cases over a {actions}-action flow in {:.0} ms ({}; node {node})",
        outcomes.len(),
        elapsed.as_secs_f64() * 1000.0,
        loginflow::testing::summary(&outcomes)
    );
    if failed > 0 {
        return Err(format!("{failed} case(s) failed").into());
    }
    Ok(())
}
