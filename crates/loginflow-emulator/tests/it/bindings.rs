//! Bindings: whole-list replacement, fresh ids, refs by id and name, undeployed actions, limits,
//! and deleting bound actions.
#![allow(clippy::unwrap_used)]

use loginflow_emulator::EmulatorOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::Client;

const BINDINGS: &str = "/api/v2/actions/triggers/post-login/bindings";

fn by_id(id: &str) -> Value {
    json!({"ref": {"type": "action_id", "value": id}, "display_name": "d"})
}

#[tokio::test]
async fn replacement_creates_fresh_ids_and_lists_in_order() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let a = c.deployed("a").await;
    let b = c.deployed("b").await;
    let body = json!({"bindings": [by_id(&b), {"ref": {"type": "action_name", "value": "a"}}]});
    let (s, first) = c.call(Method::PATCH, BINDINGS, Some(body.clone())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        first.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["bindings"]
    );
    assert_eq!(first["bindings"][0]["action"]["id"], b.as_str());
    assert_eq!(first["bindings"][1]["action"]["id"], a.as_str());
    assert_eq!(first["bindings"][1]["display_name"], "a");
    let (_, second) = c.call(Method::PATCH, BINDINGS, Some(body)).await;
    assert_ne!(first["bindings"][0]["id"], second["bindings"][0]["id"]);
    let (_, listed) = c.get(&format!("{BINDINGS}?page=0&per_page=100")).await;
    assert_eq!(listed["total"], 2);
    assert!(listed.get("page").is_none());
    assert_eq!(listed["bindings"][0]["id"], second["bindings"][0]["id"]);
    let (_, past) = c.get(&format!("{BINDINGS}?page=1&per_page=100")).await;
    assert_eq!(past, json!({"bindings": [], "page": 1, "per_page": 100}));
    let (_, cleared) = c
        .call(Method::PATCH, BINDINGS, Some(json!({"bindings": []})))
        .await;
    assert_eq!(cleared, json!({"bindings": []}));
    let (_, empty) = c.get(&format!("{BINDINGS}?per_page=50")).await;
    assert_eq!(empty, json!({"bindings": [], "per_page": 50}));
}

#[tokio::test]
async fn binding_an_undeployed_action_is_400() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let id = c.create("draft").await;
    let (s, err) = c
        .call(
            Method::PATCH,
            BINDINGS,
            Some(json!({"bindings": [by_id(&id)]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Trying to create a binding for an action that has not been deployed yet"})
    );
}

#[tokio::test]
async fn a_deploy_true_create_is_bindable_only_once_built() {
    let c = Client::start(EmulatorOptions {
        build_ms: 300,
        ..EmulatorOptions::fast()
    })
    .await;
    let body = json!({
        "name": "fresh", "code": "exports.onExecutePostLogin = async () => {};",
        "supported_triggers": [{"id": "post-login", "version": "v3"}], "deploy": true
    });
    let (s, created) = c
        .call(Method::POST, "/api/v2/actions/actions", Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let bind = json!({"bindings": [by_id(created["id"].as_str().unwrap())]});
    let (s, _) = c.call(Method::PATCH, BINDINGS, Some(bind.clone())).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "bound while still building");
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    let (s, _) = c.call(Method::PATCH, BINDINGS, Some(bind)).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn wrong_binding_shape_is_the_recorded_one_of_error() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let (s, err) = c
        .call(
            Method::PATCH,
            BINDINGS,
            Some(json!({"bindings": [{"id_type": "action_id", "id_value": "x"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Payload validation error: 'Data does not match any schemas from 'oneOf'' on property bindings[0].", "errorCode": "invalid_body"})
    );
}

#[tokio::test]
async fn at_most_twenty_bindings_per_trigger() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let id = c.deployed("many").await;
    let items: Vec<Value> = (0..21).map(|_| by_id(&id)).collect();
    let (s, err) = c
        .call(Method::PATCH, BINDINGS, Some(json!({"bindings": items})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err["message"],
        "Payload validation error: 'Array is too long (21), maximum 20' on property bindings."
    );
    let twenty: Vec<Value> = (0..20).map(|_| by_id(&id)).collect();
    let (s, _) = c
        .call(Method::PATCH, BINDINGS, Some(json!({"bindings": twenty})))
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn deleting_a_bound_action_needs_force() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let id = c.deployed("bound").await;
    c.call(
        Method::PATCH,
        BINDINGS,
        Some(json!({"bindings": [by_id(&id)]})),
    )
    .await;
    let path = format!("/api/v2/actions/actions/{id}");
    let (s, err) = c.call(Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        err,
        json!({"statusCode": 409, "error": "Conflict", "message": "Unable to delete an action bound to a trigger."})
    );
    let (s, _) = c
        .call(Method::DELETE, &format!("{path}?force=true"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, listed) = c.get(BINDINGS).await;
    assert_eq!(listed["bindings"], json!([]));
}
