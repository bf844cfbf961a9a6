//! Random identifiers: UUID v4 for actions, versions and bindings (as Auth0 uses), and opaque
//! access tokens. Randomness comes from the OS through `getrandom`.

/// Fills a buffer with OS randomness. The OS source does not fail on the platforms we support;
/// if it ever did, a time-seeded fallback keeps ids unique enough for a local emulator.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        let mut x = super::clock::now() | 1;
        for b in &mut buf {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x & 0xff) as u8;
        }
    }
    buf
}

/// A random RFC 4122 version-4 UUID in lowercase hyphenated form.
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = random_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An opaque bearer token (not a JWT: clients must not parse Management API tokens).
pub fn token() -> String {
    let b: [u8; 32] = random_bytes();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("lfemu_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_v4_shape() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(uuid_v4(), id);
    }
}
