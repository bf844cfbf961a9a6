//! The long fuzzing run: structure-aware mutations of `tests/fuzz-corpus/*` and random bytes
//! through the config pipeline and the API response parsers, for a time budget. A panic prints
//! the input's file and stops; save it in `tests/fuzz-corpus/regressions/` with the fix.
//!
//! Run: `cargo run --release --example fuzz -- 10` (minutes per target; default 1).

use std::time::{Duration, Instant};

/// A small xorshift generator: reproducible from the printed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn main() {
    let minutes: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let corpus: Vec<Vec<u8>> = std::fs::read_dir(&root)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    println!(
        "fuzz: seed {seed}, {} corpus files, {minutes} min per target",
        corpus.len()
    );
    let mut rng = Rng(seed);
    let dir = std::env::temp_dir().join(format!("loginflow-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let crash = dir.join("last-input.bin");
    for target in ["config", "responses"] {
        let end = Instant::now() + Duration::from_secs(minutes * 60);
        let mut runs = 0u64;
        while Instant::now() < end {
            let input = if corpus.is_empty() || rng.next().is_multiple_of(4) {
                (0..rng.next() % 1024)
                    .map(|_| rng.next() as u8)
                    .collect::<Vec<u8>>()
            } else {
                let base = &corpus[(rng.next() as usize) % corpus.len()];
                let ops: Vec<(u16, u8)> = (0..1 + rng.next() % 16)
                    .map(|_| (rng.next() as u16, rng.next() as u8))
                    .collect();
                loginflow::fuzz::mutate(base, &ops)
            };
            let _ = std::fs::write(&crash, &input);
            match target {
                "config" => loginflow::fuzz::config_pipeline(&dir, &input),
                _ => loginflow::fuzz::api_responses(&input),
            }
            runs += 1;
        }
        println!("fuzz: target {target}: {runs} inputs, no panic");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
