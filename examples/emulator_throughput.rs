//! Benchmark: simple reads per second against the emulator on loopback, with no latency and no
//! rate limit. Run with `cargo run --release --example emulator_throughput [SECONDS] [CLIENTS]`.
//! Target: over 5,000 reads/s on 2 cores.

use std::time::{Duration, Instant};

use loginflow::emulator::{Emulator, EmulatorOptions};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() -> BoxResult<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    let opts = EmulatorOptions {
        rate_limit: None,
        build_ms: 0,
        ..EmulatorOptions::default()
    };
    let emu = Emulator::start(opts).await?;
    let base = emu.base_url();
    loginflow::tenant::install_crypto_provider();
    let http = reqwest::Client::new();
    let token = token(&http, &base).await?;
    let created: Value = http
        .post(format!("{base}/api/v2/actions/actions"))
        .bearer_auth(&token)
        .json(&json!({"name": "bench", "supported_triggers": [{"id": "post-login", "version": "v3"}], "code": "exports.onExecutePostLogin = async () => {};"}))
        .send()
        .await?
        .json()
        .await?;
    let url = format!(
        "{base}/api/v2/actions/actions/{}",
        created["id"].as_str().unwrap_or("")
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let ok = http
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map(|r| r.status().is_success());
                if matches!(ok, Ok(true)) {
                    n += 1;
                }
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "emulator_throughput: {total} reads in {secs:.2}s with {clients} clients = {:.0} requests/s",
        total as f64 / secs
    );
    let stats = emu.stats();
    println!(
        "server counted {} requests, {} rate-limited",
        stats.total, stats.rate_limited
    );
    emu.shutdown().await;
    Ok(())
}

async fn token(http: &reqwest::Client, base: &str) -> BoxResult<String> {
    let body: Value = http
        .post(format!("{base}/oauth/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": "local", "client_secret": "local", "audience": format!("{base}/api/v2/")}))
        .send()
        .await?
        .json()
        .await?;
    Ok(body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}
