//! Fingerprints of secret values for the managed header (SPEC §5.3).
//!
//! The Management API never returns a secret's value, so the planner compares a fingerprint
//! recorded in the deployed code with one computed from the local value. The fingerprint is an
//! Argon2id hash (deliberately slow, so a leaked header does not let anyone brute-force short
//! secrets cheaply) with a *deterministic* salt: the same value must render byte-identical code,
//! while the salt still differs per tenant, action and secret so equal values do not show up as
//! equal fingerprints across actions.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// Argon2id memory cost in KiB (the OWASP minimum recommendation).
const MEMORY_KIB: u32 = 19_456;
/// Argon2id passes.
const ITERATIONS: u32 = 2;
/// Argon2id lanes.
const PARALLELISM: u32 = 1;

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) of a secret value.
///
/// The salt is the first 16 bytes of SHA-256 over the length-prefixed domain, action and secret
/// name, so no two inputs can collide by shifting characters between the parts.
pub fn fingerprint(domain: &str, action: &str, secret_name: &str, value: &str) -> String {
    let salt = derive_salt(domain, action, secret_name);
    // The constants are valid; the crate defaults they fall back to are the same values.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    match SaltString::encode_b64(&salt)
        .map_err(|e| e.to_string())
        .and_then(|s| {
            argon
                .hash_password(value.as_bytes(), &s)
                .map(|h| h.to_string())
                .map_err(|e| e.to_string())
        }) {
        Ok(phc) => phc,
        // Unreachable with a 16-byte salt and default output length; never echo the value.
        Err(reason) => format!("error:{reason}"),
    }
}

fn derive_salt(domain: &str, action: &str, secret_name: &str) -> [u8; 16] {
    let mut hasher = Sha256::new();
    hasher.update(b"loginflow-secret-fingerprint-v1");
    for part in [domain, action, secret_name] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&digest[..16]);
    salt
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn deterministic_and_phc_shaped() {
        let a = fingerprint(
            "acme.eu.auth0.com",
            "hasura",
            "HASURA_ADMIN_SECRET",
            "s3cret",
        );
        let b = fingerprint(
            "acme.eu.auth0.com",
            "hasura",
            "HASURA_ADMIN_SECRET",
            "s3cret",
        );
        assert_eq!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(!a.contains("s3cret"));
    }

    #[test]
    fn differs_by_every_input() {
        let base = fingerprint("d", "a", "N", "value-1");
        assert_ne!(base, fingerprint("d", "a", "N", "value-2"));
        assert_ne!(base, fingerprint("d", "a", "M", "value-1"));
        assert_ne!(base, fingerprint("d", "b", "N", "value-1"));
        assert_ne!(base, fingerprint("e", "a", "N", "value-1"));
        // Shifting characters between parts must not collide.
        assert_ne!(
            fingerprint("ab", "c", "N", "v"),
            fingerprint("a", "bc", "N", "v")
        );
    }

    #[test]
    fn never_contains_the_value() {
        for value in ["x", "hunter2", "correct horse battery staple", "c29tZQ"] {
            let fp = fingerprint("d", "a", "N", value);
            assert!(!fp.contains(value) || value.len() < 3, "{fp}");
        }
    }
}
