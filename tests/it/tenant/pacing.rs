//! The shared rate limiter against a server with Auth0's token bucket: concurrent requests of
//! one client get no 429s, with and without a configured limit. The timings are printed for the
//! record, never asserted (they would flake on a loaded machine).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use loginflow::config::model::RateLimit;
use loginflow::tenant::{ClientConfig, Credentials, Secret, TenantClient};
use tokio::task::JoinSet;

use super::server::{Bucket, FAST, Reply, Server, action};

const BURST: u32 = 5;
const PER_SECOND: f64 = 10.0;

async fn run(requests: usize, limit: Option<RateLimit>) -> (u64, u64, f64) {
    let bucket = Arc::new(Mutex::new(Bucket::new(BURST, PER_SECOND)));
    let server = Server::start(move |_, _| {
        bucket
            .lock()
            .unwrap()
            .answer(Reply::json(200, action("a1", "n")))
    })
    .await;
    let mut config = ClientConfig::new(&server.base, Credentials::AccessToken(Secret::new("t")));
    config.retry = FAST;
    config.rate_limit = limit;
    let client = TenantClient::new(config).unwrap();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..requests {
        let client = client.clone();
        tasks.spawn(async move { client.get_action("a1").await.unwrap() });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let minimum = (requests as f64 - f64::from(BURST)) / PER_SECOND;
    eprintln!(
        "pacing (limit {limit:?}): {requests} requests, {} sent, {} 429s, {seconds:.2} s (minimum {minimum:.2} s)",
        client.request_count(),
        client.rate_limited_count(),
    );
    (client.request_count(), client.rate_limited_count(), seconds)
}

#[tokio::test]
async fn a_configured_limit_matching_the_server_gets_no_429s() {
    let (sent, limited, _) = run(
        25,
        Some(RateLimit {
            per_second: PER_SECOND,
            burst: BURST,
        }),
    )
    .await;
    assert_eq!((sent, limited), (25, 0));
}

#[tokio::test]
async fn server_hints_alone_get_no_429s() {
    let (sent, limited, _) = run(15, None).await;
    assert_eq!((sent, limited), (15, 0));
}
