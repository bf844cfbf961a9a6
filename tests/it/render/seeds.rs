//! Each seed article's hand-written Action against the generated one for an equivalent config:
//! the same observable effect on the same event, except where the seed is buggy (named below).

use serde_json::{Value, json};

use super::support::*;
use super::tinybird::verify_hs256;

/// Seed 001 (Hasura tutorial), claims Action, run verbatim. Same claims object on the access
/// token. Seed bug: none in the claims; its sync Action hard-codes the admin secret and checks
/// neither status nor `errors[]` (covered in `hasura.rs`).
#[test]
fn seed_001_hasura_claims_same_effect() {
    let seed = loginflow::render::RenderedAction {
        code: r#"exports.onExecutePostLogin = async (event, api) => {
  if (event.authorization) {
    const roles = ['user']
    api.accessToken.setCustomClaim('https://hasura.io/jwt/claims', {
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': roles,
      'x-hasura-user-id': event.user.user_id
    });
  }
}"#
        .into(),
        ..render("seed", "kind: claims\nclaims: []\n")
    };
    let ours = render(
        "hasura",
        "kind: hasura\ndefault_role: user\nallowed_roles: [user]\nrequire_authorization: true\n",
    );
    let mut no_authz = event();
    remove(&mut no_authz, "authorization");
    for ev in [event(), no_authz] {
        let a = run_one(&seed, case("seed", ev.clone(), &[], vec![]));
        let b = run_one(&ours, case("ours", ev, &[], vec![]));
        assert_eq!(a.access_token, b.access_token);
        assert_eq!(a.id_token, b.id_token);
    }
}

/// Seed 000 (Tinybird + Auth0), run with `jsonwebtoken` replaced by an HS256 shim. Same claim on
/// the ID token and same `app_metadata.tinybirdJWT`, same workspace and scopes. Seed bug:
/// `event.user.id` does not exist, so its token is named `tinybird_jwt_undefined` (one shared
/// rate-limit bucket); ours is named after `event.user.user_id`.
#[test]
fn seed_000_tinybird_same_effect_except_the_user_id_bug() {
    let shim = r#"const jwt = { sign(payload, secret, options) {
  const c = require("crypto"); const iat = Math.floor(Date.now() / 1000);
  const full = { ...payload, iat, exp: iat + 7 * 86400 };
  const enc = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = enc({ alg: "HS256", typ: "JWT" }) + "." + enc(full);
  return input + "." + c.createHmac("sha256", secret).update(input).digest("base64url"); } };
"#;
    // The article's Action, verbatim after its `require("jsonwebtoken")` line.
    let seed_code = r#"exports.onExecutePostLogin = async (event, api) => {
  if (!event.secrets.TINYBIRD_ADMIN_TOKEN) {
    console.log("Tinybird Admin Token is missing. Create a secret with name TINYBIRD_ADMIN_TOKEN.");
    return;
  }

  if (!event.configuration.TINYBIRD_WORKSPACE_ID) {
    console.log(
      "Tinybird Workspace ID is missing. Create a configuration variable with name TINYBIRD_WORKSPACE_ID."
    );
    return;
  }

  if (!event.configuration.TINYBIRD_PIPE_NAMES) {
    console.log(
      "Tinybird Pipe Names is missing. Create a configuration variable with name TINYBIRD_PIPE_NAMES."
    );
    return;
  }

  const scopes = event.configuration.TINYBIRD_PIPE_NAMES.split(",").map((pipeName) => ({
    type: "PIPES:READ",
    resource: pipeName,
  }));

  const payload = {
    workspace_id: event.configuration.TINYBIRD_WORKSPACE_ID,
    name: `tinybird_jwt_${event.user.id}`,
    scopes,
  };

  const options = {
    expiresIn: "7d",
  };

  const secret = event.secrets.TINYBIRD_ADMIN_TOKEN;
  const token = jwt.sign(payload, secret, options);
  api.user.setAppMetadata("tinybirdJWT", token);

  if (event.authorization) {
    api.idToken.setCustomClaim("https://app.tinybird.co", token);
  }

  console.log(`Tinybird JWT token set for user`);
};
"#;
    let seed = loginflow::render::RenderedAction {
        code: format!("{shim}{seed_code}"),
        secrets: vec!["TINYBIRD_ADMIN_TOKEN".into()],
        ..render("seed", "kind: claims\nclaims: []\n")
    };
    let ours = render(
        "tinybird",
        "kind: tinybird\nworkspace_id: ws-1\nsigning_key: TINYBIRD_ADMIN_TOKEN\nexpires_in: 604800\nname_prefix: tinybird_jwt_\nscopes: [{ type: \"PIPES:READ\", resource: top_pages }, { type: \"PIPES:READ\", resource: browsers }]\nclaim: https://app.tinybird.co\ntokens: [id]\napp_metadata_key: tinybirdJWT\n",
    );
    let mut ev = event();
    set(
        &mut ev,
        "configuration",
        json!({ "TINYBIRD_WORKSPACE_ID": "ws-1", "TINYBIRD_PIPE_NAMES": "top_pages,browsers" }),
    );
    let secrets = [("TINYBIRD_ADMIN_TOKEN", "admin-token")];
    let mut c = case("seed", ev.clone(), &secrets, vec![]);
    c.now_ms = Some(1_767_225_600_000);
    let a = run(&[&seed], vec![c.clone()]).remove(0);
    let b = run_one(&ours, c);
    let token = |r: &loginflow::node::CaseResult| {
        r.id_token["https://app.tinybird.co"]
            .as_str()
            .expect("claim")
            .to_owned()
    };
    assert_eq!(a.app_metadata["tinybirdJWT"], json!(token(&a)));
    assert_eq!(b.app_metadata["tinybirdJWT"], json!(token(&b)));
    let (_, seed_payload) = verify_hs256(&token(&a), "admin-token");
    let (_, our_payload) = verify_hs256(&token(&b), "admin-token");
    for key in ["workspace_id", "scopes", "exp"] {
        assert_eq!(seed_payload[key], our_payload[key], "{key}");
    }
    assert_eq!(
        seed_payload["name"],
        json!("tinybird_jwt_undefined"),
        "the seed's bug"
    );
    assert_eq!(
        our_payload["name"],
        json!("tinybird_jwt_auth0|5f7c8ec7c33c6c004bbafe82")
    );
}

/// Seed 002 (backend enrichment): the whole backend answer on both tokens under
/// `http://test.org/extra_info`. Seed bugs: a new M2M token on every login (ours is cached),
/// no timeout, an unhandled throw on any backend error (ours: `continue`), and the email pasted
/// into the URL path unencoded (ours: an encoded query parameter).
#[test]
fn seed_002_backend_enrich_same_claims() {
    let ours = render(
        "enrich",
        "kind: enrich\nurl: https://api.example.com/api/users\nquery: { email: user.email }\nauth: { m2m: { token_url: \"https://acme.eu.auth0.com/oauth/token\", client_id: c, client_secret: client_secret, audience: \"http://PostLoginApi\" } }\nmap: [{ from: \"\", claim: \"http://test.org/extra_info\" }]\n",
    );
    let answer = json!({ "customerId": 42, "segments": ["b2b"] });
    let r = run_one(
        &ours,
        case(
            "seed 002",
            event(),
            &[("client_secret", "s")],
            vec![
                stub(
                    "POST",
                    "https://acme.eu.auth0.com/oauth/token",
                    200,
                    json!({ "access_token": "t", "expires_in": 86400 }),
                ),
                stub(
                    "GET",
                    "https://api.example.com/api/users?email=ada%40acme.example.com",
                    200,
                    answer.clone(),
                ),
            ],
        ),
    );
    assert_eq!(r.access_token["http://test.org/extra_info"], answer);
    assert_eq!(r.id_token["http://test.org/extra_info"], answer);
    assert_eq!(
        r.cache_writes.len(),
        1,
        "the M2M token is cached (the seed's bug: one per login)"
    );
}

/// Seed 003 (AD groups via the Management API): `groups` on the ID token when the user has them.
/// Seed bugs: the claim name is the empty string (Auth0 drops it), a new Management API token
/// per login (ours is cached), and any API error fails the login (ours: `continue`).
#[test]
fn seed_003_ad_groups_same_effect_with_a_real_claim_name() {
    let ours = render(
        "groups",
        "kind: profile\nclient_id: c\nclient_secret: APP_CLIENT_SECRET\nmap: [{ from: groups, claim: https://xyz.example.com/groups, tokens: [id] }]\n",
    );
    let s = [("APP_CLIENT_SECRET", "s")];
    let token = || {
        stub(
            "POST",
            "https://acme.eu.auth0.com/oauth/token",
            200,
            json!({ "access_token": "t", "expires_in": 86400 }),
        )
    };
    let user = |body: Value| stub("GET", "https://acme.eu.auth0.com/api/v2/users/*", 200, body);
    let results = run(
        &[&ours],
        vec![
            case(
                "with groups",
                event(),
                &s,
                vec![token(), user(json!({ "groups": ["admins"] }))],
            ),
            case(
                "without groups",
                event(),
                &s,
                vec![token(), user(json!({}))],
            ),
        ],
    );
    assert_eq!(
        Value::Object(results[0].id_token.clone()),
        json!({ "https://xyz.example.com/groups": ["admins"] })
    );
    assert!(
        results[1].id_token.is_empty(),
        "the seed also sets nothing without `groups`"
    );
}

/// Seed 004 (CRM sync Rules): the CRM record's `name` in the ID token and its data stored on the
/// user, refreshed at most once a day. Seed bugs: it stores the CRM data in `user_metadata`,
/// which users can edit (ours: `app_metadata`); "today" is a calendar day in the server's time
/// zone (ours: a 24 h TTL); no timeout.
#[test]
fn seed_004_crm_sync_same_claims_in_app_metadata() {
    let ours = render(
        "crm",
        "kind: enrich\nurl: https://crm.example.com/exist-by-phone\nbody: { phoneNumber: user.phone_number }\nauth: { header: { name: x-api-key, secret: CRM_KEY } }\nmap: [{ from: name, claim: \"https://crm.yourNamespace.com/name\", tokens: [id] }, { from: externalId, app_metadata: external_id }]\ncache: { key: crm, ttl_seconds: 86400 }\n",
    );
    let r = run_one(
        &ours,
        case(
            "seed 004",
            event(),
            &[("CRM_KEY", "k")],
            vec![stub(
                "POST",
                "https://crm.example.com/exist-by-phone",
                200,
                json!({ "name": "Dana", "externalId": "C-1" }),
            )],
        ),
    );
    assert_eq!(
        r.id_token["https://crm.yourNamespace.com/name"],
        json!("Dana")
    );
    assert_eq!(r.app_metadata["external_id"], json!("C-1"));
    assert!(r.user_metadata.is_empty(), "never user-editable metadata");
}
