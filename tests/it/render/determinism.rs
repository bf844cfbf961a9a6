//! Identical input renders byte-identical output; template overrides replace a kind.

use super::examples::{render_tenant, tenant_files};

#[test]
fn identical_input_renders_identical_bytes() {
    for path in tenant_files() {
        let (_, first) = render_tenant(&path);
        let (_, second) = render_tenant(&path);
        assert_eq!(first, second, "{}", path.display());
        for action in &first {
            assert!(
                action.code.ends_with(";\n") || action.code.ends_with("}\n"),
                "trailing newline kept"
            );
        }
    }
}

#[test]
fn a_template_dir_overrides_a_kind_by_file_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("claims.js.j2"),
        "// custom template for {{ action }}\nexports.onExecutePostLogin = async () => {};\n",
    )
    .expect("write");
    let action: loginflow::config::ActionConfig =
        serde_saphyr::from_str("kind: claims\nclaims: []\n").expect("yaml");
    let defaults = Default::default();
    let fps = Default::default();
    let ctx = loginflow::render::RenderContext {
        tenant_domain: "acme.eu.auth0.com",
        owner: loginflow::config::model::DEFAULT_OWNER,
        defaults: &defaults,
        secret_fingerprints: &fps,
        template_dir: Some(dir.path()),
        custom_code: None,
    };
    let r = loginflow::render::render_action(&ctx, "x\"y", &action).expect("render");
    assert!(
        r.code.ends_with(
            "// custom template for \"x\\\"y\"\nexports.onExecutePostLogin = async () => {};\n"
        ),
        "{}",
        r.code
    );
}

#[test]
fn custom_code_is_deployed_unchanged_after_the_header() {
    let action: loginflow::config::ActionConfig = serde_saphyr::from_str(
        "kind: custom\ncode: actions/legacy.js\ndependencies: { axios: 1.7.9 }\nsecrets: [B, A]\n",
    )
    .expect("yaml");
    let code = "const axios = require(\"axios\");\nexports.onExecutePostLogin = async () => {};\n";
    let defaults = Default::default();
    let fps = [(
        "A".to_string(),
        "$argon2id$v=19$m=19456,t=2,p=1$abc$def".to_string(),
    )]
    .into();
    let ctx = loginflow::render::RenderContext {
        tenant_domain: "acme.eu.auth0.com",
        owner: loginflow::config::model::DEFAULT_OWNER,
        defaults: &defaults,
        secret_fingerprints: &fps,
        template_dir: None,
        custom_code: Some(code),
    };
    let r = loginflow::render::render_action(&ctx, "legacy-rule", &action).expect("render");
    assert_eq!(loginflow::render::strip_header(&r.code), code);
    assert!(
        r.code
            .contains("// secrets: A=$argon2id$v=19$m=19456,t=2,p=1$abc$def, B=unset\n")
    );
    assert_eq!(r.secrets, vec!["A", "B"]);
    assert_eq!(r.dependencies["axios"], "1.7.9");
}
