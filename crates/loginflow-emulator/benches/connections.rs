//! Benchmark: what idle connections cost the emulator, and whether closing them gives it back.
//! Opens CONNECTIONS keep-alive connections (each sends one request, reads the answer and goes
//! idle), prints the process's resident memory (VmRSS, Linux) before, while they are open and
//! after they are closed, then does the same with slowloris connections (a partial request line,
//! then nothing), which the header-read timeout closes. Client and emulator share the process, so
//! the figures include both sides' sockets. Run with
//! `cargo bench -p loginflow-emulator --bench connections [-- CONNECTIONS]` (default 2000; each
//! costs two descriptors, mind `ulimit -n`), or in the debug profile with
//! `cargo test -p loginflow-emulator --bench connections`.

use std::time::{Duration, Instant};

use loginflow_emulator::{Emulator, EmulatorOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const REQUEST: &[u8] = b"GET /__emulator/stats HTTP/1.1\r\nhost: x\r\n\r\n";

#[tokio::main]
async fn main() -> BoxResult<()> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2000);
    let emu = Emulator::start(EmulatorOptions {
        max_connections: n + 16,
        header_read_timeout: Duration::from_secs(2),
        ..EmulatorOptions::fast()
    })
    .await?;
    let addr = emu.addr();
    let mb = |kb: u64| kb as f64 / 1024.0;
    // Three rounds: memory the allocator keeps after the first is reused, not grown.
    for round in 1..=3 {
        let before = rss_kb();
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let mut s = TcpStream::connect(addr).await?;
            s.write_all(REQUEST).await?;
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await?;
            conns.push(s);
        }
        let open = rss_kb();
        drop(conns);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let closed = rss_kb();
        println!(
            "round {round}, {n} idle keep-alive connections: VmRSS {:.1} MB before, {:.1} MB open, {:.1} MB after closing ({} tasks alive)",
            mb(before),
            mb(open),
            mb(closed),
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks()
        );
    }

    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = TcpStream::connect(addr).await?;
        s.write_all(b"GET /api/v2/act").await?;
        conns.push(s);
    }
    let open = rss_kb();
    let t = Instant::now();
    let mut cut = 0;
    for s in &mut conns {
        let mut buf = [0u8; 64];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await
        {
            cut += 1;
        }
    }
    let waited = t.elapsed();
    drop(conns);
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!(
        "{n} slowloris connections: VmRSS {:.1} MB open; the emulator closed {cut} within {:.1} s (header-read timeout 2 s); {:.1} MB after",
        mb(open),
        waited.as_secs_f64(),
        mb(rss_kb())
    );
    emu.shutdown().await;
    Ok(())
}

/// The process's resident set in KB, from `/proc/self/status` (0 where there is none).
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
