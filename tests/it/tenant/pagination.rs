//! Pagination with Auth0's omitted zero fields, and one token for many calls.

use std::collections::HashMap;

use serde_json::json;
use tokio::task::JoinSet;

use super::server::{Reply, Server, TOKEN, action, client};

fn query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[tokio::test]
async fn lists_250_actions_over_pages_that_omit_total_and_page() {
    let server = Server::start(|req, _| {
        if req.path == "/oauth/token" {
            return Reply::token();
        }
        let page: usize = query(&req.query)["page"].parse().unwrap();
        let items: Vec<_> = (page * 100..(page * 100 + 100).min(250))
            .map(|i| action(&format!("a{i}"), &format!("n{i}")))
            .collect();
        // Like Auth0 here: no `total`, and no `page` when it is 0.
        let mut body = json!({"actions": items, "per_page": 100});
        if page > 0 {
            body["page"] = json!(page);
        }
        Reply::json(200, body)
    })
    .await;
    let client = client(&server.base);
    let actions = client.list_actions().await.unwrap();
    assert_eq!(actions.len(), 250);
    assert_eq!(actions[249].id, "a249");
    let lists: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v2/actions/actions")
        .collect();
    let pages: Vec<_> = lists
        .iter()
        .map(|r| query(&r.query))
        .map(|q| (q["page"].clone(), q["per_page"].clone()))
        .collect();
    assert_eq!(
        pages,
        [("0", "100"), ("1", "100"), ("2", "100")].map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(client.request_count(), 4, "one token and three pages");
}

#[tokio::test]
async fn a_present_total_saves_the_trailing_empty_page() {
    let server = Server::start(|req, _| {
        if req.path == "/oauth/token" {
            return Reply::token();
        }
        let items: Vec<_> = (0..100).map(|i| action(&format!("a{i}"), "n")).collect();
        Reply::json(
            200,
            json!({"actions": items, "total": 100, "per_page": 100}),
        )
    })
    .await;
    let client = client(&server.base);
    assert_eq!(client.list_actions().await.unwrap().len(), 100);
    assert_eq!(server.count("GET", "/api/v2/actions/actions"), 1);
}

#[tokio::test]
async fn lists_bindings_and_finds_actions_by_exact_name() {
    let server = Server::start(|req, _| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        "/api/v2/actions/triggers/post-login/bindings" => Reply::json(
            200,
            json!({"bindings": [
                {"id": "b1", "trigger_id": "post-login", "display_name": "one", "action": action("a1", "one"), "created_at": "t"},
                {"id": "b2", "trigger_id": "post-login", "display_name": "two", "action": action("a2", "two")}],
                "total": 2, "per_page": 100}),
        ),
        // A substring match from the server is filtered out client-side.
        _ => Reply::json(200, json!({"actions": [action("a1", "claims"), action("a2", "claims-extra")], "per_page": 100})),
    })
    .await;
    let client = client(&server.base);
    let bindings = client.list_bindings("post-login").await.unwrap();
    assert_eq!(
        bindings
            .iter()
            .map(|b| b.action.name.as_str())
            .collect::<Vec<_>>(),
        ["one", "two"]
    );
    let found = client.find_actions_by_name("claims").await.unwrap();
    assert_eq!(found.len(), 1);
    let list = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v2/actions/actions")
        .unwrap();
    assert_eq!(query(&list.query)["actionName"], "claims");
}

#[tokio::test]
async fn fetches_the_token_once_for_many_concurrent_calls() {
    let server = Server::start(|req, _| match req.path.as_str() {
        "/oauth/token" => Reply::token(),
        path => Reply::json(200, action(path.rsplit('/').next().unwrap(), "n")),
    })
    .await;
    let client = client(&server.base);
    let mut tasks = JoinSet::new();
    for i in 0..10 {
        let client = client.clone();
        tasks.spawn(async move { client.get_action(&format!("id{i}")).await.unwrap() });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(server.count("POST", "/oauth/token"), 1);
    assert_eq!(client.request_count(), 11);
    let requests = server.requests();
    let token = requests
        .iter()
        .find(|r| r.path == "/oauth/token")
        .unwrap()
        .json();
    assert_eq!(token["grant_type"], "client_credentials");
    assert_eq!(token["client_id"], "client-1");
    assert_eq!(token["audience"], format!("{}/api/v2/", server.base));
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        requests
            .iter()
            .filter(|r| r.path != "/oauth/token")
            .all(|r| r.auth.as_deref() == Some(bearer.as_str()))
    );
}
