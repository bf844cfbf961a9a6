//! Adoption helpers: `completions`, `hasura jwt-config`, and the CI examples in `examples/ci/`.
//!
//! The CI examples are checked as YAML and every `loginflow ...` invocation in their shell scripts
//! must name a subcommand and flags the CLI has: the clap model for commands it already has, an
//! explicit allow-list for the ones still being built.

use std::collections::BTreeMap;

use clap::CommandFactory;
use serde_json::Value;

use crate::common::{fixture, loginflow, root, texts};

// ---------------------------------------------------------------------------------------------
// completions

#[test]
fn completions_generate_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = loginflow()
            .args(["completions", shell])
            .output()
            .expect("run");
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{shell}: {stderr}");
        assert!(
            stderr.is_empty(),
            "{shell}: stderr must stay empty: {stderr}"
        );
        for word in ["loginflow", "validate", "jwt-config", "completions"] {
            assert!(stdout.contains(word), "{shell} script lacks `{word}`");
        }
    }
}

#[test]
fn completions_refuse_an_unknown_shell() {
    let out = loginflow()
        .args(["completions", "tcsh"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

// ---------------------------------------------------------------------------------------------
// hasura jwt-config

fn jwt_config(tenant: &str, extra: &[&str]) -> (bool, String, String) {
    let path = fixture(&format!("adopt/{tenant}"));
    let out = loginflow()
        .args(["hasura", "jwt-config", "--tenant"])
        .arg(&path)
        .args(extra)
        .output()
        .expect("run");
    let (stdout, stderr) = texts(&out);
    (out.status.success(), stdout, stderr)
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/adopt");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn jwt_config_for_an_auth0_tenant() {
    let (ok, stdout, stderr) = jwt_config("hasura.yaml", &["--audience", "https://api.acme.com"]);
    assert!(ok, "{stderr}");
    assert!(stderr.is_empty(), "no notes expected: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    snapshot("jwt_config_acme", &stdout);

    let v: serde_json::Map<String, Value> = serde_json::from_str(&stdout).expect("json");
    let keys: Vec<&str> = v.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "type",
            "jwk_url",
            "audience",
            "issuer",
            "claims_namespace",
            "claims_format"
        ]
    );
    assert!(v["issuer"].as_str().is_some_and(|s| s.ends_with(".com/")));
    assert!(!v.contains_key("claims_namespace_path"));
}

#[test]
fn jwt_config_with_custom_namespace_several_audiences_and_skew() {
    let (ok, stdout, stderr) = jwt_config(
        "stringified.yaml",
        &[
            "--audience",
            "https://api.acme.com",
            "--audience",
            "https://reports.acme.com",
            "--allowed-skew",
            "30",
            "--issuer-domain",
            "login.acme.com",
        ],
    );
    assert!(ok, "{stderr}");
    snapshot("jwt_config_stringified", &stdout);
}

#[test]
fn jwt_config_names_the_actions_that_disagree() {
    let (ok, stdout, stderr) = jwt_config("disagree.yaml", &["--audience", "x"]);
    assert!(!ok);
    assert!(stdout.is_empty());
    let stderr = stderr.replace(&format!("{}/", root().display()), "");
    snapshot("jwt_config_disagree", &stderr);
    for needle in [
        "`hasura-a` uses `https://hasura.io/jwt/claims`",
        "`hasura-b` uses `https://acme.com/hasura`",
        "`hasura-c` uses `stringified_json`",
    ] {
        assert!(stderr.contains(needle), "missing {needle}: {stderr}");
    }
}

#[test]
fn jwt_config_without_a_hasura_action() {
    let (ok, stdout, stderr) = jwt_config("no_hasura.yaml", &["--audience", "x"]);
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(stderr.contains("no `hasura` action"), "{stderr}");
}

#[test]
fn jwt_config_without_an_audience_explains_why_it_is_needed() {
    let (ok, stdout, stderr) = jwt_config("hasura.yaml", &[]);
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(stderr.contains("--audience"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn jwt_config_refuses_an_invalid_tenant_with_its_diagnostics() {
    let path = fixture("invalid/hasura_default_role.yaml");
    let out = loginflow()
        .args(["hasura", "jwt-config", "--audience", "x", "--tenant"])
        .arg(&path)
        .output()
        .expect("run");
    let (stdout, stderr) = texts(&out);
    assert!(!out.status.success());
    assert!(stdout.is_empty());
    assert!(stderr.contains("error[hasura-role]"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// CI examples

/// How a flag of a command not yet in the clap model is used: `None` for a switch, `Some(values)`
/// for a flag with a value (an empty list accepts any value).
type Flags = &'static [(&'static str, Option<&'static [&'static str]>)];

/// Commands the CLI will have but the clap model does not yet (SPEC §5, §6, §8), with the flags
/// the CI examples may use and whether they take positional arguments.
///
/// The checker uses the clap model for any command it has, so each entry here stops mattering
/// the moment its command lands in `src/cli.rs`; delete the entry then, and this table once all
/// four exist, so that only the clap model is the reference.
const PENDING: &[(&str, Flags, bool)] = &[
    (
        "plan",
        &[
            ("--all", None),
            ("--format", Some(&["human", "markdown", "json"])),
            ("--detailed-exitcode", None),
            ("--out", Some(&[])),
        ],
        true,
    ),
    (
        "apply",
        &[("--all", None), ("--yes", None), ("--prune", None)],
        true,
    ),
    ("render", &[("--out", Some(&[]))], true),
    ("test", &[], true),
];

/// Checks one invocation (the words after `loginflow`) against the clap model, or the allow-list
/// for commands the model does not have yet.
fn check_invocation(words: &[String]) -> Result<(), String> {
    let mut root_cmd = loginflow::cli::Cli::command();
    root_cmd.build();
    let mut rest = words;
    // Global flags may come before the subcommand.
    while let Some(first) = rest.first().filter(|w| w.starts_with('-')) {
        if !matches!(first.as_str(), "-v" | "-vv" | "-vvv" | "--verbose") {
            return Err(format!("unknown global flag `{first}`"));
        }
        rest = &rest[1..];
    }
    let Some(name) = rest.first() else {
        return Err("no subcommand".into());
    };
    if let Some(mut cmd) = root_cmd.find_subcommand(name).cloned() {
        rest = &rest[1..];
        // Nested subcommands (`hasura jwt-config`).
        while cmd.has_subcommands() {
            let Some(sub) = rest.first() else {
                return Err(format!("`{}` needs a subcommand", cmd.get_name()));
            };
            cmd = cmd
                .find_subcommand(sub)
                .cloned()
                .ok_or_else(|| format!("`{}` has no subcommand `{sub}`", cmd.get_name()))?;
            rest = &rest[1..];
        }
        return check_against_clap(&cmd, rest);
    }
    let Some((_, flags, positionals)) = PENDING.iter().find(|(n, _, _)| n == name) else {
        return Err(format!("unknown subcommand `{name}`"));
    };
    let mut i = 1;
    while i < rest.len() {
        let word = &rest[i];
        i += 1;
        if matches!(word.as_str(), "-v" | "-vv" | "-vvv" | "--verbose") {
            continue;
        }
        if !word.starts_with('-') {
            if !positionals {
                return Err(format!("`{name}` takes no argument `{word}`"));
            }
            continue;
        }
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (word.as_str(), None),
        };
        let Some((_, takes)) = flags.iter().find(|(f, _)| *f == flag) else {
            return Err(format!("`{name}` has no flag `{flag}`"));
        };
        if let Some(allowed) = takes {
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    rest.get(i - 1)
                        .cloned()
                        .ok_or_else(|| format!("`{name} {flag}` needs a value"))?
                }
            };
            if !allowed.is_empty() && !allowed.contains(&value.as_str()) {
                return Err(format!("`{name} {flag}` does not accept `{value}`"));
            }
        }
    }
    Ok(())
}

fn check_against_clap(cmd: &clap::Command, words: &[String]) -> Result<(), String> {
    let name = cmd.get_name();
    let has_positionals = cmd.get_positionals().next().is_some();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if !word.starts_with('-') {
            if !has_positionals {
                return Err(format!("`{name}` takes no argument `{word}`"));
            }
            continue;
        }
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (word.as_str(), None),
        };
        let arg = if let Some(long) = flag.strip_prefix("--") {
            cmd.get_arguments().find(|a| a.get_long() == Some(long))
        } else {
            let short = flag.chars().nth(1);
            cmd.get_arguments()
                .find(|a| a.get_short().is_some() && a.get_short() == short)
        };
        let arg = arg.ok_or_else(|| format!("`{name}` has no flag `{flag}`"))?;
        if arg.get_action().takes_values() {
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    words
                        .get(i - 1)
                        .cloned()
                        .ok_or_else(|| format!("`{name} {flag}` needs a value"))?
                }
            };
            let possible = arg.get_possible_values();
            if !possible.is_empty() && !possible.iter().any(|p| p.matches(&value, false)) {
                return Err(format!("`{name} {flag}` does not accept `{value}`"));
            }
        }
    }
    Ok(())
}

/// Every `loginflow ...` invocation in a shell script: the words after `loginflow` up to a
/// redirection or the end of the command.
fn invocations(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut found = Vec::new();
    for line in joined.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let command_position = i == 0
                || matches!(
                    words[i - 1],
                    "&&" | "||" | ";" | "|" | "then" | "do" | "else" | "!" | "run:"
                );
            if *w != "loginflow" || !command_position {
                continue;
            }
            let args: Vec<String> = words[i + 1..]
                .iter()
                .take_while(|a| {
                    !matches!(**a, "&&" | "||" | ";" | "|")
                        && !a.starts_with('>')
                        && !a.starts_with("2>")
                })
                .map(|a| a.trim_matches(['"', '\'']).to_string())
                .collect();
            found.push(args);
        }
    }
    found
}

fn load_yaml(rel: &str) -> (String, Value) {
    let path = root().join(rel);
    let text = std::fs::read_to_string(&path).expect("read example");
    let value: Value =
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"));
    (text, value)
}

fn as_scripts(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(as_scripts).collect(),
        _ => Vec::new(),
    }
}

/// The shell scripts of a GitHub workflow, by job: every step's `run`.
fn github_scripts(doc: &Value) -> BTreeMap<String, Vec<String>> {
    let jobs = doc["jobs"].as_object().expect("jobs");
    jobs.iter()
        .map(|(name, job)| {
            let runs = job["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .filter_map(|s| s.get("run"))
                .flat_map(as_scripts)
                .collect();
            (name.clone(), runs)
        })
        .collect()
}

/// The shell scripts of a GitLab pipeline, by job (hidden `.templates` included).
fn gitlab_scripts(doc: &Value) -> BTreeMap<String, Vec<String>> {
    let reserved = [
        "workflow",
        "stages",
        "variables",
        "default",
        "include",
        "image",
    ];
    doc.as_object()
        .expect("mapping")
        .iter()
        .filter(|(name, v)| !reserved.contains(&name.as_str()) && v.is_object())
        .map(|(name, job)| {
            let scripts = ["before_script", "script", "after_script"]
                .iter()
                .filter_map(|k| job.get(*k))
                .flat_map(as_scripts)
                .collect();
            (name.clone(), scripts)
        })
        .collect()
}

/// Checks every invocation of every job; returns them by job for further assertions.
fn check_all(file: &str, scripts: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    let mut by_job = BTreeMap::new();
    let mut problems = Vec::new();
    for (job, scripts) in scripts {
        for script in scripts {
            for inv in invocations(script) {
                if let Err(e) = check_invocation(&inv) {
                    problems.push(format!(
                        "{file} job `{job}`: `loginflow {}`: {e}",
                        inv.join(" ")
                    ));
                }
                by_job
                    .entry(job.clone())
                    .or_insert_with(Vec::new)
                    .push(inv.join(" "));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    by_job
}

const PLAN_PR: &str = "plan --all --format markdown --detailed-exitcode --out plan.json";

#[test]
fn github_example_is_valid_and_uses_only_real_commands() {
    let (text, doc) = load_yaml("examples/ci/github-actions.yml");
    let on = doc["on"].as_object().expect("`on` is a mapping");
    assert!(on.contains_key("pull_request") && on.contains_key("push"));
    let by_job = check_all("github-actions.yml", &github_scripts(&doc));
    assert!(by_job["plan"].iter().any(|i| i == PLAN_PR), "{by_job:?}");
    assert!(by_job["apply"].iter().any(|i| i == "apply plan.json --yes"));
    assert!(by_job["apply"].iter().any(|i| i == "apply --all --yes"));
    let apply = &doc["jobs"]["apply"];
    assert_eq!(
        apply["concurrency"]["cancel-in-progress"],
        Value::Bool(false)
    );
    assert!(apply["concurrency"]["group"].is_string());
    assert!(text.contains("<!-- loginflow-plan -->"));
    assert!(text.contains("actions/upload-artifact") && text.contains("secrets.AUTH0_CLIENT_ID"));
}

#[test]
fn gitlab_example_is_valid_and_uses_only_real_commands() {
    let (text, doc) = load_yaml("examples/ci/gitlab-ci.yml");
    let by_job = check_all("gitlab-ci.yml", &gitlab_scripts(&doc));
    assert!(by_job["plan"].iter().any(|i| i == PLAN_PR), "{by_job:?}");
    assert!(by_job["apply"].iter().any(|i| i == "apply plan.json --yes"));
    assert!(doc["apply"]["resource_group"].is_string());
    assert!(
        doc["plan"]["artifacts"]["paths"]
            .as_array()
            .is_some_and(|p| p.contains(&Value::from("plan.json")))
    );
    assert!(text.contains("<!-- loginflow-plan -->"));
}

#[test]
fn the_invocation_checker_catches_mistakes() {
    let check = |s: &str| {
        let inv = invocations(s);
        assert_eq!(inv.len(), 1, "{s}");
        check_invocation(&inv[0])
    };
    assert!(check("loginflow validate tenants/prod.yaml --format json").is_ok());
    assert!(check("loginflow hasura jwt-config --tenant t.yaml --audience a").is_ok());
    assert!(check("loginflow -v plan --all --format=json > x").is_ok());
    assert!(check("loginflow validate --formt json").is_err());
    assert!(check("loginflow validate --format yaml").is_err());
    assert!(check("loginflow hasura jwt --tenant t.yaml").is_err());
    assert!(check("loginflow plan --format html").is_err());
    assert!(check("loginflow apply --force").is_err());
    assert!(check("loginflow deploy").is_err());
    assert!(check("loginflow schema extra").is_err());
    assert!(invocations("echo loginflow plan; # loginflow nope").is_empty());
}
