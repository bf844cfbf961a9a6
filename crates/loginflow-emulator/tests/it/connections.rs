//! The emulator as a server facing misbehaving clients: a slowloris head, a stalled body, more
//! idle connections than it serves at once.

use std::time::{Duration, Instant};

use loginflow_emulator::{Emulator, EmulatorOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection; returns how long that took, or `None` if it
/// stayed open (or kept sending) for `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let t = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within.saturating_sub(t.elapsed()), stream.read(&mut buf)).await
        {
            Ok(Ok(0) | Err(_)) => return Some(t.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

/// Whether an answer starts arriving within `within`.
async fn answers_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 16];
    matches!(
        tokio::time::timeout(within, stream.read(&mut buf)).await,
        Ok(Ok(n)) if n > 0 && buf.starts_with(b"HTTP/1.1")
    )
}

const STATS: &[u8] = b"GET /__emulator/stats HTTP/1.1\r\nhost: x\r\n\r\n";

#[tokio::test]
async fn a_slowloris_head_is_cut_off_after_the_header_read_timeout() {
    let emu = Emulator::start(EmulatorOptions {
        header_read_timeout: Duration::from_millis(300),
        ..EmulatorOptions::fast()
    })
    .await
    .unwrap();
    let mut s = TcpStream::connect(emu.addr()).await.unwrap();
    s.write_all(b"GET /api/v2/actions/act").await.unwrap();
    let closed = closed_within(&mut s, Duration::from_secs(3)).await;
    assert!(
        closed.is_some_and(|d| d >= Duration::from_millis(250)),
        "{closed:?}"
    );
    // An idle keep-alive connection too, counted from the end of its last response.
    let mut s = TcpStream::connect(emu.addr()).await.unwrap();
    s.write_all(STATS).await.unwrap();
    assert!(answers_within(&mut s, Duration::from_secs(1)).await);
    assert!(
        closed_within(&mut s, Duration::from_secs(3))
            .await
            .is_some()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_stalled_body_is_cut_off_after_the_idle_timeout() {
    let emu = Emulator::start(EmulatorOptions {
        idle_timeout: Duration::from_millis(300),
        ..EmulatorOptions::fast()
    })
    .await
    .unwrap();
    let mut s = TcpStream::connect(emu.addr()).await.unwrap();
    s.write_all(b"PUT /__emulator/faults HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n429")
        .await
        .unwrap();
    let closed = closed_within(&mut s, Duration::from_secs(3)).await;
    assert!(closed.is_some(), "still open");
    emu.shutdown().await;
}

#[tokio::test]
async fn no_more_than_max_connections_are_served_at_once() {
    let emu = Emulator::start(EmulatorOptions {
        max_connections: 4,
        ..EmulatorOptions::fast()
    })
    .await
    .unwrap();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(emu.addr()).await.unwrap();
        s.write_all(STATS).await.unwrap();
        assert!(answers_within(&mut s, Duration::from_secs(1)).await);
        held.push(s);
    }
    // Two more: the kernel completes the handshake, but the emulator does not serve them.
    let mut waiting = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(emu.addr()).await.unwrap();
        s.write_all(STATS).await.unwrap();
        waiting.push(s);
    }
    for s in &mut waiting {
        assert!(
            !answers_within(s, Duration::from_millis(400)).await,
            "served beyond the cap"
        );
    }
    // Closing one held connection frees one slot: exactly one waiting client is served.
    drop(held.pop());
    let mut served = 0;
    for s in &mut waiting {
        if answers_within(s, Duration::from_millis(700)).await {
            served += 1;
        }
    }
    assert_eq!(served, 1);
    drop(held);
    emu.shutdown().await;
}
