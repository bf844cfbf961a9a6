//! The example tenants in `tenants/`: every action renders, passes `node --check`, matches its
//! snapshot, and the example tests pass through `loginflow test`'s runner.

use std::collections::BTreeMap;
use std::path::Path;

use loginflow::config::ConfigFile;
use loginflow::render::{RenderContext, RenderedAction, render_action};

use super::support::node_check;

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
            owner: loginflow::config::model::DEFAULT_OWNER,
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

/// The example tests pass through the runner of `loginflow test` (every expectation checked).
#[test]
fn example_tests_pass_in_node() {
    let mut suites = Vec::new();
    for path in tenant_files() {
        let (tenant, diags, _) = loginflow::validate::validate_file(&path);
        assert_eq!(loginflow::diagnostics::error_count(&diags), 0, "{diags:?}");
        let tenant = tenant.expect("tenant loads");
        let suite = loginflow::testing::suite(&tenant, &path.display().to_string(), None)
            .expect("flow renders");
        assert!(
            suite.cases.len() >= 2,
            "{}: happy path and failure policy",
            path.display()
        );
        suites.push(suite);
    }
    let outcomes = loginflow::testing::run(&suites, None).expect("harness");
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}
