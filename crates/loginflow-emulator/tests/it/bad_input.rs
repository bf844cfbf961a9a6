//! Bad input: every case gets the real API's status and body, and the server keeps serving.
#![allow(clippy::unwrap_used)]

use loginflow_emulator::EmulatorOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{Client, action_body};

const ACTIONS: &str = "/api/v2/actions/actions";

async fn raw(
    c: &Client,
    method: Method,
    path: &str,
    ct: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let r = c
        .http
        .request(method, format!("{}{path}", c.base))
        .bearer_auth(&c.token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_json_is_400() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let (s, err) = raw(
        &c,
        Method::POST,
        ACTIONS,
        "application/json",
        b"{\"name\":".to_vec(),
    )
    .await;
    assert_eq!(
        (s, err),
        (
            StatusCode::BAD_REQUEST,
            json!({"statusCode": 400, "error": "Bad Request", "message": "Invalid request payload JSON format"})
        )
    );
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let body = serde_json::to_vec(&action_body("x")).unwrap();
    let (s, err) = raw(&c, Method::POST, ACTIONS, "text/plain", body).await;
    assert_eq!(
        (s, err),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({"statusCode": 415, "error": "Unsupported Media Type", "message": "Unsupported Media Type"})
        )
    );
}

#[tokio::test]
async fn bodies_over_one_megabyte_are_413() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let mut body = action_body("big");
    body["code"] = json!("x".repeat(1024 * 1024 + 10));
    let (s, err) = raw(
        &c,
        Method::POST,
        ACTIONS,
        "application/json",
        serde_json::to_vec(&body).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        err,
        json!({"statusCode": 413, "error": "Request Entity Too Large", "message": "Payload content length greater than maximum allowed: 1048576"})
    );
    let (s, _) = c.get(ACTIONS).await;
    assert_eq!(s, StatusCode::OK, "still serving");
}

#[tokio::test]
async fn unknown_body_fields_are_400() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let mut body = action_body("x");
    body["colour"] = json!("red");
    let (s, err) = c.call(Method::POST, ACTIONS, Some(body)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Payload validation error: 'Additional properties not allowed: colour'.", "errorCode": "invalid_body"})
    );
    let mut nested = action_body("y");
    nested["dependencies"] = json!([{"name": "a", "version": "1.0.0", "extra": 1}]);
    let (_, err) = c.call(Method::POST, ACTIONS, Some(nested)).await;
    assert_eq!(
        err["message"],
        "Payload validation error: 'Additional properties not allowed: extra' on property dependencies[0]."
    );
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_400() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let (_, err) = c
        .call(Method::POST, ACTIONS, Some(json!({"name": "x"})))
        .await;
    assert_eq!(
        err["message"],
        "Payload validation error: 'Missing required property: supported_triggers'."
    );
    let mut body = action_body("x");
    body["code"] = json!(42);
    let (s, err) = c.call(Method::POST, ACTIONS, Some(body)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err["message"],
        "Payload validation error: 'Expected type string but found type integer' on property code."
    );
    let (_, err) = c.call(Method::POST, ACTIONS, Some(json!([1]))).await;
    assert_eq!(
        err["message"],
        "Payload validation error: 'Expected type object but found type array'."
    );
    let mut bad_trigger = action_body("t");
    bad_trigger["supported_triggers"] = json!([{"id": "post-nothing", "version": "v3"}]);
    let (_, err) = c.call(Method::POST, ACTIONS, Some(bad_trigger)).await;
    assert_eq!(
        err["message"],
        "Payload validation error: 'No enum match for: \"post-nothing\"' on property supported_triggers[0]."
    );
}

#[tokio::test]
async fn unknown_query_parameters_are_400() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let (s, err) = c.get(&format!("{ACTIONS}?include_totals=true")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Query validation error: 'Additional properties not allowed: include_totals'.", "errorCode": "invalid_query_string"})
    );
    let (_, err) = c.get(&format!("{ACTIONS}?per_page=abc")).await;
    assert_eq!(
        err["message"],
        "Query validation error: 'Expected type integer but found type string' on property per_page."
    );
    let (_, err) = c.get(&format!("{ACTIONS}?per_page=101")).await;
    assert_eq!(
        err["message"],
        "Query validation error: 'Value 101 is greater than maximum 100' on property per_page."
    );
}

#[tokio::test]
async fn unknown_routes_and_ids_are_404() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let (s, err) = c.get("/api/v2/nothing-here").await;
    assert_eq!(
        (s, err),
        (
            StatusCode::NOT_FOUND,
            json!({"statusCode": 404, "error": "Not Found", "message": "Not Found"})
        )
    );
    let (s, err) = c.get("/api/v2/actions/executions/abc").await;
    assert_eq!(
        (s, err),
        (
            StatusCode::NOT_FOUND,
            json!({"statusCode": 404, "error": "Not Found", "message": "That execution does not exist."})
        )
    );
    let (s, _) = c
        .call(Method::POST, "/api/v2/actions/actions/nope/deploy", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn garbage_never_crashes_the_server() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let samples: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00],
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"s\"".to_vec(),
        b"{\"bindings\":5}".to_vec(),
        vec![b'{'; 10_000],
    ];
    for body in samples {
        for path in [
            ACTIONS.to_string(),
            "/api/v2/actions/triggers/post-login/bindings".into(),
        ] {
            let method = if path == ACTIONS {
                Method::POST
            } else {
                Method::PATCH
            };
            let (s, err) = raw(&c, method, &path, "application/json", body.clone()).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{path} {err}");
            assert_eq!(err["statusCode"], 400);
        }
    }
    let (s, _) = c.get(ACTIONS).await;
    assert_eq!(s, StatusCode::OK);
}
