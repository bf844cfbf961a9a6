//! The post-login event of a test case: realistic defaults for every field the case leaves unset.

use serde_json::{Map, Value, json};

/// The event a case runs with: the defaults, with the case's fields merged over them (objects
/// merge key by key; anything else, arrays included, replaces). `tenant_id` is the first label
/// of the tenant's domain. When the case sets neither `user.identities` nor a default-looking
/// user, the identity is derived from `user.user_id` and `connection` so the two agree.
pub fn build_event(overrides: &Map<String, Value>, tenant_id: &str) -> Value {
    let mut event = defaults(tenant_id);
    merge(&mut event, &Value::Object(overrides.clone()));
    let sets_identities = overrides
        .get("user")
        .and_then(Value::as_object)
        .is_some_and(|u| u.contains_key("identities"));
    if !sets_identities {
        let identity = identity_of(&event);
        event["user"]["identities"] = json!([identity]);
    }
    event
}

/// Deep-merges `patch` into `base`.
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// The identity of the user's `user_id` (`provider|id`) on the event's connection.
fn identity_of(event: &Value) -> Value {
    let user_id = event["user"]["user_id"].as_str().unwrap_or_default();
    let (provider, id) = user_id.split_once('|').unwrap_or(("auth0", user_id));
    let connection = event["connection"]["name"].as_str().unwrap_or_default();
    let strategy = event["connection"]["strategy"].as_str().unwrap_or(provider);
    let social = !matches!(
        strategy,
        "auth0" | "sms" | "email" | "waad" | "adfs" | "samlp" | "ad" | "okta" | "oidc"
    );
    json!({ "provider": provider, "user_id": id, "connection": connection, "isSocial": social })
}

/// Defaults after the Auth0 post-login event reference: a verified database user signing in to a
/// regular web application with the authorization-code flow.
pub fn defaults(tenant_id: &str) -> Value {
    json!({
        "user": {
            "user_id": "auth0|65f0c0ffee0000000000a001",
            "email": "test.user@example.com",
            "email_verified": true,
            "name": "Test User",
            "nickname": "test.user",
            "given_name": "Test",
            "family_name": "User",
            "picture": "https://s.gravatar.com/avatar/00000000000000000000000000000000?s=480&d=mp",
            "created_at": "2024-03-12T09:30:00.000Z",
            "updated_at": "2026-01-05T08:00:00.000Z",
            "last_password_reset": null,
            "app_metadata": {},
            "user_metadata": {},
            "identities": [],
            "multifactor": []
        },
        "authorization": { "roles": [] },
        "client": {
            "client_id": "tEsTcLiEnT0000000000000000000001",
            "name": "Test Application",
            "metadata": {}
        },
        "connection": {
            "id": "con_TestDatabase0001",
            "name": "Username-Password-Authentication",
            "strategy": "auth0",
            "metadata": {}
        },
        "request": {
            "ip": "203.0.113.10",
            "method": "GET",
            "hostname": format!("{tenant_id}.auth0.test"),
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
            "language": "en-GB,en;q=0.9",
            "asn": "64496",
            "body": {},
            "query": {},
            "geoip": {
                "cityName": "London",
                "continentCode": "EU",
                "countryCode": "GB",
                "countryCode3": "GBR",
                "countryName": "United Kingdom",
                "latitude": 51.5072,
                "longitude": -0.1276,
                "subdivisionCode": "ENG",
                "subdivisionName": "England",
                "timeZone": "Europe/London"
            }
        },
        "transaction": {
            "id": "txn_Test000000000001",
            "locale": "en",
            "protocol": "oidc-basic-profile",
            "redirect_uri": "https://app.example.com/callback",
            "requested_scopes": ["openid", "profile", "email"],
            "response_mode": "query",
            "response_type": ["code"],
            "state": "test-state",
            "ui_locales": [],
            "metadata": {}
        },
        "tenant": { "id": tenant_id },
        "stats": { "logins_count": 1 },
        "authentication": {
            "methods": [{ "name": "pwd", "timestamp": "2026-01-05T08:00:00.000Z" }]
        },
        "session": { "id": "sess_Test000000000001" },
        "secrets": {}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_fields_override_defaults_and_identity_follows() {
        let over = json!({
            "user": { "user_id": "waad|abc", "app_metadata": { "org": 1 } },
            "connection": { "name": "corp-ad", "strategy": "waad" },
            "authorization": { "roles": ["admin"] }
        });
        let ev = build_event(over.as_object().expect("object"), "acme");
        assert_eq!(ev["user"]["email"], "test.user@example.com");
        assert_eq!(ev["user"]["app_metadata"], json!({ "org": 1 }));
        assert_eq!(ev["authorization"]["roles"], json!(["admin"]));
        assert_eq!(ev["connection"]["id"], "con_TestDatabase0001");
        assert_eq!(ev["user"]["identities"][0]["provider"], "waad");
        assert_eq!(ev["user"]["identities"][0]["connection"], "corp-ad");
        assert_eq!(ev["tenant"]["id"], "acme");
        assert_eq!(ev["transaction"]["protocol"], "oidc-basic-profile");
    }
}
