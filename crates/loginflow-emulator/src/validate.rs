//! Request validation with the Management API's messages: bodies are checked against the
//! spec's schemas (`additionalProperties: false` almost everywhere) and query strings against
//! each endpoint's parameter list. Messages follow Auth0's z-schema wording, e.g.
//! `Payload validation error: 'Additional properties not allowed: foo'.` and
//! `Query validation error: 'Expected type integer but found type string' on property page.`

use serde_json::{Map, Value};

use super::errors::ApiError;

/// The JSON type name z-schema uses in its messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn expected(ty: &str, v: &Value, path: &str) -> ApiError {
    ApiError::payload(
        &format!("Expected type {ty} but found type {}", type_name(v)),
        path,
    )
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Checks that `v` is an object with only `allowed` keys (unless `open`) and all `required` ones.
pub fn object<'a>(
    v: &'a Value,
    path: &str,
    allowed: &[&str],
    required: &[&str],
    open: bool,
) -> Result<&'a Map<String, Value>, ApiError> {
    let map = v.as_object().ok_or_else(|| expected("object", v, path))?;
    if !open && let Some(extra) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::payload(
            &format!("Additional properties not allowed: {extra}"),
            path,
        ));
    }
    if let Some(missing) = required.iter().find(|k| !map.contains_key(**k)) {
        return Err(ApiError::payload(
            &format!("Missing required property: {missing}"),
            path,
        ));
    }
    Ok(map)
}

/// An optional string property.
pub fn string(map: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, ApiError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(expected("string", other, &join(path, key))),
    }
}

/// An optional boolean property.
pub fn boolean(map: &Map<String, Value>, key: &str, path: &str) -> Result<Option<bool>, ApiError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(expected("boolean", other, &join(path, key))),
    }
}

/// An optional array property, returned with the path of each element.
pub fn array<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<Vec<(String, &'a Value)>>, ApiError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Array(items)) => {
            let base = join(path, key);
            Ok(Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{base}[{i}]"), v))
                    .collect(),
            ))
        }
        Some(other) => Err(expected("array", other, &join(path, key))),
    }
}

/// One decoded query parameter value, typed for checking.
pub enum QueryType {
    Str,
    Bool,
    /// A non-negative integer with an upper bound.
    Int(u64),
}

/// Checks the query against an endpoint's parameter list.
pub fn query(pairs: &[(String, String)], params: &[(&str, QueryType)]) -> Result<(), ApiError> {
    for (key, value) in pairs {
        let Some((_, ty)) = params.iter().find(|(name, _)| name == key) else {
            return Err(ApiError::query(&format!(
                "Additional properties not allowed: {key}"
            )));
        };
        let fail = |detail: String| {
            ApiError::boom(
                400,
                format!("Query validation error: '{detail}' on property {key}."),
                Some("invalid_query_string"),
            )
        };
        match ty {
            QueryType::Str => {}
            QueryType::Bool if value == "true" || value == "false" => {}
            QueryType::Bool => {
                return Err(fail("Expected type boolean but found type string".into()));
            }
            QueryType::Int(max) => match value.parse::<u64>() {
                Ok(n) if n <= *max => {}
                Ok(n) => return Err(fail(format!("Value {n} is greater than maximum {max}"))),
                Err(_) => return Err(fail("Expected type integer but found type string".into())),
            },
        }
    }
    Ok(())
}

/// The value of a query parameter (first occurrence).
pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Decodes `application/x-www-form-urlencoded` text (query strings and token form bodies).
pub fn form_decode(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes one URL path segment (`%7C` → `|`; `+` stays `+`).
pub fn path_decode(s: &str) -> String {
    percent_decode(s, false)
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'+', _, _) if plus_is_space => out.push(b' '),
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 2;
            }
            (b, _, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        let pairs = form_decode("actionName=Test+Action+%28Jan%29&per_page=50&x=%zz&y=%4");
        assert_eq!(pairs[0], ("actionName".into(), "Test Action (Jan)".into()));
        assert_eq!(pairs[1], ("per_page".into(), "50".into()));
        assert_eq!(pairs[2].1, "%zz");
        assert_eq!(pairs[3].1, "%4");
    }
}
