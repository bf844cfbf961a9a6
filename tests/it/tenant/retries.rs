//! Which failures are retried, and the creates that must never be duplicated.

use std::time::{Duration, UNIX_EPOCH};

use loginflow::tenant::{
    ApiTrigger, ClientConfig, CreateAction, Credentials, Error, Secret, SecretValue, TenantClient,
    Timeouts,
};
use serde_json::json;

use super::server::{FAST, Reply, Server, action, client, unix_now};

fn create_request() -> CreateAction {
    CreateAction {
        name: "claims".into(),
        supported_triggers: vec![ApiTrigger {
            id: "post-login".into(),
            version: "v3".into(),
        }],
        code: "exports.onExecutePostLogin = async () => {};".into(),
        runtime: Some("node22".into()),
        dependencies: vec![],
        secrets: Some(vec![SecretValue {
            name: "K".into(),
            value: Secret::new("v"),
        }]),
        deploy: None,
    }
}

fn unavailable() -> Reply {
    Reply::error(503, "Service Unavailable", "try later", None)
}

#[tokio::test]
async fn a_429_waits_for_the_reset_second_then_succeeds() {
    let server = Server::start(|req, earlier| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        _ if earlier.len() == 1 => Reply::error(
            429,
            "Too Many Requests",
            "Global limit has been reached",
            Some("too_many_requests"),
        )
        .header("x-ratelimit-limit", 10)
        .header("x-ratelimit-remaining", 0)
        .header("x-ratelimit-reset", unix_now() + 1),
        _ => Reply::json(200, action("a1", "n")),
    })
    .await;
    let client = client(&server.base);
    client.get_action("a1").await.unwrap();
    assert_eq!(client.rate_limited_count(), 1);
    let gets: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(gets.len(), 2);
    // The retry was not sent before the second the server named (a lower bound only: an upper
    // bound would flake on a loaded machine).
    let first = gets[0].at.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(
        gets[1].at >= UNIX_EPOCH + Duration::from_secs(first + 1),
        "{:?} → {:?}",
        gets[0].at,
        gets[1].at
    );
}

#[tokio::test]
async fn reads_are_retried_after_5xx() {
    let server = Server::start(|req, earlier| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        _ if earlier.len() < 3 => unavailable(),
        _ => Reply::json(200, action("a1", "n")),
    })
    .await;
    let client = client(&server.base);
    assert_eq!(client.get_action("a1").await.unwrap().id, "a1");
    assert_eq!(server.count("GET", "/api/v2/actions/actions/a1"), 3);
}

#[tokio::test]
async fn reads_give_up_after_the_retry_budget() {
    let server = Server::start(|req, _| {
        if req.path == "/oauth/token" {
            Reply::token()
        } else {
            unavailable()
        }
    })
    .await;
    let err = client(&server.base).get_action("a1").await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        server.count("GET", "/api/v2/actions/actions/a1"),
        1 + FAST.max_retries as usize
    );
    assert!(
        err.to_string()
            .starts_with("GET /api/v2/actions/actions/{id} on `127.0.0.1`: HTTP 503"),
        "{err}"
    );
}

#[tokio::test]
async fn a_create_is_not_resent_after_a_5xx() {
    let server = Server::start(|req, _| {
        if req.path == "/oauth/token" {
            Reply::token()
        } else {
            unavailable()
        }
    })
    .await;
    let err = client(&server.base)
        .create_action(&create_request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AmbiguousWrite { .. }), "{err:?}");
    assert!(err.to_string().contains("look the object up"), "{err}");
    assert_eq!(server.count("POST", "/api/v2/actions/actions"), 1);
}

#[tokio::test]
async fn a_create_that_timed_out_is_ambiguous() {
    let server = Server::start(|req, _| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        _ => Reply::json(201, action("a1", "claims")).delayed(Duration::from_secs(5)),
    })
    .await;
    let mut config = ClientConfig::new(&server.base, Credentials::AccessToken(Secret::new("t")));
    config.retry = FAST;
    config.timeouts = Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_millis(200),
    };
    let err = TenantClient::new(config)
        .unwrap()
        .create_action(&create_request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::AmbiguousWrite { cause, .. } if cause.contains("timed out")),
        "{err:?}"
    );
    assert_eq!(server.count("POST", "/api/v2/actions/actions"), 1);
}

#[tokio::test]
async fn an_idempotent_create_finds_the_action_its_failed_attempt_made() {
    // The POST is applied but answered with a 502; the look-up then finds the action.
    let server = Server::start(|req, _| match (req.method.as_str(), req.path.as_str()) {
        (_, "/oauth/token") => Reply::token(),
        ("POST", _) => Reply::error(502, "Bad Gateway", "upstream", None),
        _ => Reply::json(
            200,
            json!({"actions": [action("made-1", "claims")], "total": 1, "per_page": 100}),
        ),
    })
    .await;
    let created = client(&server.base)
        .create_action_idempotent(&create_request())
        .await
        .unwrap();
    assert_eq!(created.id, "made-1");
    assert_eq!(server.count("POST", "/api/v2/actions/actions"), 1);
    assert_eq!(server.count("GET", "/api/v2/actions/actions"), 1);
}

#[tokio::test]
async fn an_idempotent_create_sends_again_only_when_the_name_is_absent() {
    let server = Server::start(|req, earlier| {
        let posts = earlier
            .iter()
            .filter(|r| r.method == "POST" && r.path != "/oauth/token")
            .count();
        match (req.method.as_str(), req.path.as_str()) {
            (_, "/oauth/token") => Reply::token(),
            ("POST", _) if posts == 0 => unavailable(),
            ("POST", _) => Reply::json(201, action("made-2", "claims")),
            _ => Reply::json(200, json!({"actions": [], "per_page": 100})),
        }
    })
    .await;
    let created = client(&server.base)
        .create_action_idempotent(&create_request())
        .await
        .unwrap();
    assert_eq!(created.id, "made-2");
    assert_eq!(server.count("POST", "/api/v2/actions/actions"), 2);
    assert_eq!(server.count("GET", "/api/v2/actions/actions"), 1);
}

/// A 429 is resent as it is; a 5xx is resolved by reading the action first, and when that read
/// fails too the deploy is not sent again.
#[tokio::test]
async fn a_deploy_is_resent_after_a_429_but_not_blindly_after_a_5xx() {
    let server = Server::start(|req, earlier| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        "/api/v2/actions/actions/a1/deploy" if earlier.len() == 1 => Reply::error(
            429,
            "Too Many Requests",
            "Global limit has been reached",
            None,
        )
        .header("retry-after", 0),
        "/api/v2/actions/actions/a1/deploy" => Reply::json(
            200,
            json!({"id": "v1", "number": 1, "deployed": false, "status": "built", "action": {}}),
        ),
        _ => unavailable(),
    })
    .await;
    let client = client(&server.base);
    let version = client.deploy_action("a1").await.unwrap();
    assert_eq!((version.number, version.deployed), (1, false));
    assert_eq!(server.count("POST", "/api/v2/actions/actions/a1/deploy"), 2);
    let err = client.deploy_action("a2").await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.count("POST", "/api/v2/actions/actions/a2/deploy"), 1);
    assert_eq!(
        server.count("GET", "/api/v2/actions/actions/a2"),
        1 + FAST.max_retries as usize
    );
}

#[tokio::test]
async fn a_delete_that_finds_nothing_on_retry_succeeded_earlier() {
    let server = Server::start(|req, earlier| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        _ if earlier.len() == 1 => unavailable(),
        _ => Reply::error(404, "Not Found", "That action does not exist.", None),
    })
    .await;
    let client = client(&server.base);
    client.delete_action("a1", false).await.unwrap();
    assert!(server.requests().iter().all(|r| !r.query.contains("force")));
    // A first-attempt 404 is still an error.
    assert_eq!(
        client
            .delete_action("a1", false)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

#[tokio::test]
async fn replaces_bindings_with_the_whole_ordered_list() {
    let server = Server::start(|req, _| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        _ => Reply::json(200, json!({"bindings": [{"id": "new-1", "trigger_id": "post-login", "action": action("a2", "two")}]})),
    })
    .await;
    let refs = [loginflow::tenant::BindingRef::action_id("a2", "two")];
    let bindings = client(&server.base)
        .replace_bindings("post-login", &refs)
        .await
        .unwrap();
    assert_eq!(bindings[0].id, "new-1");
    let patch = server
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.json(),
        json!({"bindings": [{"ref": {"type": "action_id", "value": "a2"}, "display_name": "two"}]})
    );
}

/// The action `a1` with its draft deployed (`all_changes_deployed`) or not.
fn deployed_action(all_changes_deployed: bool) -> serde_json::Value {
    let mut a = action("a1", "n");
    a["all_changes_deployed"] = json!(all_changes_deployed);
    a["deployed_version"] = json!({"id": if all_changes_deployed { "v2" } else { "v1" },
        "number": if all_changes_deployed { 2 } else { 1 }, "code": a["code"], "runtime": "node22",
        "dependencies": [], "status": "built", "deployed": true});
    a
}

#[tokio::test]
async fn an_ambiguous_deploy_is_confirmed_by_reading_the_action() {
    // The POST is applied but answered with a 502: the action now runs the draft, so the
    // deploy is not sent again (that would mint another version).
    let server = Server::start(|req, _| match (req.method.as_str(), req.path.as_str()) {
        (_, "/oauth/token") => Reply::token(),
        ("POST", _) => Reply::error(502, "Bad Gateway", "upstream", None),
        _ => Reply::json(200, deployed_action(true)),
    })
    .await;
    let version = client(&server.base).deploy_action("a1").await.unwrap();
    assert_eq!((version.id.as_str(), version.number), ("v2", 2));
    assert_eq!(server.count("POST", "/api/v2/actions/actions/a1/deploy"), 1);
    assert_eq!(server.count("GET", "/api/v2/actions/actions/a1"), 1);
}

#[tokio::test]
async fn a_deploy_lost_with_its_connection_is_sent_again_once_a_read_shows_it_did_not_happen() {
    let server = Server::start(|req, earlier| {
        let posts = earlier.iter().filter(|r| r.path.ends_with("/deploy")).count();
        match (req.method.as_str(), req.path.as_str()) {
            (_, "/oauth/token") => Reply::token(),
            ("POST", _) if posts == 0 => unavailable(),
            ("POST", _) => Reply::json(
                200,
                json!({"id": "v2", "number": 2, "deployed": false, "status": "built", "action": {}}),
            ),
            _ => Reply::json(200, deployed_action(false)),
        }
    })
    .await;
    let version = client(&server.base).deploy_action("a1").await.unwrap();
    assert_eq!(version.id, "v2");
    assert_eq!(server.count("POST", "/api/v2/actions/actions/a1/deploy"), 2);
    assert_eq!(server.count("GET", "/api/v2/actions/actions/a1"), 1);
}

#[tokio::test]
async fn a_binding_replace_is_sent_again_after_a_5xx() {
    let server = Server::start(|req, earlier| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        _ if earlier.len() == 1 => Reply::error(500, "Internal Server Error", "oops", None),
        _ => Reply::json(200, json!({"bindings": []})),
    })
    .await;
    client(&server.base)
        .replace_bindings("post-login", &[])
        .await
        .unwrap();
    assert_eq!(
        server.count("PATCH", "/api/v2/actions/triggers/post-login/bindings"),
        2
    );
}
