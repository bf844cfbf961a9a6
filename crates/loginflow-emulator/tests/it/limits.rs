//! Rate limiting, fault injection, stats and the request log.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use loginflow_emulator::{EmulatorOptions, RateLimitSpec};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::Client;

const ACTIONS: &str = "/api/v2/actions/actions";

#[tokio::test]
async fn token_bucket_sets_headers_and_answers_the_recorded_429() {
    let opts = EmulatorOptions {
        rate_limit: Some(RateLimitSpec {
            burst: 3,
            per_second: 0.5,
        }),
        ..EmulatorOptions::fast()
    };
    let c = Client::start(opts).await; // the token request is not counted
    let url = format!("{}{ACTIONS}", c.base);
    let mut statuses = Vec::new();
    let mut remaining = Vec::new();
    for _ in 0..4 {
        let r = c.http.get(&url).bearer_auth(&c.token).send().await.unwrap();
        let h = r.headers();
        assert_eq!(h["x-ratelimit-limit"], "3");
        let reset: u64 = h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
        assert!(reset > 1_700_000_000);
        remaining.push(h["x-ratelimit-remaining"].to_str().unwrap().to_string());
        statuses.push(r.status());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let body: Value = r.json().await.unwrap();
            assert_eq!(
                body,
                json!({"statusCode": 429, "error": "Too Many Requests", "message": "Global limit has been reached", "errorCode": "too_many_requests"})
            );
        }
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    assert_eq!(remaining, ["2", "1", "0", "0"]);
    assert_eq!(c.emu.stats().rate_limited, 1);
    // Control endpoints are never limited.
    let r = c
        .http
        .get(format!("{}/__emulator/stats", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (s, _) = c.get(ACTIONS).await;
    assert_eq!(s, StatusCode::OK, "refilled");
}

/// `/oauth/token` belongs to the Authentication API: Auth0's Management API bucket neither counts
/// it nor reports on it.
#[tokio::test]
async fn token_requests_spend_nothing_from_the_management_bucket() {
    let opts = EmulatorOptions {
        rate_limit: Some(RateLimitSpec {
            burst: 2,
            per_second: 0.5,
        }),
        ..EmulatorOptions::fast()
    };
    let c = Client::start(opts).await;
    for _ in 0..4 {
        let r = c
            .http
            .post(format!("{}/oauth/token", c.base))
            .json(&json!({"grant_type": "client_credentials", "client_id": "local", "client_secret": "local", "audience": format!("{}/api/v2/", c.base)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers().get("x-ratelimit-remaining").is_none());
    }
    let (first, _) = c.get(ACTIONS).await;
    let (second, _) = c.get(ACTIONS).await;
    assert_eq!((first, second), (StatusCode::OK, StatusCode::OK));
    assert_eq!(c.emu.stats().rate_limited, 0);
}

#[tokio::test]
async fn injected_429_burst_then_recovery() {
    let c = Client::start(EmulatorOptions::fast()).await;
    set_faults(&c, "429=2").await;
    let codes: Vec<StatusCode> = futures_codes(&c, 3).await;
    assert_eq!(
        codes,
        [
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::OK
        ]
    );
}

async fn futures_codes(c: &Client, n: usize) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(c.get(ACTIONS).await.0);
    }
    out
}

/// Replaces the faults; returns the seed in effect that the emulator answers.
async fn set_faults(c: &Client, spec: &str) -> u64 {
    let r = c
        .http
        .put(format!("{}/__emulator/faults", c.base))
        .body(spec.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{spec}");
    r.json::<Value>().await.unwrap()["seed"].as_u64().unwrap()
}

/// Request faults are random per request, from a seed: the same seed replays the same faults,
/// another seed others; a spec without a seed continues the sequence and answers its seed.
#[tokio::test]
async fn request_faults_are_random_and_replayed_by_their_seed() {
    let run = |spec: &'static str| async move {
        let c = Client::start(EmulatorOptions::fast()).await;
        let seed = set_faults(&c, spec).await;
        let codes = futures_codes(&c, 60).await;
        (c, seed, codes)
    };
    let (a, seed, first) = run("5xx=0.5,seed=7").await;
    assert_eq!(seed, 7);
    let (_, _, again) = run("5xx=0.5,seed=7").await;
    assert_eq!(first, again, "the same seed replays the same faults");
    let (_, _, other) = run("5xx=0.5,seed=8").await;
    assert_ne!(first, other);
    let hit = first
        .iter()
        .filter(|&&s| s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!((15..=45).contains(&hit), "{hit} of 60");
    // Not every other request, as the deterministic faults were.
    assert!(first.windows(2).any(|w| w[0] == w[1]), "{first:?}");
    assert_eq!(a.emu.stats().faults_injected, hit as u64);
    // Without a seed: the seed in effect, which the emulator reports.
    assert_eq!(set_faults(&a, "drop=1").await, 7);
    assert_eq!(a.emu.fault_seed(), 7);
    let r = a
        .http
        .get(format!("{}{ACTIONS}", a.base))
        .bearer_auth(&a.token)
        .send()
        .await;
    assert!(r.is_err(), "connection should drop");
    set_faults(&a, "").await;
    assert!(a.get(ACTIONS).await.1.get("actions").is_some());
    assert_eq!(a.emu.stats().by_status.get(&0), Some(&1));
    // A started emulator without a seed picked one.
    let c = Client::start(EmulatorOptions::fast()).await;
    assert_eq!(set_faults(&c, "5xx=0.1").await, c.emu.fault_seed());
}

/// `5xx-after` and `drop-after` apply the write, then lose its answer.
#[tokio::test]
async fn after_faults_apply_the_write_then_lose_the_answer() {
    let c = Client::start(EmulatorOptions::fast()).await;
    set_faults(&c, "5xx-after=1").await;
    let (s, _) = c
        .call(
            Method::POST,
            ACTIONS,
            Some(super::support::action_body("made")),
        )
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    set_faults(&c, "").await;
    let (_, list) = c.get(ACTIONS).await;
    assert_eq!(list["actions"][0]["name"], "made");
    let id = list["actions"][0]["id"].as_str().unwrap().to_string();
    set_faults(&c, "drop-after=1").await;
    let r = c
        .http
        .patch(format!("{}{ACTIONS}/{id}", c.base))
        .bearer_auth(&c.token)
        .json(&json!({"code": "changed"}))
        .send()
        .await;
    assert!(r.is_err(), "connection should drop");
    set_faults(&c, "").await;
    let (_, a) = c.get(&format!("{ACTIONS}/{id}")).await;
    assert_eq!(a["code"], "changed");
    let stats = c.emu.stats();
    assert_eq!(stats.faults_injected, 2);
    assert_eq!(stats.by_status.get(&0), Some(&1));
}

#[tokio::test]
async fn injected_failed_and_slow_builds() {
    let opts = EmulatorOptions {
        faults: "fail-builds=1,slow-builds=300".parse().unwrap(),
        ..EmulatorOptions::fast()
    };
    let c = Client::start(opts).await;
    let id = c.create("x").await;
    let (_, a) = c.get(&format!("{ACTIONS}/{id}")).await;
    assert_ne!(a["status"], "failed", "slow build still running");
    c.wait_status(&id, "failed").await;
}

#[tokio::test]
async fn latency_is_added() {
    let c = Client::start(EmulatorOptions {
        latency_ms: 150,
        ..EmulatorOptions::fast()
    })
    .await;
    let t = std::time::Instant::now();
    c.get(ACTIONS).await;
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn stats_count_by_template_and_log_requests() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let id = c.create("s").await;
    c.get(&format!("{ACTIONS}/{id}")).await;
    c.get(&format!("{ACTIONS}/{id}")).await;
    c.call(
        Method::PATCH,
        &format!("{ACTIONS}/{id}"),
        Some(json!({"code": "y"})),
    )
    .await;
    let stats: Value = c
        .http
        .get(format!("{}/__emulator/stats", c.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"], 5);
    assert_eq!(stats["by_endpoint"]["GET /api/v2/actions/actions/{id}"], 2);
    assert_eq!(
        stats["by_endpoint"]["PATCH /api/v2/actions/actions/{id}"],
        1
    );
    assert_eq!(stats["by_endpoint"]["POST /oauth/token"], 1);
    assert_eq!(serde_json::to_value(c.emu.stats()).unwrap(), stats);
    let log: Value = c
        .http
        .get(format!("{}/__emulator/requests", c.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last = &log["requests"][4];
    assert_eq!(last["method"], "PATCH");
    assert_eq!(last["template"], "/api/v2/actions/actions/{id}");
    assert_eq!(last["path"], format!("{ACTIONS}/{id}"));
    assert_eq!(last["status"], 200);
    assert_eq!(last["body"], r#"{"code":"y"}"#);
    let r = c
        .http
        .post(format!("{}/__emulator/reset-stats", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(c.emu.stats().total, 0);
}
