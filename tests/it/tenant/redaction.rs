//! Tokens, client secrets and secret values never reach a log line or an error, even at trace
//! level and even when the server echoes them back.

use std::io::Write;
use std::sync::{Arc, Mutex};

use loginflow::tenant::{ApiTrigger, CreateAction, Secret, SecretValue, UpdateAction};
use serde_json::json;

use super::server::{CLIENT_SECRET, Reply, Server, TOKEN, action, client};

const SECRET_VALUE: &str = "sv-ACTION-SECRET-1337";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_and_errors_never_contain_secrets() {
    // Callsites first hit while another test thread registers its own can keep a stale "never"
    // interest despite the rebuild below, which only drops log lines, never adds them. So the
    // scenario runs twice: both runs must be free of secrets, and the second, with every
    // callsite registered, must also show the lines that prove the logs are not vacuous.
    let first = scenario().await;
    let (logs, err) = scenario().await;
    for secret in [SECRET_VALUE, CLIENT_SECRET, TOKEN] {
        for (logs, err) in [(&first.0, &first.1), (&logs, &err)] {
            assert!(
                !logs.contains(secret),
                "`{secret}` leaked into the logs:\n{logs}"
            );
            assert!(
                !err.contains(secret),
                "`{secret}` leaked into the error: {err}"
            );
        }
    }
    assert!(logs.contains("POST /api/v2/actions/actions"), "{logs}");
    assert!(logs.contains("status=201"), "{logs}");
    assert!(
        logs.contains("\\\"API_KEY\\\"") || logs.contains("API_KEY"),
        "{logs}"
    );
    assert!(logs.contains("[redacted]"), "{logs}");
}

/// Creates an action with a secret, then updates it against a server that echoes every body
/// back in an error; returns the trace logs and the error's text.
async fn scenario() -> (String, String) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    let server = Server::start(|req, _| match (req.method.as_str(), req.path.as_str()) {
        (_, "/oauth/token") => Reply::token(),
        ("POST", _) => Reply::json(201, action("a1", "claims")),
        // A hostile server that echoes everything it was sent, in an error.
        _ => Reply::error(
            400,
            "Bad Request",
            &format!("bad: {} {:?}", req.body, req.auth),
            Some("invalid_body"),
        ),
    })
    .await;
    let client = client(&server.base);
    let secrets = Some(vec![SecretValue {
        name: "API_KEY".into(),
        value: Secret::new(SECRET_VALUE),
    }]);
    let create = CreateAction {
        name: "claims".into(),
        supported_triggers: vec![ApiTrigger {
            id: "post-login".into(),
            version: "v3".into(),
        }],
        code: "exports.onExecutePostLogin = async () => {};".into(),
        runtime: None,
        dependencies: vec![],
        secrets: secrets.clone(),
        deploy: Some(true),
    };
    client.create_action(&create).await.unwrap();
    let err = client
        .update_action(
            "a1",
            &UpdateAction {
                secrets,
                ..UpdateAction::default()
            },
        )
        .await
        .unwrap_err();

    // The secret value really was sent, so its absence from the output means something.
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.body.contains(SECRET_VALUE))
    );
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert_eq!(json!(err.status()), json!(400));
    (logs, format!("{err} {err:?}"))
}
