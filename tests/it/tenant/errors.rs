//! Error messages users see: rejected credentials, missing scopes, unreachable hosts.

use loginflow::tenant::{ClientConfig, Credentials, DEPLOYER_SCOPES, Error, Secret, TenantClient};
use serde_json::json;

use super::server::{CLIENT_SECRET, FAST, Reply, Server, client};

fn token_client(base: &str) -> TenantClient {
    let mut config = ClientConfig::new(base, Credentials::AccessToken(Secret::new("given-token")));
    config.retry = FAST;
    TenantClient::new(config).unwrap()
}

#[tokio::test]
async fn a_missing_scope_is_named() {
    let server = Server::start(|_, _| {
        Reply::error(
            403,
            "Forbidden",
            "Insufficient scope, expected any of: delete:actions",
            Some("insufficient_scope"),
        )
    })
    .await;
    let err = token_client(&server.base)
        .delete_action("a1", false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingScope { scopes, .. } if scopes == &["delete:actions"]),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.starts_with("DELETE /api/v2/actions/actions/{id} on `127.0.0.1`: HTTP 403: the client lacks the scope `delete:actions`"), "{text}");
    assert!(text.contains(DEPLOYER_SCOPES), "{text}");
    // Not retried: a 403 will not change by asking again.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_rejected_token_says_so() {
    let server = Server::start(|_, _| {
        Reply::json(401, json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid token", "attributes": {"error": "Invalid token"}}))
    })
    .await;
    let err = token_client(&server.base).list_actions().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("HTTP 401: the access token was rejected (Invalid token)"),
        "{err}"
    );
    assert!(!err.to_string().contains("given-token"));
}

#[tokio::test]
async fn rejected_client_credentials_name_the_token_endpoint() {
    let server = Server::start(|_, _| {
        Reply::json(
            401,
            json!({"error": "access_denied", "error_description": "Unauthorized"}),
        )
    })
    .await;
    let client = client(&server.base);
    let err = client.list_actions().await.unwrap_err();
    assert!(
        matches!(err, Error::TokenRejected { status: 401, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("could not get an access token from `127.0.0.1`: HTTP 401: Unauthorized"),
        "{text}"
    );
    assert!(!text.contains(CLIENT_SECRET));
    assert_eq!(client.request_count(), 1);
}

#[tokio::test]
async fn a_refused_connection_names_the_host_after_retrying() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = token_client(&base);
    let err = client.get_action("a1").await.unwrap_err();
    assert!(matches!(err, Error::ConnectionRefused { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("connection to `127.0.0.1` refused"),
        "{err}"
    );
    // Nothing was sent, so retrying was safe; the budget bounds it.
    assert_eq!(client.request_count(), 1 + u64::from(FAST.max_retries));
}

#[tokio::test]
async fn tls_to_a_plain_http_server_is_a_tls_error() {
    let server = Server::start(|_, _| Reply::json(200, json!({}))).await;
    let base = server.base.replace("http://", "https://");
    let err = token_client(&base).get_action("a1").await.unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("TLS handshake with `127.0.0.1` failed"),
        "{err}"
    );
}

#[tokio::test]
async fn a_bad_base_url_is_refused_up_front() {
    let err = TenantClient::new(ClientConfig::new(
        "ftp://x",
        Credentials::AccessToken(Secret::new("t")),
    ))
    .unwrap_err();
    assert!(matches!(err, Error::BadBaseUrl { .. }), "{err:?}");
}
