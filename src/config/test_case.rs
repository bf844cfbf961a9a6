//! Test cases of `loginflow test`: an event, secrets, HTTP stubs and expectations.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One test case of the login flow.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// The case's name, unique in the tenant.
    pub name: String,
    /// Post-login event fields; unset fields get realistic defaults.
    #[serde(default)]
    pub event: serde_json::Map<String, serde_json::Value>,
    /// Secret values for this case, by secret name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, String>,
    /// Stubbed HTTP responses, matched in order by method and URL pattern.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpStub>,
    /// Entries present in `api.cache` before the flow runs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cache: BTreeMap<String, String>,
    /// What must hold after the flow ran.
    pub expect: Expect,
}

/// A stubbed HTTP response.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpStub {
    /// HTTP method to match. Default: any.
    pub method: Option<String>,
    /// URL to match; `*` matches any run of characters.
    pub url: String,
    /// Response status. Default: 200.
    pub status: Option<u16>,
    /// Response JSON body.
    pub body: Option<serde_json::Value>,
    /// A raw response body instead of JSON (e.g. to test malformed JSON).
    pub raw_body: Option<String>,
    /// Delay before answering, in milliseconds.
    pub delay_ms: Option<u64>,
    /// Fail the request with a network error instead of answering.
    #[serde(default)]
    pub network_error: bool,
}

/// Expectations of a test case. Only what is set is checked.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The exact custom claims of the ID token.
    pub id_token: Option<serde_json::Map<String, serde_json::Value>>,
    /// Claims the ID token must carry, among others.
    pub id_token_includes: Option<serde_json::Map<String, serde_json::Value>>,
    /// The exact custom claims of the access token.
    pub access_token: Option<serde_json::Map<String, serde_json::Value>>,
    /// Claims the access token must carry, among others.
    pub access_token_includes: Option<serde_json::Map<String, serde_json::Value>>,
    /// The `app_metadata` keys set by the flow (a key set to `null` is removed).
    pub app_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// The `user_metadata` keys set by the flow.
    pub user_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// Whether the login is denied, and optionally with which reason.
    pub denied: Option<Denied>,
    /// The HTTP calls made, in order (method and URL pattern).
    pub http_calls: Option<Vec<ExpectedCall>>,
    /// Keys written to `api.cache`.
    pub cache_writes: Option<Vec<String>>,
}

/// A deny expectation: `false`, `true`, or the exact reason.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Denied {
    /// Denied or not, whatever the reason.
    Flag(bool),
    /// Denied with exactly this reason.
    Reason(String),
}

/// An expected outbound call.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCall {
    /// HTTP method.
    pub method: String,
    /// URL pattern; `*` matches any run of characters.
    pub url: String,
}

/// The value matchers of expectations: a map whose only key is one of these.
pub const MATCHERS: &[&str] = &["$any", "$regex", "$jwt"];
/// What `$any` accepts: JSON types, and `present` (anything but null).
pub const ANY_TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "present",
];
/// The keys of a `$jwt` matcher.
pub const JWT_KEYS: &[&str] = &["verify", "header", "payload"];

/// A misspelt matcher in an expected value: where (a JSON Pointer below the value) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherProblem {
    pub pointer: String,
    pub message: String,
}

/// Every misspelt matcher in `value`, at any depth. `jwt_secret` is called with each
/// `$jwt.verify` name and says whether the case sets that secret.
pub fn matcher_problems(
    value: &serde_json::Value,
    jwt_secret: &dyn Fn(&str) -> bool,
) -> Vec<MatcherProblem> {
    let mut out = Vec::new();
    walk(value, "", jwt_secret, &mut out);
    out
}

fn walk(
    value: &serde_json::Value,
    ptr: &str,
    jwt_secret: &dyn Fn(&str) -> bool,
    out: &mut Vec<MatcherProblem>,
) {
    use serde_json::Value;
    let mut push = |pointer: String, message: String| out.push(MatcherProblem { pointer, message });
    match value {
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{ptr}/{i}"), jwt_secret, out);
            }
        }
        Value::Object(map) => {
            let Some(first) = map.keys().find(|k| k.starts_with('$')) else {
                for (k, v) in map {
                    walk(
                        v,
                        &format!("{ptr}/{}", super::yaml_tree::escape_pointer(k)),
                        jwt_secret,
                        out,
                    );
                }
                return;
            };
            let at = format!("{ptr}/{}", super::yaml_tree::escape_pointer(first));
            if map.len() != 1 {
                return push(
                    at,
                    format!("the matcher `{first}` must be the only key of its map"),
                );
            }
            let arg = &map[first];
            match first.as_str() {
                "$any" if arg.as_str().is_some_and(|t| ANY_TYPES.contains(&t)) => {}
                "$any" => push(at, format!("`$any` takes one of {}", ANY_TYPES.join(", "))),
                "$regex" => match arg.as_str().map(regex::Regex::new) {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => push(at, format!("`$regex` is not a valid pattern ({e})")),
                    None => push(at, "`$regex` takes a string".to_owned()),
                },
                "$jwt" => jwt(arg, &at, jwt_secret, out),
                other => push(
                    at,
                    format!("unknown matcher `{other}` (known: `$any`, `$regex`, `$jwt`)"),
                ),
            }
        }
        _ => {}
    }
}

fn jwt(
    arg: &serde_json::Value,
    at: &str,
    jwt_secret: &dyn Fn(&str) -> bool,
    out: &mut Vec<MatcherProblem>,
) {
    let Some(map) = arg.as_object() else {
        let message = "`$jwt` takes a map of `verify`, `header` and `payload`".to_owned();
        return out.push(MatcherProblem {
            pointer: at.to_owned(),
            message,
        });
    };
    for (k, v) in map {
        let pointer = format!("{at}/{}", super::yaml_tree::escape_pointer(k));
        match (k.as_str(), v.as_str()) {
            ("verify", Some(name)) if jwt_secret(name) => {}
            ("verify", Some(name)) => out.push(MatcherProblem {
                pointer,
                message: format!("`$jwt.verify` names secret `{name}`, which the case does not set under `secrets:`"),
            }),
            ("verify", None) => out.push(MatcherProblem { pointer, message: "`verify` takes a secret name".to_owned() }),
            ("header" | "payload", _) => walk(v, &pointer, jwt_secret, out),
            _ => out.push(MatcherProblem {
                pointer,
                message: format!("`$jwt` has no key `{k}` (known: {})", JWT_KEYS.join(", ")),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(v: serde_json::Value) -> Vec<(String, String)> {
        matcher_problems(&v, &|name| name == "SET")
            .into_iter()
            .map(|p| (p.pointer, p.message))
            .collect()
    }

    #[test]
    fn well_formed_matchers_and_literals_pass() {
        let v = json!({ "a": [{ "$any": "string" }, { "$regex": "^x" }],
            "t": { "$jwt": { "verify": "SET", "payload": { "n": { "$any": "integer" } } } } });
        assert!(problems(v).is_empty());
    }

    #[test]
    fn misspellings_are_located_below_the_value() {
        assert_eq!(
            problems(json!({ "x": { "$any": "string", "y": 1 } })),
            [(
                "/x/$any".to_owned(),
                "the matcher `$any` must be the only key of its map".to_owned()
            )]
        );
        assert_eq!(
            problems(json!({ "$jwt": { "verify": "SET", "claims": {} } })),
            [(
                "/$jwt/claims".to_owned(),
                "`$jwt` has no key `claims` (known: verify, header, payload)".to_owned()
            )]
        );
        assert_eq!(problems(json!({ "$regex": "(" }))[0].0, "/$regex");
        assert_eq!(
            problems(json!({ "$regex": 1 }))[0].1,
            "`$regex` takes a string"
        );
    }
}
