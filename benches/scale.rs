//! Scale: `plan --all` and `apply --all` over 200 tenant files against one emulator, each tenant
//! with its own client-side rate limit. Fails on any error, an unconverged second plan or a peak
//! above 512 MiB; prints wall time and peak memory of each run.
//!
//! A slow check rather than a unit test, kept out of `cargo test`: CI runs it with
//! `cargo test --locked --bench scale` (debug build); `cargo bench --bench scale` gives the
//! release figures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Instant;

use loginflow_emulator::{Emulator, EmulatorOptions};

/// The `loginflow` binary built for this run, with colour and inherited logging turned off.
fn loginflow() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loginflow"));
    cmd.env("NO_COLOR", "1").env_remove("LOGINFLOW_LOG");
    cmd
}

const TENANTS: usize = 200;

fn peak_kib(stderr: &str) -> Option<u64> {
    let line = stderr.lines().find(|l| l.contains("peak memory (VmHWM)"))?;
    line.split_whitespace().rev().nth(1)?.parse().ok()
}

fn main() {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(two_hundred_tenants());
}

async fn two_hundred_tenants() {
    let emu = Emulator::start(EmulatorOptions::fast()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tenants = dir.path().join("tenants");
    std::fs::create_dir_all(&tenants).unwrap();
    std::fs::write(dir.path().join("id"), "local").unwrap();
    // Small custom actions: every tenant reads every action of the shared emulator, so the
    // test measures the tool, not megabytes of generated code in a debug build.
    std::fs::write(
        dir.path().join("rule.js"),
        "exports.onExecutePostLogin = async () => {};\n",
    )
    .unwrap();
    for i in 0..TENANTS {
        let yaml = format!(
            "version: 1\ntenant:\n  domain: {}\n  owner: t{i:03}\n  credentials:\n    client_id: {{ file: ../id }}\n    client_secret: {{ file: ../id }}\n  rate_limit: {{ per_second: 50, burst: 20 }}\nactions:\n  t{i:03}-rule:\n    kind: custom\n    code: ../rule.js\n",
            emu.base_url()
        );
        std::fs::write(tenants.join(format!("t{i:03}.yaml")), yaml).unwrap();
    }
    let run = |args: &[&str]| {
        let start = Instant::now();
        let out = loginflow()
            .current_dir(dir.path())
            .arg("-v")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        println!(
            "{:<40} exit {:?} in {:>6.2} s, peak memory {:?} KiB",
            args.join(" "),
            out.status.code(),
            start.elapsed().as_secs_f64(),
            peak_kib(&stderr)
        );
        (out.status.code(), stderr)
    };
    let (code, err) = run(&["plan", "--all", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = run(&["apply", "--all", "--yes"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = run(&["plan", "--all", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let peak = peak_kib(&err).expect("peak memory is logged with -v");
    assert!(
        peak < 512 * 1024,
        "peak memory {peak} KiB for {TENANTS} tenants"
    );
    // The files share one emulator, which is one Auth0 tenant to them (each file its own
    // owner, as `validate` requires), so their applies took
    // its apply lock one after another: each took it once and deleted it once (the only
    // deletes of the run). No duplicate was created: the converged plan above would have
    // refused two live actions of one name.
    assert_eq!(
        emu.stats()
            .by_endpoint
            .get("DELETE /api/v2/actions/actions/{id}")
            .copied(),
        Some(TENANTS as u64)
    );
    emu.shutdown().await;
}
