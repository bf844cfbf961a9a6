//! Actions: create, read, list filters and paging, update, secrets, delete, builds, deploy,
//! versions and rollback.
#![allow(clippy::unwrap_used)]

use loginflow_emulator::EmulatorOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{Client, action_body};

const ACTIONS: &str = "/api/v2/actions/actions";

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test]
async fn create_answers_pending_in_recorded_key_order() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let (s, body) = c.call(Method::POST, ACTIONS, Some(action_body("a"))).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        keys(&body),
        [
            "id",
            "name",
            "supported_triggers",
            "created_at",
            "updated_at",
            "code",
            "dependencies",
            "runtime",
            "status",
            "secrets",
            "all_changes_deployed"
        ]
    );
    assert_eq!(body["status"], "pending");
    assert_eq!(body["runtime"], "node22");
    assert_eq!(body["secrets"], json!([]));
    assert_eq!(body["all_changes_deployed"], false);
    let ts = body["created_at"].as_str().unwrap();
    assert_eq!(ts.len(), 30, "{ts}");
    assert!(ts.ends_with('Z'));
    let id = body["id"].as_str().unwrap();
    assert_eq!(&id[14..15], "4");
}

#[tokio::test]
async fn builds_go_pending_building_built_and_drop_registry_url() {
    let c = Client::start(EmulatorOptions {
        build_ms: 400,
        ..EmulatorOptions::fast()
    })
    .await;
    let mut body = action_body("b");
    body["dependencies"] = json!([{"name": "lodash", "version": "4.17.21", "registry_url": "https://registry.npmjs.org"}]);
    let (_, created) = c.call(Method::POST, ACTIONS, Some(body)).await;
    let id = created["id"].as_str().unwrap();
    let (_, early) = c.get(&format!("{ACTIONS}/{id}")).await;
    assert_eq!(early["status"], "pending");
    assert!(early["dependencies"][0].get("registry_url").is_some());
    let building = c.wait_status(id, "building").await;
    assert!(building["dependencies"][0].get("registry_url").is_some());
    let built = c.wait_status(id, "built").await;
    assert_eq!(
        built["dependencies"],
        json!([{"name": "lodash", "version": "4.17.21"}])
    );
}

#[tokio::test]
async fn bad_dependency_fails_the_build() {
    let c = Client::start(EmulatorOptions {
        build_ms: 100,
        ..EmulatorOptions::fast()
    })
    .await;
    let mut body = action_body("c");
    body["dependencies"] = json!([{"name": "crypto", "version": "17.7.1"}]);
    let (_, created) = c.call(Method::POST, ACTIONS, Some(body)).await;
    let id = created["id"].as_str().unwrap();
    c.wait_status(id, "failed").await;
    let (s, err) = c
        .call(Method::POST, &format!("{ACTIONS}/{id}/deploy"), None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({"statusCode": 400, "error": "Bad Request", "message": "A draft must be in the 'built' state before it can be deployed."})
    );
}

#[tokio::test]
async fn deploying_an_unbuilt_draft_is_400() {
    let c = Client::start(EmulatorOptions {
        build_ms: 60_000,
        ..EmulatorOptions::fast()
    })
    .await;
    let id = c.create("slow").await;
    let (s, err) = c
        .call(Method::POST, &format!("{ACTIONS}/{id}/deploy"), None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err["message"],
        "A draft must be in the 'built' state before it can be deployed."
    );
}

#[tokio::test]
async fn deploy_answers_200_with_the_new_version() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let id = c.create("d").await;
    c.wait_status(&id, "built").await;
    let (s, v) = c
        .call(
            Method::POST,
            &format!("{ACTIONS}/{id}/deploy"),
            Some(Value::Null),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        keys(&v),
        [
            "code",
            "dependencies",
            "id",
            "deployed",
            "number",
            "secrets",
            "status",
            "created_at",
            "updated_at",
            "runtime",
            "supported_triggers",
            "action"
        ]
    );
    assert_eq!(v["deployed"], false);
    assert_eq!(v["number"], 1);
    assert_eq!(v["status"], "built");
    let (_, a) = c.get(&format!("{ACTIONS}/{id}")).await;
    assert_eq!(a["all_changes_deployed"], true);
    assert_eq!(a["deployed_version"]["deployed"], true);
    assert_eq!(a["deployed_version"]["id"], v["id"]);
    assert_eq!(a["current_version"]["status"], "BUILT");
    let (_, patched) = c
        .call(
            Method::PATCH,
            &format!("{ACTIONS}/{id}"),
            Some(json!({"code": "changed"})),
        )
        .await;
    assert_eq!(patched["status"], "pending");
    assert_eq!(patched["all_changes_deployed"], false);
    assert_eq!(
        patched["deployed_version"]["code"],
        "exports.onExecutePostLogin = async (event, api) => {};"
    );
}

#[tokio::test]
async fn deployed_version_is_absent_until_first_deploy() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let id = c.create("e").await;
    let a = c.wait_status(&id, "built").await;
    assert!(a.get("deployed_version").is_none());
    assert!(a.get("current_version").is_none());
}

#[tokio::test]
async fn create_with_deploy_true() {
    let c = Client::start(EmulatorOptions {
        build_ms: 200,
        ..EmulatorOptions::fast()
    })
    .await;
    let mut body = action_body("f");
    body["deploy"] = json!(true);
    let (_, a) = c.call(Method::POST, ACTIONS, Some(body)).await;
    assert_eq!(a["all_changes_deployed"], true);
    assert_eq!(a["current_version"]["status"], "PENDING");
    assert_eq!(a["deployed_version"]["status"], "pending");
    let built = c.wait_status(a["id"].as_str().unwrap(), "built").await;
    assert_eq!(built["current_version"]["status"], "BUILT");
    assert_eq!(built["deployed_version"]["status"], "built");
}

#[tokio::test]
async fn secrets_are_write_only_and_a_sent_array_replaces_the_set() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let mut body = action_body("s");
    body["secrets"] = json!([{"name": "foo", "value": "1"}]);
    let (_, a) = c.call(Method::POST, ACTIONS, Some(body)).await;
    let id = a["id"].as_str().unwrap();
    assert_eq!(keys(&a["secrets"][0]), ["name", "updated_at"]);
    let path = format!("{ACTIONS}/{id}");
    let (_, a) = c
        .call(
            Method::PATCH,
            &path,
            Some(
                json!({"secrets": [{"name": "bar", "value": "2"}, {"name": "foo", "value": "3"}]}),
            ),
        )
        .await;
    let names: Vec<&str> = a["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["foo", "bar"], "kept names first, as recorded");
    assert!(!a.to_string().contains("\"3\""));
    let (_, a) = c
        .call(Method::PATCH, &path, Some(json!({"code": "x"})))
        .await;
    assert_eq!(
        a["secrets"].as_array().unwrap().len(),
        2,
        "omitted secrets are kept"
    );
    let (_, a) = c
        .call(Method::PATCH, &path, Some(json!({"secrets": []})))
        .await;
    assert_eq!(a["secrets"], json!([]));
}

#[tokio::test]
async fn list_filters_and_pagination_omit_zero_values() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let (_, empty) = c.get(&format!("{ACTIONS}?per_page=100")).await;
    assert_eq!(empty, json!({"actions": [], "per_page": 100}));
    for i in 0..3 {
        c.create(&format!("n{i}")).await;
    }
    let deployed = c.deployed("live").await;
    let (_, one) = c.get(&format!("{ACTIONS}?actionName=n1&per_page=50")).await;
    assert_eq!(keys(&one), ["actions", "total", "per_page"]);
    assert_eq!(one["total"], 1);
    assert_eq!(one["actions"][0]["name"], "n1");
    let (_, p1) = c.get(&format!("{ACTIONS}?page=1&per_page=3")).await;
    assert_eq!(p1["total"], 4);
    assert_eq!(p1["page"], 1);
    assert_eq!(p1["actions"].as_array().unwrap().len(), 1);
    let (_, d) = c.get(&format!("{ACTIONS}?deployed=true")).await;
    assert_eq!(d["actions"][0]["id"], deployed.as_str());
    assert_eq!(d["total"], 1);
    let (_, t) = c
        .get(&format!("{ACTIONS}?triggerId=credentials-exchange"))
        .await;
    assert_eq!(t["actions"], json!([]));
    let (_, inst) = c.get(&format!("{ACTIONS}?installed=true")).await;
    assert_eq!(inst["actions"], json!([]));
    let (_, all) = c.get(&format!("{ACTIONS}?installed=false")).await;
    assert_eq!(all["total"], 4);
}

#[tokio::test]
async fn versions_list_read_and_rollback() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let id = c.deployed("v").await;
    let path = format!("{ACTIONS}/{id}");
    c.call(Method::PATCH, &path, Some(json!({"code": "second"})))
        .await;
    c.wait_status(&id, "built").await;
    c.call(Method::POST, &format!("{path}/deploy"), None).await;
    let (_, list) = c.get(&format!("{path}/versions?per_page=50")).await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["versions"][0]["number"], 2, "newest first");
    assert_eq!(list["versions"][0]["deployed"], true);
    assert_eq!(list["versions"][1]["deployed"], false);
    let v1 = list["versions"][1]["id"].as_str().unwrap().to_string();
    let (s, one) = c.get(&format!("{path}/versions/{v1}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(one.get("built_at").is_some());
    let (s, rb) = c
        .call(
            Method::POST,
            &format!("{path}/versions/{v1}/deploy"),
            Some(json!({"update_draft": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(rb["number"], 3);
    assert_eq!(rb["deployed"], false);
    let (_, a) = c.get(&path).await;
    assert_eq!(
        a["code"],
        "exports.onExecutePostLogin = async (event, api) => {};"
    );
    assert_eq!(a["deployed_version"]["number"], 3);
    let (s, err) = c
        .get(&format!(
            "{path}/versions/00000000-0000-4000-8000-000000000000"
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        err,
        json!({"statusCode": 404, "error": "Not Found", "message": "That action version does not exist."})
    );
}

#[tokio::test]
async fn delete_and_unknown_ids() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let id = c.create("gone").await;
    let (s, body) = c
        .call(Method::DELETE, &format!("{ACTIONS}/{id}"), None)
        .await;
    assert_eq!((s, body), (StatusCode::NO_CONTENT, Value::Null));
    let not_found =
        json!({"statusCode": 404, "error": "Not Found", "message": "That action does not exist."});
    for method in [Method::GET, Method::DELETE, Method::PATCH] {
        let body = (method == Method::PATCH).then(|| json!({"code": "x"}));
        let (s, err) = c.call(method, &format!("{ACTIONS}/{id}"), body).await;
        assert_eq!((s, err), (StatusCode::NOT_FOUND, not_found.clone()));
    }
}

#[tokio::test]
async fn duplicate_names_are_409() {
    let c = Client::start(EmulatorOptions::fast()).await;
    c.create("same").await;
    let other = c.create("other").await;
    let conflict = json!({"statusCode": 409, "error": "Conflict", "message": "An action with that name already exists.", "errorCode": "action_conflict"});
    let (s, err) = c
        .call(Method::POST, ACTIONS, Some(action_body("same")))
        .await;
    assert_eq!((s, err), (StatusCode::CONFLICT, conflict.clone()));
    let (s, err) = c
        .call(
            Method::PATCH,
            &format!("{ACTIONS}/{other}"),
            Some(json!({"name": "same"})),
        )
        .await;
    assert_eq!((s, err), (StatusCode::CONFLICT, conflict));
}

#[tokio::test]
async fn runtimes_follow_the_trigger_catalogue() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let mut body = action_body("rt");
    body["runtime"] = json!("node16");
    let (s, err) = c.call(Method::POST, ACTIONS, Some(body)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({"statusCode": 400, "error": "Bad Request", "message": "Invalid runtime 'node16' for trigger post-login v3. Supported runtimes: node18-actions, node22.", "errorCode": "invalid_body"})
    );
    let mut ok = action_body("rt2");
    ok["runtime"] = json!("node18-actions");
    let (s, _) = c.call(Method::POST, ACTIONS, Some(ok)).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, triggers) = c.get("/api/v2/actions/triggers").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(triggers["triggers"][0]["default_runtime"], "node22");
}

#[tokio::test]
async fn users_are_seeded_through_the_control_endpoint() {
    let c = Client::start(EmulatorOptions::fast()).await;
    let (s, err) = c.get("/api/v2/users/auth0%7C1").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(err["message"], "The user does not exist.");
    let user = json!({"user_id": "auth0|1", "groups": ["admins"]});
    let r = c
        .http
        .put(format!("{}/__emulator/users/auth0%7C1", c.base))
        .json(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, got) = c.get("/api/v2/users/auth0%7C1").await;
    assert_eq!((s, got), (StatusCode::OK, user));
}
