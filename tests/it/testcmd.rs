//! `loginflow test`: the harness judges cases correctly. Every kind of expectation has a case
//! that must fail with its message (`tests/fixtures/testcmd/fail.yaml`); the passing fixture
//! covers Auth0 behaviour (restricted claims dropped, metadata applied after the flow, deny ends
//! the flow); then the time limit, `--filter`, JUnit and the exit codes.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{fixture, loginflow, root, texts};

const SECRET: &str = "sk-test-41f0c9d2";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = loginflow()
        .current_dir(root())
        .arg("test")
        .args(args)
        .output()
        .expect("run loginflow test");
    let (stdout, stderr) = texts(&out);
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

fn path(name: &str) -> String {
    fixture(&format!("testcmd/{name}"))
        .to_string_lossy()
        .into_owned()
}

/// The lines printed under `FAIL … › case`, up to the next case line.
fn failure_of<'a>(stdout: &'a str, case: &str) -> Vec<&'a str> {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.ends_with(&format!("› {case}")));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("no line for {case}:\n{stdout}"));
    assert!(head.starts_with("FAIL "), "{head}");
    lines.take_while(|l| l.starts_with(' ')).collect()
}

#[test]
fn passing_fixture_passes_and_exits_0() {
    let (code, stdout, stderr) = run(&[&path("pass.yaml")]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("PASS "), "{stdout}");
    assert!(stdout.contains("pass.yaml › claims, metadata, calls and cache of a normal login"));
    // Restricted `roles` dropped, `second` saw the old plan, and the deny stopped the flow: the
    // exact expectations of the fixture say so, and they held.
    assert_eq!(
        stdout.lines().last(),
        Some("4 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn every_kind_of_expectation_fails_with_its_message() {
    let file = path("fail.yaml");
    let (code, stdout, stderr) = run(&[&file, "--time-limit-ms", "1500"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let expected: &[(&str, &[&str])] = &[
        (
            "wrong id_token",
            &[
                r#"id_token["https://t.example/plan"]: expected "pro", got "free""#,
                r#"id_token["https://t.example/seen_plan"]: not expected, got "free""#,
            ],
        ),
        (
            "wrong id_token_includes",
            &[r#"id_token["https://t.example/missing"]: expected 1, but the claim is not set"#],
        ),
        (
            "wrong access_token",
            &[
                r#"access_token["https://t.example/tier"]: expected "silver", got "gold""#,
                r#"access_token["https://t.example/scope"]["read"]: expected false, got true"#,
            ],
        ),
        (
            "wrong access_token_includes",
            &[r#"access_token["https://t.example/tier"]: expected "silver", got "gold""#],
        ),
        (
            "wrong matchers",
            &[
                r#"id_token["https://t.example/plan"]: expected a string matching /^pro/, got "free""#,
                r#"access_token["https://t.example/tier"]: expected a number, got "gold""#,
                r#"access_token["https://t.example/scope"]: expected a JWT, got {"read":true}"#,
            ],
        ),
        (
            "wrong app_metadata",
            &[r#"app_metadata["plan"]: expected "enterprise", got "pro""#],
        ),
        (
            "wrong user_metadata",
            &[r#"user_metadata["theme"]: not expected, got "dark""#],
        ),
        (
            "expected a deny",
            &["denied: expected the login to be denied, but it was allowed"],
        ),
        (
            "expected no deny",
            &[
                r#"denied: expected the login to be allowed, but action `first` denied it (reason "account blocked")"#,
            ],
        ),
        (
            "wrong deny reason",
            &[r#"denied: expected reason "try again later", got reason "account blocked""#],
        ),
        (
            "wrong http_calls",
            &[
                "http_calls[0]: expected POST https://api.t.example/*, got GET https://api.t.example/profile?user=auth0%7Cu1 (from action `first`)",
                "headers: x-api-key: [redacted]",
            ],
        ),
        (
            "wrong cache_writes",
            &[r#"cache_writes: expected ["session:*"], got ["profile:auth0|u1"]"#],
        ),
        (
            "unstubbed call",
            &[
                "the flow called GET https://api.t.example/profile?user=auth0%7Cu1, which no stub matches",
            ],
        ),
        (
            "slow backend",
            &["the flow ran longer than its 1500 ms limit"],
        ),
    ];
    for (case, messages) in expected {
        let lines = failure_of(&stdout, case).join("\n");
        for m in *messages {
            assert!(lines.contains(m), "{case}: missing `{m}` in:\n{lines}");
        }
    }
    assert_eq!(
        stdout.lines().last(),
        Some(format!("0 passed, {} failed", expected.len()).as_str()),
        "{stdout}"
    );
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "secret printed:\n{stdout}"
    );
}

#[test]
fn the_flow_time_limit_fails_the_case_without_waiting_for_the_stub() {
    let started = Instant::now();
    let (code, stdout, _) = run(&[
        &path("fail.yaml"),
        "--filter",
        "slow",
        "--time-limit-ms",
        "300",
    ]);
    assert_eq!(code, 1);
    let lines = failure_of(&stdout, "slow backend").join("\n");
    assert!(
        lines.contains("the flow ran longer than its 300 ms limit"),
        "{lines}"
    );
    assert!(lines.contains("Auth0 would fail the login"), "{lines}");
    // The stub answers after 5 s; the limit ends the case (and the Node process) well before.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn filter_selects_cases_by_name() {
    let (code, stdout, _) = run(&[&path("fail.yaml"), "--filter", "DENY REASON"]);
    assert_eq!(code, 1);
    assert_eq!(stdout.matches("FAIL ").count(), 1, "{stdout}");
    assert!(stdout.contains("› wrong deny reason"));
    assert_eq!(stdout.lines().last(), Some("0 passed, 1 failed"));

    let (code, stdout, _) = run(&[&path("pass.yaml"), "--filter", "blocked"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.lines().last(), Some("1 passed, 0 failed"));

    let (code, stdout, stderr) = run(&[&path("pass.yaml"), "--filter", "no such case"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stderr.contains("no test case name contains `no such case`"),
        "{stderr}"
    );
}

/// A minimal well-formedness check: every tag closes in order, attributes are quoted and no raw
/// `<` or `&` is left in text.
fn check_xml(xml: &str) -> Vec<String> {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    let mut stack: Vec<String> = Vec::new();
    let mut elements = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        assert!(!text.contains('>'), "raw `>` in text: {text}");
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "bad entity in {text}"
            );
        }
        let end = rest[start..].find('>').expect("tag closes") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "`<` inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else {
            let name = tag
                .split_whitespace()
                .next()
                .expect("name")
                .trim_end_matches('/')
                .to_owned();
            elements.push(name.clone());
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert!(rest.trim().is_empty());
    elements
}

#[test]
fn junit_output_is_well_formed_and_escaped() {
    let (code, xml, _) = run(&[
        &path("pass.yaml"),
        &path("fail.yaml"),
        "--format",
        "junit",
        "--time-limit-ms",
        "500",
    ]);
    assert_eq!(code, 1);
    let elements = check_xml(&xml);
    assert_eq!(elements.iter().filter(|e| *e == "testsuite").count(), 2);
    assert_eq!(elements.iter().filter(|e| *e == "testcase").count(), 18);
    assert_eq!(elements.iter().filter(|e| *e == "failure").count(), 14);
    assert!(
        xml.contains("<testsuites name=\"loginflow test\" tests=\"18\" failures=\"14\""),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"subsets of claims &lt;id &amp; access&gt; &quot;tokens&quot;\""),
        "{xml}"
    );
    assert!(
        xml.contains("expected &quot;pro&quot;, got &quot;free&quot;"),
        "{xml}"
    );
    assert!(!xml.contains(SECRET));
}

#[test]
fn junit_out_writes_a_file_and_keeps_human_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("junit.xml");
    let (code, stdout, _) = run(&[&path("pass.yaml"), "--junit-out", &report.to_string_lossy()]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.lines().last(), Some("4 passed, 0 failed"));
    let xml = std::fs::read_to_string(&report).expect("report written");
    assert_eq!(
        check_xml(&xml).iter().filter(|e| *e == "testcase").count(),
        4
    );
}

#[test]
fn a_tenant_with_validation_errors_is_not_tested() {
    let (code, stdout, stderr) = run(&[&path("invalid.yaml"), &path("pass.yaml")]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("error[unknown-action]"), "{stderr}");
    assert!(
        stderr.contains("not tested: the tenant has validation errors"),
        "{stderr}"
    );
    assert!(!stdout.contains("never runs"));
    assert_eq!(stdout.lines().last(), Some("4 passed, 0 failed"));
}

fn fake_node(dir: &Path, version: &str) -> String {
    let p = dir.join("node");
    std::fs::write(&p, format!("#!/bin/sh\necho {version}\n")).expect("write fake node");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    p.to_string_lossy().into_owned()
}

#[test]
fn missing_or_old_node_is_a_clear_error() {
    let run_with = |node: &str| {
        let out = loginflow()
            .current_dir(root())
            .env("LOGINFLOW_NODE", node)
            .args(["test", &path("pass.yaml")])
            .output()
            .expect("run");
        let (stdout, stderr) = texts(&out);
        (out.status.code(), stdout, stderr)
    };
    let (code, _, stderr) = run_with("/nonexistent/node");
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("was not found; install Node.js 18 or newer"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: install Node.js 18 or newer"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = run_with(&fake_node(dir.path(), "v16.20.2"));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("Node.js v16.20.2 is too old; loginflow needs Node.js 18 or newer"),
        "{stderr}"
    );
}

#[test]
fn the_example_tenants_pass() {
    let (code, stdout, stderr) = run(&[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout
            .lines()
            .last()
            .is_some_and(|l| l.ends_with(" passed, 0 failed")),
        "{stdout}"
    );
}

/// An action that upper-cases, lower-cases, base64-encodes (also inside `user:secret`), URL- or
/// hex-encodes a secret prints none of those forms, in either output format.
#[test]
fn transformed_secret_values_are_redacted_in_every_format() {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let canary = "Canary-Secret/41f0+c9 d2?x";
    let mut forms = vec![
        canary.to_owned(),
        canary.to_uppercase(),
        canary.to_lowercase(),
        STANDARD.encode(canary),
        URL_SAFE_NO_PAD.encode(canary),
        canary.bytes().map(|b| format!("{b:02x}")).collect(),
        "Canary-Secret%2F41f0%2Bc9%20d2%3Fx".to_owned(),
        "Canary-Secret%2F41f0%2Bc9+d2%3Fx".to_owned(),
    ];
    // `user:` + canary, base64: the part that depends on the canary alone.
    let basic = STANDARD.encode(format!("user:{canary}"));
    forms.push(basic[8..basic.len() - 4].to_owned());
    let file = path("redact.yaml");
    let (code, stdout, stderr) = run(&[&file]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("upper=[redacted]"),
        "logs not printed:\n{stdout}"
    );
    let (_, xml, _) = run(&[&file, "--format", "junit"]);
    assert!(xml.contains("[redacted]"), "{xml}");
    for (format, text) in [("human", format!("{stdout}{stderr}")), ("junit", xml)] {
        for form in &forms {
            assert!(
                !text.contains(form.as_str()),
                "{format} output shows `{form}`:\n{text}"
            );
        }
        assert!(!text.to_lowercase().contains("41f0"), "{format}:\n{text}");
    }
}
