//! Benchmark: requests per second against the emulator on loopback, with no latency and no rate
//! limit. Run with
//! `cargo bench -p loginflow-emulator --bench throughput [-- SECONDS CLIENTS read|list|bindings|all]`.
//!
//! Scenarios (default `all`, each for SECONDS with CLIENTS concurrent clients):
//! - `read`: `GET` of one small action. Target: over 5,000 reads/s on 2 cores.
//! - `list`: `GET /api/v2/actions/actions?per_page=50` over 50 deployed actions with about 7 KB
//!   of JavaScript each, so every response carries each code three times (draft, current and
//!   deployed version): the cost of a plan or import listing a real tenant.
//! - `bindings`: `GET /api/v2/actions/triggers/post-login/bindings` with 20 bound actions (the
//!   per-trigger maximum) of the same code, each embedding its versions' code twice.

use std::time::{Duration, Instant};

use loginflow_emulator::{Emulator, EmulatorOptions};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const LISTED_ACTIONS: usize = 50;
const BOUND_ACTIONS: usize = 20;

#[tokio::main]
async fn main() -> BoxResult<()> {
    // `cargo bench` appends `--bench`.
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    let scenario = args.next().unwrap_or_else(|| "all".into());
    let emu = Emulator::start(EmulatorOptions::fast()).await?;
    let base = emu.base_url();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bench = Bench {
        http: reqwest::Client::new(),
        token: token(&reqwest::Client::new(), &base).await?,
        base,
        seconds,
        clients,
    };
    let all = scenario == "all";
    if all || scenario == "read" {
        read_scenario(&bench).await?;
    }
    if all || scenario == "list" || scenario == "bindings" {
        let ids = bench.seed_large_actions().await?;
        if all || scenario == "list" {
            let url = format!("{}/api/v2/actions/actions?per_page=50", bench.base);
            bench
                .run("list 50 actions (~7 KB code)", &url, true)
                .await?;
        }
        if all || scenario == "bindings" {
            bench.bind(&ids[..BOUND_ACTIONS]).await?;
            let url = format!("{}/api/v2/actions/triggers/post-login/bindings", bench.base);
            bench
                .run("list 20 bindings (~7 KB code)", &url, true)
                .await?;
        }
    }
    let stats = emu.stats();
    println!(
        "server counted {} requests, {} rate-limited",
        stats.total, stats.rate_limited
    );
    emu.shutdown().await;
    Ok(())
}

/// The original scenario: one small action read over and over (bodies left unread, as before,
/// so its figures stay comparable with earlier runs).
async fn read_scenario(bench: &Bench) -> BoxResult<()> {
    let created = bench
        .post(
            "/api/v2/actions/actions",
            json!({"name": "bench", "supported_triggers": [{"id": "post-login", "version": "v3"}], "code": "exports.onExecutePostLogin = async () => {};"}),
        )
        .await?;
    let url = format!(
        "{}/api/v2/actions/actions/{}",
        bench.base,
        created["id"].as_str().unwrap_or("")
    );
    bench.run("reads", &url, false).await
}

struct Bench {
    http: reqwest::Client,
    base: String,
    token: String,
    seconds: u64,
    clients: usize,
}

impl Bench {
    async fn post(&self, path: &str, body: Value) -> BoxResult<Value> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        Ok(resp.error_for_status()?.json().await?)
    }

    /// Creates the deployed actions of the list scenarios; returns their ids.
    async fn seed_large_actions(&self) -> BoxResult<Vec<String>> {
        let mut ids = Vec::with_capacity(LISTED_ACTIONS);
        for i in 0..LISTED_ACTIONS {
            let body = json!({
                "name": format!("large-{i:02}"),
                "supported_triggers": [{"id": "post-login", "version": "v3"}],
                "code": realistic_code(i),
                "dependencies": [{"name": "axios", "version": "1.7.2"}],
                "secrets": [{"name": "API_KEY", "value": "k"}],
                "deploy": true,
            });
            let created = self.post("/api/v2/actions/actions", body).await?;
            ids.push(created["id"].as_str().unwrap_or_default().to_string());
        }
        Ok(ids)
    }

    async fn bind(&self, ids: &[String]) -> BoxResult<()> {
        let bindings: Vec<Value> = ids
            .iter()
            .map(|id| json!({"ref": {"type": "action_id", "value": id}}))
            .collect();
        let resp = self
            .http
            .patch(format!(
                "{}/api/v2/actions/triggers/post-login/bindings",
                self.base
            ))
            .bearer_auth(&self.token)
            .json(&json!({ "bindings": bindings }))
            .send()
            .await?;
        resp.error_for_status()?;
        Ok(())
    }

    /// `clients` tasks GET `url` until the deadline; prints requests/s (and MB/s when bodies
    /// are read).
    async fn run(&self, label: &str, url: &str, read_body: bool) -> BoxResult<()> {
        let deadline = Instant::now() + Duration::from_secs(self.seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..self.clients {
            let (http, url, token) = (self.http.clone(), url.to_string(), self.token.clone());
            tasks.push(tokio::spawn(async move {
                let (mut n, mut bytes) = (0u64, 0usize);
                while Instant::now() < deadline {
                    if let Some(len) = get(&http, &url, &token, read_body).await {
                        n += 1;
                        bytes += len;
                    }
                }
                (n, bytes)
            }));
        }
        let (mut total, mut bytes) = (0, 0);
        for t in tasks {
            let (n, b) = t.await?;
            total += n;
            bytes += b;
        }
        let secs = started.elapsed().as_secs_f64();
        let clients = self.clients;
        print!(
            "emulator_throughput: {total} {label} in {secs:.2}s with {clients} clients = {:.0} requests/s",
            total as f64 / secs
        );
        if read_body && total > 0 {
            print!(
                " ({} KB per response, {:.0} MB/s)",
                bytes / total as usize / 1024,
                bytes as f64 / secs / 1e6
            );
        }
        println!();
        Ok(())
    }
}

/// One successful GET; the body's length when it is read.
async fn get(http: &reqwest::Client, url: &str, token: &str, read_body: bool) -> Option<usize> {
    let resp = http.get(url).bearer_auth(token).send().await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    if !read_body {
        return Some(0);
    }
    resp.bytes().await.ok().map(|b| b.len())
}

/// About 7 KB of post-login JavaScript, distinct per action, with the quotes, newlines and
/// backslashes that make real code expensive to escape.
fn realistic_code(seed: usize) -> String {
    let mut code = format!(
        "/**\n * Generated benchmark action {seed}.\n */\nconst axios = require(\"axios\");\n\nexports.onExecutePostLogin = async (event, api) => {{\n  const ns = \"https://example.com/claims\";\n"
    );
    let mut i = 0;
    while code.len() < 7 * 1024 {
        code.push_str(&format!(
            "  if (event.user.app_metadata?.[\"role_{seed}_{i}\"] === 'admin') {{\n    api.idToken.setClaim(`${{ns}}/claim_{i}`, event.user.email.replace(/\\s+/g, \"\"));\n    console.log(\"set claim {i}\\t for\", event.user.user_id);\n  }}\n"
        ));
        i += 1;
    }
    code.push_str("};\n");
    code
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
