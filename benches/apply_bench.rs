//! Benchmark: apply 50 changed actions against the emulator at a development tenant's rate limit
//! (burst 10, 2/s) and at a production one (burst 50, 16/s), the tenant file's `rate_limit`
//! set to match. Prints requests sent, 429s received (emulator stats), wall time and the
//! theoretical minimum for that many requests under that limit: max(0, requests − burst) / rate,
//! counting only Management API requests (the token request is outside the bucket).
//! Target: zero 429s and within 1.2× of the minimum.
//!
//! Run with `cargo bench --bench apply_bench [-- ACTIONS]` (default 50).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use loginflow::apply::apply;
use loginflow::pipeline::{prepare, read_and_plan};
use loginflow_emulator::{Emulator, EmulatorOptions, RateLimitSpec};

#[path = "support/claims_tenant.rs"]
mod claims_tenant;

use claims_tenant::BoxResult;

/// Plans and applies the tenant file; fails on a failed report.
async fn apply_file(file: &Path) -> BoxResult<()> {
    let prepared = prepare(file)?;
    let conn = loginflow::connect::connect(&prepared.tenant).await?;
    let (live, plan) = read_and_plan(&prepared, &conn.client).await?;
    let report = apply(Arc::new(prepared), &plan, &live, &conn.client).await;
    conn.close().await;
    if report.failed() {
        return Err(report.render().into());
    }
    Ok(())
}

async fn run(n: usize, label: &str, limit: RateLimitSpec) -> BoxResult<()> {
    let dir = tempfile::tempdir()?;
    let state = dir.path().join("state.json");
    let file = dir.path().join("tenant.yaml");
    // Seed the tenant (n actions, deployed and bound) without a rate limit.
    let seed = Emulator::start(EmulatorOptions {
        rate_limit: None,
        state_file: Some(state.clone()),
        ..EmulatorOptions::default()
    })
    .await?;
    claims_tenant::write_tenant(
        dir.path(),
        &seed.base_url(),
        n,
        1,
        RateLimitSpec {
            burst: 1000,
            per_second: 1000.0,
        },
        false,
    )?;
    apply_file(&file).await?;
    seed.shutdown().await;
    // Measure: every action changed, against the limited emulator.
    let emu = Emulator::start(EmulatorOptions {
        rate_limit: Some(limit),
        state_file: Some(state),
        ..EmulatorOptions::default()
    })
    .await?;
    claims_tenant::write_tenant(dir.path(), &emu.base_url(), n, 2, limit, false)?;
    let started = Instant::now();
    apply_file(&file).await?;
    let wall = started.elapsed().as_secs_f64();
    let stats = emu.stats();
    emu.shutdown().await;
    let requests = stats.total;
    // The token request is the Authentication API's and spends nothing from the bucket.
    let tokens = stats
        .by_endpoint
        .get("POST /oauth/token")
        .copied()
        .unwrap_or(0);
    let metered = requests.saturating_sub(tokens);
    let minimum = (metered.saturating_sub(u64::from(limit.burst))) as f64 / limit.per_second;
    println!(
        "{label:<12} burst {:>2}, {:>4}/s: {n} actions changed, {requests} requests, {} × 429, wall {wall:.1} s, minimum {minimum:.1} s, ratio {:.2}",
        limit.burst,
        limit.per_second,
        stats.rate_limited,
        if minimum > 0.0 { wall / minimum } else { 0.0 }
    );
    for (endpoint, count) in &stats.by_endpoint {
        println!("    {count:>4}  {endpoint}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> BoxResult<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    run(
        n,
        "production",
        RateLimitSpec {
            burst: 50,
            per_second: 16.0,
        },
    )
    .await?;
    run(
        n,
        "development",
        RateLimitSpec {
            burst: 10,
            per_second: 2.0,
        },
    )
    .await?;
    Ok(())
}
