//! `validate`: every invalid fixture reports its expected codes at their exact positions, every
//! valid fixture is clean, every diagnostic code has a fixture, and hostile files get a clear
//! diagnostic rather than a panic.
//!
//! Fixtures declare expectations in their first comment lines:
//! `# expect: CODE [FILE] [LINE:COL]` (FILE defaults to the fixture itself).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use loginflow::diagnostics::render;
use loginflow::diagnostics::{Code, Diagnostic, Severity};

use crate::common::{fixture, loginflow, texts};

struct Expect {
    code: String,
    file: Option<String>,
    pos: Option<(usize, usize)>,
}

fn expectations(text: &str) -> Vec<Expect> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|rest| {
            let mut parts: Vec<&str> = rest.split_whitespace().collect();
            let code = parts.remove(0).to_string();
            let pos = parts.last().and_then(|p| {
                let (l, c) = p.split_once(':')?;
                Some((l.parse().ok()?, c.parse().ok()?))
            });
            if pos.is_some() {
                parts.pop();
            }
            Expect {
                code,
                file: parts.first().map(|s| s.to_string()),
                pos,
            }
        })
        .collect()
}

/// Every invalid fixture: a tenant file, or a folder with `tenant.yaml`.
fn invalid_fixtures() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(fixture("invalid"))
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .map(|p| if p.is_dir() { p.join("tenant.yaml") } else { p })
        .collect();
    out.sort();
    out
}

fn matches(d: &Diagnostic, e: &Expect, tenant: &Path) -> bool {
    let file_ok = match &e.file {
        Some(f) => d.file.ends_with(f),
        None => d.file == tenant,
    };
    let pos_ok = match e.pos {
        Some((l, c)) => d.pos.is_some_and(|p| (p.line, p.column) == (l, c)),
        None => true,
    };
    d.code.as_str() == e.code && file_ok && pos_ok
}

fn show(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            format!(
                "{} {} {:?}",
                d.code,
                d.file.display(),
                d.pos.map(|p| (p.line, p.column))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn invalid_fixtures_report_exact_positions() {
    let fixtures = invalid_fixtures();
    assert!(
        fixtures.len() >= 40,
        "only {} invalid fixtures",
        fixtures.len()
    );
    let mut failures = Vec::new();
    for path in &fixtures {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let expected = expectations(&text);
        assert!(
            !expected.is_empty(),
            "{} declares no expectation",
            path.display()
        );
        let (_, diags, _) = loginflow::validate::validate_file(path);
        for e in &expected {
            if !diags.iter().any(|d| matches(d, e, path)) {
                failures.push(format!(
                    "{}: expected {} {:?} {:?}, got:\n{}",
                    path.display(),
                    e.code,
                    e.file,
                    e.pos,
                    show(&diags)
                ));
            }
        }
        let wants_error = expected.iter().any(|e| {
            Code::all()
                .iter()
                .any(|(c, _)| c.as_str() == e.code && !WARNING_CODES.contains(c))
        });
        let wants_error = wants_error && !text.contains("# warning-only");
        if wants_error && !diags.iter().any(|d| d.severity == Severity::Error) {
            failures.push(format!("{}: no error reported", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const WARNING_CODES: &[Code] = &[
    Code::UnusedSecret,
    Code::UnboundAction,
    Code::HasuraAdmin,
    Code::NonNamespacedClaim,
    Code::PersistedCredential,
    Code::PlainScalar,
    Code::UntrustedInput,
    Code::LoginBudgetTight,
];

/// Codes tested by generated inputs below rather than by fixture files, and `duplicate-owner`,
/// which needs several files checked together (`owners.rs`).
const GENERATED: &[Code] = &[
    Code::Io,
    Code::NotUtf8,
    Code::TooLarge,
    Code::DuplicateOwner,
];

#[test]
fn every_code_has_a_fixture() {
    let mut covered = BTreeSet::new();
    for path in invalid_fixtures() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        covered.extend(expectations(&text).into_iter().map(|e| e.code));
    }
    let missing: Vec<&str> = Code::all()
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| !GENERATED.contains(c) && !covered.contains(c.as_str()))
        .map(Code::as_str)
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn valid_fixtures_are_clean() {
    for rel in ["valid/all_kinds.yaml", "valid/with_include/tenant.yaml"] {
        let (tenant, diags, _) = loginflow::validate::validate_file(&fixture(rel));
        assert!(diags.is_empty(), "{rel}:\n{}", show(&diags));
        assert!(tenant.is_some());
    }
}

#[test]
fn invalid_fixture_output_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/validate");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for path in invalid_fixtures() {
            if path.ends_with("claim_size.yaml") {
                continue; // a 110 kB line; its position is asserted above
            }
            let (_, diags, sources) = loginflow::validate::validate_file(&path);
            let text = render::human(&diags, &sources, false);
            let text = text.replace(&format!("{}/", crate::common::root().display()), "");
            let name = path
                .strip_prefix(fixture("invalid"))
                .unwrap_or(&path)
                .display()
                .to_string()
                .replace(['/', '.'], "_");
            insta::assert_snapshot!(name, text);
        }
    });
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    (dir, path)
}

fn codes_of(path: &Path) -> Vec<Code> {
    loginflow::validate::validate_file(path)
        .1
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn hostile_files_get_diagnostics_not_panics() {
    let (_d, not_utf8) = temp_file("bin.yaml", b"version: 1\ntenant: \xff\xfe\n");
    assert_eq!(codes_of(&not_utf8), vec![Code::NotUtf8]);

    let mut big = b"version: 1\n# ".to_vec();
    big.resize(10 * 1024 * 1024, b'x');
    let (_d, big) = temp_file("big.yaml", &big);
    assert_eq!(codes_of(&big), vec![Code::TooLarge]);

    let (_d, missing) = temp_file("x.yaml", b"");
    let gone = missing.with_file_name("absent.yaml");
    assert_eq!(codes_of(&gone), vec![Code::Io]);

    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..15 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (_d, bomb) = temp_file("bomb.yaml", bomb.as_bytes());
    assert_eq!(codes_of(&bomb), vec![Code::Syntax]);

    let deep = format!(
        "version: 1\ntenant: {}1{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let (_d, deep) = temp_file("deep.yaml", deep.as_bytes());
    assert_eq!(codes_of(&deep), vec![Code::Syntax]);
}

#[test]
fn cli_exit_codes_and_json() {
    let bad = fixture("invalid/unknown_kind_key.yaml");
    let out = loginflow().arg("validate").arg(&bad).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = texts(&out);
    assert!(stdout.is_empty(), "human diagnostics go to stderr");
    assert!(stderr.contains("unknown_kind_key.yaml:8:5: error[unknown-field]: unknown field `defualt_role` in `actions.h`"), "{stderr}");
    assert!(
        stderr.contains("hint: did you mean `default_role`?"),
        "{stderr}"
    );

    let out = loginflow()
        .args(["validate", "--format", "json"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["version"], 1);
    let unknown = doc["diagnostics"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["code"] == "unknown-field"))
        .expect("an unknown-field diagnostic");
    assert_eq!(
        (unknown["line"].as_u64(), unknown["column"].as_u64()),
        (Some(8), Some(5))
    );
    assert_eq!(unknown["hint"], "did you mean `default_role`?");

    let good = fixture("valid/all_kinds.yaml");
    let out = loginflow()
        .arg("validate")
        .arg(&good)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));

    let warn = fixture("invalid/unused_secret.yaml");
    let out = loginflow()
        .arg("validate")
        .arg(&warn)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "warnings alone do not fail");
}

#[test]
fn schema_command_matches_checked_in_file() {
    let out = loginflow().arg("schema").output().expect("run");
    assert!(out.status.success());
    let checked_in =
        std::fs::read_to_string(crate::common::root().join("schema/loginflow.schema.json"))
            .unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&out.stdout) == checked_in,
        "schema/loginflow.schema.json is stale: run `cargo run -- schema > schema/loginflow.schema.json`"
    );
}

/// Plain scalars follow the YAML 1.2 core schema (`NO` and `on` stay strings, `012345` is 12345),
/// and a number where a string is expected keeps its spelling (`0x1F`).
#[test]
fn plain_scalars_are_read_by_the_yaml_1_2_core_schema() {
    use loginflow::config::ActionConfig;
    let (tenant, diags, _) =
        loginflow::validate::validate_file(&fixture("invalid/plain_scalar.yaml"));
    assert!(!diags.iter().any(Diagnostic::is_error), "{}", show(&diags));
    let tenant = tenant.expect("the file loads");
    let Some(ActionConfig::Claims(c)) = tenant.config.actions.get("c") else {
        panic!("no claims action");
    };
    let when = c.spec.claims[0].when.as_ref().expect("a condition");
    assert_eq!(when.equals, Some(serde_json::json!("NO")));
    assert_eq!(c.spec.claims[1].value, Some(serde_json::json!("yes")));
    assert_eq!(c.spec.claims[2].value, Some(serde_json::json!(12345)));
    let skip = c.skip.as_ref().expect("skip");
    assert_eq!(skip.only_clients, ["012345", "0x1F", "on"]);
    let hints: Vec<&str> = diags.iter().filter_map(|d| d.hint.as_deref()).collect();
    for quoted in [
        r#"`"NO"`"#,
        r#"`"yes"`"#,
        r#"`"on"`"#,
        r#"`"012345"`"#,
        r#"`"0x1F"`"#,
    ] {
        assert!(
            hints
                .iter()
                .any(|h| h.starts_with(&format!("write {quoted} "))),
            "no hint quoting {quoted}: {hints:?}"
        );
    }
}

/// A `custom` action whose code file is above Auth0's 100 kB is refused by `validate`, at its
/// `code:` line, naming the limit.
#[test]
fn a_custom_code_file_above_the_action_size_limit_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tenant = dir.path().join("tenant.yaml");
    std::fs::write(
        &tenant,
        "version: 1\ntenant:\n  domain: acme.eu.auth0.com\nactions:\n  huge:\n    kind: custom\n    code: huge.js\nflow:\n  post-login: [huge]\n",
    )
    .expect("write tenant");
    let line = "// padding padding padding padding padding padding padding padding padding\n";
    let mut code = String::from("exports.onExecutePostLogin = async () => {};\n");
    while code.len() < 512 * 1024 {
        code.push_str(line);
    }
    std::fs::write(dir.path().join("huge.js"), &code).expect("write code");
    let (_, diags, _) = loginflow::validate::validate_file(&tenant);
    let d = diags
        .iter()
        .find(|d| d.code == Code::CodeSize)
        .unwrap_or_else(|| panic!("no code-size error:\n{}", show(&diags)));
    assert!(d.is_error());
    assert_eq!(d.pos.map(|p| (p.line, p.column)), Some((7, 11)));
    assert!(d.message.contains("100 kB"), "{}", d.message);
    assert!(d.message.contains(&code.len().to_string()), "{}", d.message);
    let out = loginflow()
        .arg("validate")
        .arg(&tenant)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));

    // Above the read cap (1 MiB) the file is not read at all: `too-large`, naming the cap.
    while code.len() < 2 * 1024 * 1024 {
        code.push_str(line);
    }
    std::fs::write(dir.path().join("huge.js"), &code).expect("write code");
    let (_, diags, _) = loginflow::validate::validate_file(&tenant);
    let d = diags
        .iter()
        .find(|d| d.code == Code::TooLarge)
        .unwrap_or_else(|| panic!("no too-large error:\n{}", show(&diags)));
    assert_eq!(d.pos.map(|p| (p.line, p.column)), Some((7, 11)));
    assert!(d.message.contains("1 MiB"), "{}", d.message);
}
