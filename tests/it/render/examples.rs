//! The example tenants in `tenants/`: every action renders, passes `node --check`, matches its
//! snapshot, and the example tests pass through the Node harness.

use std::collections::BTreeMap;
use std::path::Path;

use loginflow::config::ConfigFile;
use loginflow::node::{Job, JobAction, JobCase, run_batch};
use loginflow::render::{RenderContext, RenderedAction, render_action};
use serde_json::Value;

use super::support::{event, node_check};

pub fn tenant_files() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tenants");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("tenants/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Renders every action of a tenant file, in flow order, with fixed fingerprints.
pub fn render_tenant(path: &Path) -> (ConfigFile, Vec<RenderedAction>) {
    let text = std::fs::read_to_string(path).expect("read tenant");
    let config: ConfigFile = serde_saphyr::from_str(&text).expect("tenant parses");
    let domain = config.tenant.as_ref().expect("tenant").domain.clone();
    let defaults = config.defaults.clone().unwrap_or_default();
    let source = format!(
        "tenants/{}",
        path.file_name().expect("name").to_string_lossy()
    );
    let flow = config
        .flow
        .as_ref()
        .and_then(|f| f.post_login.clone())
        .expect("flow");
    let mut rendered = Vec::new();
    for name in &flow {
        let action = &config.actions[name];
        let fps: BTreeMap<String, String> = loginflow::render::secrets_needed(action)
            .into_iter()
            .map(|s| {
                let fp = loginflow::fingerprint::fingerprint(&domain, name, &s, "example-value");
                (s, fp)
            })
            .collect();
        let ctx = RenderContext {
            tenant_domain: &domain,
            source_file: &source,
            defaults: &defaults,
            secret_fingerprints: &fps,
            template_dir: None,
            custom_code: None,
        };
        rendered.push(render_action(&ctx, name, action).expect("renders"));
    }
    (config, rendered)
}

#[test]
fn every_example_renders_parses_and_matches_its_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for path in tenant_files() {
            let stem = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            let (_, actions) = render_tenant(&path);
            for action in actions {
                node_check(&action.code);
                let header = loginflow::render::parse_header(&action.code).expect("managed header");
                assert_eq!(header.action, action.name);
                insta::assert_snapshot!(format!("{stem}__{}", action.name), action.code);
            }
        }
    });
}

/// Deep-merges `patch` into `base` (objects merge, anything else replaces).
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// The example tests run through the harness. Only what this suite can judge without the test
/// runner of `loginflow test` is checked: deny, the exact/included claims and metadata.
#[test]
fn example_tests_pass_in_node() {
    for path in tenant_files() {
        let (config, actions) = render_tenant(&path);
        let cases: Vec<JobCase> = config
            .tests
            .iter()
            .map(|t| {
                let mut ev = event();
                // A test event replaces the defaults' metadata rather than adding to it.
                if let Some(Value::Object(user)) = t.event.get("user") {
                    for key in ["app_metadata", "user_metadata"] {
                        if user.contains_key(key) {
                            ev["user"][key] = Value::Object(Default::default());
                        }
                    }
                }
                merge(&mut ev, &Value::Object(t.event.clone()));
                JobCase {
                    name: t.name.clone(),
                    event: ev,
                    secrets: t.secrets.clone(),
                    http_stubs: t.http.clone(),
                    cache: t.cache.clone(),
                    now_ms: None,
                    flow: None,
                }
            })
            .collect();
        let job = Job {
            actions: actions
                .iter()
                .map(|a| JobAction {
                    name: a.name.clone(),
                    code: a.code.clone(),
                    secrets: Some(a.secrets.clone()),
                })
                .collect(),
            cases,
            ..Job::default()
        };
        let results = run_batch(&job).expect("harness");
        for (t, r) in config.tests.iter().zip(results) {
            let at = format!("{}: {}", path.display(), t.name);
            assert!(
                r.errors.is_empty() && r.error.is_none(),
                "{at}: {:?} {:?}",
                r.errors,
                r.error
            );
            let e = &t.expect;
            if let Some(loginflow::config::test_case::Denied::Flag(d)) = &e.denied {
                assert_eq!(r.denied, *d, "{at}: {:?}", r.logs);
            }
            for (want, got) in [
                (&e.id_token, &r.id_token),
                (&e.access_token, &r.access_token),
                (&e.app_metadata, &r.app_metadata),
            ] {
                if let Some(want) = want {
                    assert_eq!(got, want, "{at}");
                }
            }
            for (want, got) in [
                (&e.id_token_includes, &r.id_token),
                (&e.access_token_includes, &r.access_token),
            ] {
                for (k, v) in want.iter().flatten() {
                    assert_eq!(got.get(k), Some(v), "{at}: claim {k}");
                }
            }
            if let Some(calls) = &e.http_calls {
                assert_eq!(calls.len(), r.http_calls.len(), "{at}: {:?}", r.http_calls);
            }
        }
    }
}
