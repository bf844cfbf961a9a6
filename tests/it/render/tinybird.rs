//! `kind: tinybird` executed in Node; the JWT is verified in Rust (HS256 and exact payload).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::support::*;

const KEY: &str = "p.eyJ1IjogIndvcmtzcGFjZS1hZG1pbiJ9.test-signing-key";
const NOW_MS: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn action() -> loginflow::render::RenderedAction {
    render(
        "tinybird-token",
        r#"
kind: tinybird
workspace_id: 7f9c2b1e-4d3a-4b8e-9c21-5a6f0e3d2b18
signing_key: TINYBIRD_ADMIN_TOKEN
expires_in: 3600
name_prefix: tinybird_jwt_
scopes:
  - { type: "PIPES:READ", resource: top_pages, fixed_params: { org_id: user.app_metadata.org_id, plan: user.app_metadata.plan } }
  - { type: "DATASOURCES:READ", resource: events, filter: "org_id = 'org_42'" }
limits: { rps: 10 }
claim: https://app.tinybird.co
tokens: [id, access]
app_metadata_key: tinybirdJWT
"#,
    )
}

/// HMAC-SHA256 (RFC 2104) with sha2 only.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// Checks the signature and returns (header, payload).
pub fn verify_hs256(token: &str, key: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(key.as_bytes(), signing_input.as_bytes()));
    assert_eq!(parts[2], expected, "HS256 signature");
    let decode = |p: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("json")
    };
    (decode(parts[0]), decode(parts[1]))
}

#[test]
fn hmac_helper_matches_rfc_4231_case_2() {
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn signs_the_exact_payload_with_hs256() {
    let action = action();
    node_check(&action.code);
    assert!(!action.code.contains("require(\"jsonwebtoken\")"));
    let mut c = case("happy", event(), &[("TINYBIRD_ADMIN_TOKEN", KEY)], vec![]);
    c.now_ms = Some(NOW_MS);
    let r = run_one(&action, c);
    let token = r.id_token["https://app.tinybird.co"]
        .as_str()
        .expect("token claim");
    assert_eq!(r.access_token["https://app.tinybird.co"], json!(token));
    assert_eq!(r.app_metadata["tinybirdJWT"], json!(token));
    let (header, payload) = verify_hs256(token, KEY);
    assert_eq!(header, json!({ "alg": "HS256", "typ": "JWT" }));
    assert_eq!(
        payload,
        json!({
            "workspace_id": "7f9c2b1e-4d3a-4b8e-9c21-5a6f0e3d2b18",
            "name": "tinybird_jwt_auth0|5f7c8ec7c33c6c004bbafe82",
            "exp": NOW_MS / 1000 + 3600,
            "scopes": [
                { "type": "PIPES:READ", "resource": "top_pages", "fixed_params": { "org_id": "org_42", "plan": "pro" } },
                { "type": "DATASOURCES:READ", "resource": "events", "filter": "org_id = 'org_42'" }
            ],
            "limits": { "rps": 10 }
        })
    );
    // The key order is part of the exact payload too.
    let keys: Vec<&String> = payload.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["workspace_id", "name", "exp", "scopes", "limits"]);
    assert!(r.http_calls.is_empty() && r.logs.is_empty());
}

#[test]
fn a_missing_fixed_param_mints_no_token() {
    let action = action();
    let mut no_org = event();
    remove(&mut no_org, "user.app_metadata.org_id");
    let mut no_metadata = event();
    remove(&mut no_metadata, "user.app_metadata");
    let results = run(
        &[&action],
        vec![
            case("no org", no_org, &[("TINYBIRD_ADMIN_TOKEN", KEY)], vec![]),
            case(
                "no app_metadata",
                no_metadata,
                &[("TINYBIRD_ADMIN_TOKEN", KEY)],
                vec![],
            ),
        ],
    );
    for r in results {
        assert!(r.id_token.is_empty() && r.access_token.is_empty() && r.app_metadata.is_empty());
        assert!(!r.denied);
        assert!(
            logs(&r).contains("fixed param org_id: event path user.app_metadata.org_id is missing"),
            "{}",
            logs(&r)
        );
    }
}

#[test]
fn a_missing_signing_key_denies_under_deny() {
    let yaml = "kind: tinybird\nworkspace_id: w\nsigning_key: TINYBIRD_ADMIN_TOKEN\nexpires_in: 60\nscopes: [{ type: \"PIPES:READ\", resource: p }]\nclaim: https://app.tinybird.co\non_failure: deny\ndeny_message: Analytics unavailable\n";
    let action = render("tb", yaml);
    let r = run_one(&action, case("no key", event(), &[], vec![]));
    assert!(r.denied);
    assert_eq!(r.deny_reason.as_deref(), Some("Analytics unavailable"));
    assert!(logs(&r).contains("secret TINYBIRD_ADMIN_TOKEN is not set"));
    assert!(r.access_token.is_empty());
}
