//! Comparing one expected JSON value with the actual one, at every depth: literal values, and
//! the value matchers `{ $any: string }`, `{ $regex: "^org_" }` and
//! `{ $jwt: { verify: SECRET, payload: {...} } }`. A map whose only key starts with `$` is a
//! matcher; a `$` key beside others, or an unknown one, is a mismatch that says so.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::expect::{Mismatch, mismatch, quote, show};
use crate::config::test_case::ANY_TYPES;

/// Whether extra keys in actual objects are differences (`Exact`) or allowed (`Subset`, at every
/// depth: `*_includes` and JWT payloads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Exact,
    Subset,
}

/// What the matchers need from the case: its secret values, by name (for `$jwt.verify`).
pub struct Ctx<'a> {
    pub secrets: &'a BTreeMap<String, String>,
}

/// `want` against `got` at `field`, pushing one mismatch per difference. Objects are compared
/// key by key and arrays element by element (same length) so the path points at the difference.
pub fn compare(
    field: &str,
    want: &Value,
    got: &Value,
    mode: Mode,
    ctx: &Ctx,
    out: &mut Vec<Mismatch>,
) {
    if let Some(found) = matcher_of(want) {
        match found {
            Ok((name, arg)) => compare_matcher(field, name, arg, got, ctx, out),
            Err(detail) => out.push(mismatch(field, detail)),
        }
        return;
    }
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => compare_objects(field, w, g, mode, ctx, out),
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                compare(&format!("{field}[{i}]"), wv, gv, mode, ctx, out);
            }
        }
        _ if want == got => {}
        _ => out.push(mismatch(field, expected_got(want, got))),
    }
}

fn compare_objects(
    field: &str,
    want: &Map<String, Value>,
    got: &Map<String, Value>,
    mode: Mode,
    ctx: &Ctx,
    out: &mut Vec<Mismatch>,
) {
    for (k, wv) in want {
        let sub = format!("{field}[{}]", quote(k));
        match got.get(k) {
            None => out.push(mismatch(
                sub,
                format!("expected {}, but the key is missing", show(wv)),
            )),
            Some(gv) => compare(&sub, wv, gv, mode, ctx, out),
        }
    }
    if mode == Mode::Exact {
        for (k, gv) in got.iter().filter(|(k, _)| !want.contains_key(*k)) {
            out.push(mismatch(
                format!("{field}[{}]", quote(k)),
                format!("not expected, got {}", show(gv)),
            ));
        }
    }
}

/// `Some(Ok((name, argument)))` for a matcher, `Some(Err(why))` for a malformed one, `None` for a
/// literal value.
fn matcher_of(want: &Value) -> Option<Result<(&str, &Value), String>> {
    let Value::Object(map) = want else {
        return None;
    };
    let first = map.keys().find(|k| k.starts_with('$'))?;
    if map.len() != 1 {
        return Some(Err(format!(
            "the matcher `{first}` must be the only key of its map (write the other keys beside it \
             one level up)"
        )));
    }
    let (name, arg) = map.iter().next()?;
    Some(Ok((name.as_str(), arg)))
}

fn compare_matcher(
    field: &str,
    name: &str,
    arg: &Value,
    got: &Value,
    ctx: &Ctx,
    out: &mut Vec<Mismatch>,
) {
    let result = match name {
        "$any" => any(arg, got),
        "$regex" => regex(arg, got),
        "$jwt" => return jwt(field, arg, got, ctx, out),
        other => Err(format!(
            "unknown matcher `{other}` (known: `$any`, `$regex`, `$jwt`)"
        )),
    };
    if let Err(detail) = result {
        out.push(mismatch(field, detail));
    }
}

fn any(arg: &Value, got: &Value) -> Result<(), String> {
    let kind = arg
        .as_str()
        .filter(|k| ANY_TYPES.contains(k))
        .ok_or_else(|| {
            format!(
                "`$any` takes one of {}, got {}",
                ANY_TYPES.join(", "),
                show(arg)
            )
        })?;
    let ok = match kind {
        "string" => got.is_string(),
        "number" => got.is_number(),
        "integer" => got.is_i64() || got.is_u64(),
        "boolean" => got.is_boolean(),
        "array" => got.is_array(),
        "object" => got.is_object(),
        _ => !got.is_null(),
    };
    if ok {
        return Ok(());
    }
    let article = if kind == "integer" || kind == "object" || kind == "array" {
        "an"
    } else {
        "a"
    };
    let wanted = if kind == "present" {
        "any value".to_owned()
    } else {
        format!("{article} {kind}")
    };
    Err(format!("expected {wanted}, got {}", show(got)))
}

fn regex(arg: &Value, got: &Value) -> Result<(), String> {
    let pattern = arg
        .as_str()
        .ok_or_else(|| format!("`$regex` takes a string, got {}", show(arg)))?;
    let re = regex::Regex::new(pattern)
        .map_err(|e| format!("`$regex` {}: invalid pattern ({e})", quote(pattern)))?;
    match got.as_str() {
        Some(s) if re.is_match(s) => Ok(()),
        _ => Err(format!(
            "expected a string matching /{pattern}/, got {}",
            show(got)
        )),
    }
}

/// `$jwt`: the value is a compact JWS; `verify` (a secret of the case) checks its HS256
/// signature; `header` and `payload` are matched as subsets.
fn jwt(field: &str, arg: &Value, got: &Value, ctx: &Ctx, out: &mut Vec<Mismatch>) {
    let spec = match JwtSpec::parse(arg) {
        Ok(spec) => spec,
        Err(detail) => return out.push(mismatch(field, detail)),
    };
    let Some(token) = got.as_str() else {
        return out.push(mismatch(
            field,
            format!("expected a JWT, got {}", show(got)),
        ));
    };
    let decoded = match decode(token) {
        Ok(d) => d,
        Err(why) => return out.push(mismatch(field, format!("expected a JWT, but {why}"))),
    };
    if let Some(secret) = spec.verify
        && let Err(why) = verify(&decoded, secret, ctx)
    {
        out.push(mismatch(field, why));
    }
    if let Some(want) = spec.header {
        compare(
            &format!("{field}(jwt header)"),
            want,
            &decoded.header,
            Mode::Subset,
            ctx,
            out,
        );
    }
    if let Some(want) = spec.payload {
        compare(
            &format!("{field}(jwt payload)"),
            want,
            &decoded.payload,
            Mode::Subset,
            ctx,
            out,
        );
    }
}

struct JwtSpec<'a> {
    verify: Option<&'a str>,
    header: Option<&'a Value>,
    payload: Option<&'a Value>,
}

impl<'a> JwtSpec<'a> {
    fn parse(arg: &'a Value) -> Result<JwtSpec<'a>, String> {
        let usage = "`$jwt` takes a map of `verify` (a secret name), `header` and `payload`";
        let map = arg
            .as_object()
            .ok_or_else(|| format!("{usage}, got {}", show(arg)))?;
        if let Some(k) = map
            .keys()
            .find(|k| !["verify", "header", "payload"].contains(&k.as_str()))
        {
            return Err(format!("{usage}; unknown key {}", quote(k)));
        }
        let verify = match map.get("verify") {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => return Err(format!("{usage}; `verify` is {}", show(other))),
        };
        Ok(JwtSpec {
            verify,
            header: map.get("header"),
            payload: map.get("payload"),
        })
    }
}

struct Decoded<'t> {
    signing_input: &'t str,
    signature: Vec<u8>,
    header: Value,
    payload: Value,
}

/// The three dot-separated base64url parts of a compact JWS; header and payload JSON objects.
fn decode(token: &str) -> Result<Decoded<'_>, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(format!("it has {} part(s), not 3", parts.len()));
    };
    let json = |part: &str, what: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| format!("its {what} is not base64url"))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(format!("its {what} is not a JSON object")),
        }
    };
    Ok(Decoded {
        signing_input: &token[..header.len() + 1 + payload.len()],
        signature: URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "its signature is not base64url".to_owned())?,
        header: json(header, "header")?,
        payload: json(payload, "payload")?,
    })
}

/// Checks an HS256 signature with the case's secret `name` (constant-time comparison).
fn verify(decoded: &Decoded, name: &str, ctx: &Ctx) -> Result<(), String> {
    let key = ctx.secrets.get(name).ok_or_else(|| {
        format!("`$jwt.verify` names secret {name}, which the case does not set under `secrets:`")
    })?;
    let alg = decoded.header.get("alg").and_then(Value::as_str);
    if alg != Some("HS256") {
        return Err(format!(
            "the JWT is signed with {}, and `$jwt.verify` checks HS256 only",
            alg.map_or("no alg".to_owned(), quote)
        ));
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    ring::hmac::verify(&key, decoded.signing_input.as_bytes(), &decoded.signature)
        .map_err(|_| format!("the JWT's signature does not verify with secret {name}"))
}

/// `expected X, got Y` on one line when both are short, else both pretty-printed on their own
/// lines.
pub fn expected_got(want: &Value, got: &Value) -> String {
    let (w, g) = (show(want), show(got));
    if !w.contains('\n') && !g.contains('\n') {
        return format!("expected {w}, got {g}");
    }
    format!("\n  expected: {}\n  got: {}", indent(want), indent(got))
}

/// A value pretty-printed, continuation lines indented under a `  label: ` prefix.
pub fn indent(v: &Value) -> String {
    let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
    pretty.lines().collect::<Vec<_>>().join("\n    ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "p.test-admin-token";

    fn run(want: Value, got: Value, mode: Mode) -> Vec<String> {
        let secrets = BTreeMap::from([("SIGNER".to_owned(), KEY.to_owned())]);
        let mut out = Vec::new();
        compare("c", &want, &got, mode, &Ctx { secrets: &secrets }, &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    fn sign(payload: &Value, key: &str) -> String {
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let input = format!(
            "{}.{}",
            enc(&json!({"alg": "HS256", "typ": "JWT"})),
            enc(payload)
        );
        let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
        let tag = ring::hmac::sign(&k, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    #[test]
    fn subset_allows_extra_keys_at_every_depth_exact_does_not() {
        let want = json!({"a": {"b": 1}, "l": [{"x": 1}]});
        let got = json!({"a": {"b": 1, "extra": 2}, "l": [{"x": 1, "y": 2}], "top": 3});
        assert!(run(want.clone(), got.clone(), Mode::Subset).is_empty());
        assert_eq!(
            run(want, got, Mode::Exact),
            [
                r#"c["a"]["extra"]: not expected, got 2"#,
                r#"c["l"][0]["y"]: not expected, got 2"#,
                r#"c["top"]: not expected, got 3"#,
            ]
        );
    }

    #[test]
    fn subset_still_reports_wrong_and_missing_values_and_array_lengths() {
        let want = json!({"a": {"b": 1, "c": 2}, "l": [1]});
        let got = json!({"a": {"b": 9}, "l": [1, 2]});
        assert_eq!(
            run(want, got, Mode::Subset),
            [
                r#"c["a"]["b"]: expected 1, got 9"#,
                r#"c["a"]["c"]: expected 2, but the key is missing"#,
                r#"c["l"]: expected [1], got [1,2]"#,
            ]
        );
    }

    #[test]
    fn any_matches_by_type() {
        assert!(run(json!({"$any": "string"}), json!("x"), Mode::Exact).is_empty());
        assert!(run(json!({"$any": "integer"}), json!(3), Mode::Exact).is_empty());
        assert!(run(json!({"$any": "present"}), json!([]), Mode::Exact).is_empty());
        assert_eq!(
            run(json!({"$any": "string"}), json!(42), Mode::Exact),
            ["c: expected a string, got 42"]
        );
        assert_eq!(
            run(json!({"$any": "integer"}), json!(1.5), Mode::Exact),
            ["c: expected an integer, got 1.5"]
        );
        assert_eq!(
            run(json!({"$any": "present"}), json!(null), Mode::Exact),
            ["c: expected any value, got null"]
        );
        assert_eq!(
            run(json!({"$any": "str"}), json!("x"), Mode::Exact),
            [
                r#"c: `$any` takes one of string, number, integer, boolean, array, object, present, got "str""#
            ]
        );
    }

    #[test]
    fn regex_matches_strings_only() {
        assert!(
            run(
                json!({"$regex": "^org_[0-9]+$"}),
                json!("org_42"),
                Mode::Exact
            )
            .is_empty()
        );
        assert_eq!(
            run(json!({"$regex": "^org_"}), json!("team_1"), Mode::Exact),
            [r#"c: expected a string matching /^org_/, got "team_1""#]
        );
        assert_eq!(
            run(json!({"$regex": "^1"}), json!(12), Mode::Exact),
            ["c: expected a string matching /^1/, got 12"]
        );
        let bad = run(json!({"$regex": "("}), json!("x"), Mode::Exact);
        assert!(
            bad[0].starts_with(r#"c: `$regex` "(": invalid pattern"#),
            "{bad:?}"
        );
    }

    #[test]
    fn malformed_and_unknown_matchers_are_reported() {
        assert_eq!(
            run(json!({"$any": "string", "b": 1}), json!("x"), Mode::Exact),
            [
                "c: the matcher `$any` must be the only key of its map (write the other keys beside it one level up)"
            ]
        );
        assert_eq!(
            run(json!({"$re": "x"}), json!("x"), Mode::Exact),
            ["c: unknown matcher `$re` (known: `$any`, `$regex`, `$jwt`)"]
        );
    }

    #[test]
    fn jwt_payload_is_a_subset_match_and_verification_uses_the_case_secret() {
        let token = sign(
            &json!({"name": "n", "scopes": [{"type": "PIPES:READ", "fixed_params": {"org_id": "o1"}}], "exp": 9}),
            KEY,
        );
        let want = json!({"$jwt": {"verify": "SIGNER", "header": {"alg": "HS256"}, "payload": {
            "scopes": [{"fixed_params": {"org_id": {"$regex": "^o"}}}], "exp": {"$any": "integer"}}}});
        assert!(run(want.clone(), json!(token), Mode::Exact).is_empty());

        let wrong = json!({"$jwt": {"payload": {"scopes": [{"fixed_params": {"org_id": "o2"}}]}}});
        assert_eq!(
            run(wrong, json!(token), Mode::Exact),
            [r#"c(jwt payload)["scopes"][0]["fixed_params"]["org_id"]: expected "o2", got "o1""#]
        );
        let forged = sign(&json!({"name": "n"}), "another-key");
        assert_eq!(
            run(
                json!({"$jwt": {"verify": "SIGNER"}}),
                json!(forged),
                Mode::Exact
            ),
            ["c: the JWT's signature does not verify with secret SIGNER"]
        );
        assert_eq!(
            run(
                json!({"$jwt": {"verify": "NOPE"}}),
                json!(token),
                Mode::Exact
            ),
            ["c: `$jwt.verify` names secret NOPE, which the case does not set under `secrets:`"]
        );
    }

    #[test]
    fn jwt_reports_what_is_not_a_jwt() {
        assert_eq!(
            run(json!({"$jwt": {}}), json!(7), Mode::Exact),
            ["c: expected a JWT, got 7"]
        );
        assert_eq!(
            run(json!({"$jwt": {}}), json!("a.b"), Mode::Exact),
            ["c: expected a JWT, but it has 2 part(s), not 3"]
        );
        assert_eq!(
            run(json!({"$jwt": {}}), json!("e30.!!.e30"), Mode::Exact),
            ["c: expected a JWT, but its payload is not base64url"]
        );
        assert_eq!(
            run(
                json!({"$jwt": {"paylod": {}}}),
                json!("e30.e30.e30"),
                Mode::Exact
            ),
            [
                r#"c: `$jwt` takes a map of `verify` (a secret name), `header` and `payload`; unknown key "paylod""#
            ]
        );
    }
}
