//! Adoption helpers: `completions`, `hasura jwt-config`, and the CI examples in `examples/ci/`.
//!
//! The CI examples, the project's own workflows and the GitHub Action (`action.yml`) are checked
//! as YAML; every `loginflow ...` invocation in their shell scripts must name a subcommand and flags
//! the clap model has; every action and image they use must be pinned. The Action's install script
//! (`ci/install.sh`) is run against a local HTTP server.

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
// list

/// `list` finds every `tenants/*.yaml` with its domain, in both formats, without a secret.
#[test]
fn list_names_every_tenant_file_and_its_domain() {
    let out = loginflow()
        .current_dir(root())
        .args(["list", "--format", "json"])
        .output()
        .expect("run");
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(doc["format_version"], 1);
    let pairs: Vec<(String, String)> = doc["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| {
            (
                t["file"].as_str().unwrap().into(),
                t["domain"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(root().join("tenants"))
        .expect("tenants/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .map(|n| format!("tenants/{n}"))
        .collect();
    files.sort();
    let listed: Vec<&str> = pairs.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(listed, files);
    assert!(pairs.contains(&("tenants/hasura.yaml".into(), "acme.eu.auth0.com".into())));
    assert!(pairs.contains(&("tenants/local.yaml".into(), "local".into())));
    let out = loginflow()
        .current_dir(root())
        .args(["list", "tenants/hasura.yaml", "tenants/local.yaml"])
        .output()
        .expect("run");
    assert_eq!(
        texts(&out).0,
        "tenants/hasura.yaml  acme.eu.auth0.com\ntenants/local.yaml   local\n"
    );
}

#[test]
fn list_leaves_out_an_invalid_file_with_its_diagnostics() {
    let bad = fixture("invalid/hasura_default_role.yaml");
    let out = loginflow()
        .current_dir(root())
        .args(["list", "tenants/local.yaml"])
        .arg(&bad)
        .output()
        .expect("run");
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout, "tenants/local.yaml  local\n");
    assert!(stderr.contains("error[hasura-role]"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// CI examples

/// Checks one invocation (the words after `loginflow`) against the clap model.
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
    let mut cmd = root_cmd
        .find_subcommand(name)
        .cloned()
        .ok_or_else(|| format!("unknown subcommand `{name}`"))?;
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
    check_against_clap(&cmd, rest)
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

/// The pull-request plan: read-only credentials, no secret value.
const PLAN_PR: &str =
    "plan --all --no-secret-values --format markdown --detailed-exitcode --out plan.json";

/// The `secrets.NAME` a GitHub job's steps are given.
fn github_job_secrets(doc: &Value, job: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (_, step) in github_steps(doc).into_iter().filter(|(j, _)| j == job) {
        for value in step
            .get("env")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let text = value.1.as_str().unwrap_or("");
            if let Some(rest) = text.split("secrets.").nth(1) {
                names.push(rest.trim_end_matches(" }}").to_string());
            }
        }
    }
    names
}

#[test]
fn github_example_is_valid_and_uses_only_real_commands() {
    let (text, doc) = load_yaml("examples/ci/github-actions.yml");
    let on = doc["on"].as_object().expect("`on` is a mapping");
    assert!(on.contains_key("pull_request") && on.contains_key("push"));
    let by_job = check_all("github-actions.yml", &github_scripts(&doc));
    assert!(by_job["plan"].iter().any(|i| i == PLAN_PR), "{by_job:?}");
    assert!(
        by_job["apply"]
            .iter()
            .any(|i| i == "apply plan.json --yes --rollback-on-failure")
    );
    assert!(
        by_job["apply"]
            .iter()
            .any(|i| i == "apply --all --yes --rollback-on-failure")
    );
    let apply = &doc["jobs"]["apply"];
    assert_eq!(
        apply["concurrency"]["cancel-in-progress"],
        Value::Bool(false)
    );
    assert!(apply["concurrency"]["group"].is_string());
    assert!(text.contains("<!-- loginflow-plan -->"));
    assert!(text.contains("actions/upload-artifact") && text.contains("secrets.AUTH0_CLIENT_ID"));
    // Pull requests: the read-only client only; apply: the write client and the values.
    assert_eq!(
        github_job_secrets(&doc, "plan"),
        ["AUTH0_PLAN_CLIENT_ID", "AUTH0_PLAN_CLIENT_SECRET"]
    );
    let apply_secrets = github_job_secrets(&doc, "apply");
    assert!(apply_secrets.iter().any(|s| s == "AUTH0_CLIENT_SECRET"));
    assert!(apply_secrets.iter().any(|s| s == "HASURA_ADMIN_SECRET"));
    assert!(
        !by_job["apply"]
            .iter()
            .any(|i| i.contains("--no-secret-values"))
    );
}

#[test]
fn gitlab_example_is_valid_and_uses_only_real_commands() {
    let (text, doc) = load_yaml("examples/ci/gitlab-ci.yml");
    let by_job = check_all("gitlab-ci.yml", &gitlab_scripts(&doc));
    assert!(by_job["plan"].iter().any(|i| i == PLAN_PR), "{by_job:?}");
    assert!(
        by_job["apply"]
            .iter()
            .any(|i| i == "apply plan.json --yes --rollback-on-failure")
    );
    assert!(doc["apply"]["resource_group"].is_string());
    let plan_script = as_scripts(&doc["plan"]["script"]).join("\n");
    assert!(
        plan_script.contains("export AUTH0_CLIENT_ID=\"$AUTH0_PLAN_CLIENT_ID\""),
        "{plan_script}"
    );
    // The jobs that run `loginflow test` run in the image that has Node.
    for (job, invs) in &by_job {
        if invs.iter().any(|i| i.starts_with("test")) {
            let own = &doc[job.as_str()];
            let image = own["image"]["name"].as_str().or_else(|| {
                let base = own["extends"].as_str()?;
                doc[base]["image"]["name"].as_str()
            });
            assert!(
                image.is_some_and(|i| i.contains("/loginflow:")),
                "`{job}` runs `loginflow test` without the image that has Node"
            );
        }
    }
    assert!(
        doc["plan"]["artifacts"]["paths"]
            .as_array()
            .is_some_and(|p| p.contains(&Value::from("plan.json")))
    );
    assert!(text.contains("<!-- loginflow-plan -->"));
}

/// The fleet examples: a matrix job per tenant fed by `list --format json`, read-only plans and
/// one combined comment.
#[test]
fn fleet_examples_plan_each_tenant_in_a_matrix_fed_by_list() {
    let (_, doc) = load_yaml("examples/ci/github-actions-fleet.yml");
    let by_job = check_all("github-actions-fleet.yml", &github_scripts(&doc));
    assert!(by_job["tenants"].iter().any(|i| i == "list --format json"));
    let plan = "plan $TENANT --no-secret-values --format markdown --detailed-exitcode --out plan/plan.json";
    assert!(by_job["plan"].iter().any(|i| i == plan), "{by_job:?}");
    assert_eq!(
        doc["jobs"]["plan"]["strategy"]["matrix"]["tenant"],
        "${{ fromJSON(needs.tenants.outputs.files) }}"
    );
    assert_eq!(
        github_job_secrets(&doc, "plan"),
        ["AUTH0_PLAN_CLIENT_ID", "AUTH0_PLAN_CLIENT_SECRET"]
    );
    assert!(
        doc["jobs"]["comment"]["needs"]
            .as_array()
            .unwrap()
            .contains(&Value::from("plan"))
    );

    let (_, parent) = load_yaml("examples/ci/gitlab-ci-fleet.yml");
    let (_, jobs) = load_yaml("examples/ci/gitlab-ci-fleet-jobs.yml");
    let by_job = check_all("gitlab-ci-fleet-jobs.yml", &gitlab_scripts(&jobs));
    let plan =
        "plan $TENANT --no-secret-values --format markdown --detailed-exitcode --out $out.json";
    assert!(by_job[".plan"].iter().any(|i| i == plan), "{by_job:?}");
    // The generator of the child pipeline, run on `list --format json` of this repository.
    let dir = tempfile::tempdir().unwrap();
    let listed = loginflow()
        .current_dir(root())
        .args(["list", "--format", "json"])
        .output()
        .expect("run");
    std::fs::write(dir.path().join("tenants.json"), &listed.stdout).unwrap();
    let generator = as_scripts(&parent["tenants"]["script"])
        .into_iter()
        .find(|s| s.contains("node -e"))
        .expect("the generator");
    let out = std::process::Command::new("sh")
        .current_dir(dir.path())
        .args(["-c", &generator])
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let child: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.path().join("fleet.yml")).unwrap())
            .expect("the child pipeline is YAML");
    let files: Value = serde_json::from_slice::<Value>(&listed.stdout).unwrap()["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["file"].clone())
        .collect();
    assert_eq!(child["plan"]["parallel"]["matrix"][0]["TENANT"], files);
    assert_eq!(child["plan"]["extends"], ".plan");
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

// ---------------------------------------------------------------------------------------------
// Every workflow file: YAML, real commands, pinned actions and images

/// The workflow-like files of the project: its own workflows, the CI examples and the Action.
fn workflow_files() -> Vec<String> {
    let mut files = Vec::new();
    for dir in [".github/workflows", "examples/ci"] {
        let mut found: Vec<String> = std::fs::read_dir(root().join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
            .map(|n| format!("{dir}/{n}"))
            .collect();
        assert!(!found.is_empty(), "no workflow files in {dir}");
        found.sort();
        files.extend(found);
    }
    files.push("action.yml".into());
    files
}

fn is_gitlab(rel: &str) -> bool {
    rel.contains("gitlab")
}

/// The steps of a GitHub workflow (by job) or of a composite action (job `runs`).
fn github_steps(doc: &Value) -> Vec<(String, &Value)> {
    let mut steps = Vec::new();
    if let Some(jobs) = doc.get("jobs").and_then(Value::as_object) {
        for (name, job) in jobs {
            for step in job
                .get("steps")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                steps.push((name.clone(), step));
            }
        }
    }
    if let Some(list) = doc.pointer("/runs/steps").and_then(Value::as_array) {
        steps.extend(list.iter().map(|s| ("runs".to_string(), s)));
    }
    steps
}

/// Whether a `uses:` reference is pinned: a local action, a full commit SHA, or a pinned image.
fn uses_is_pinned(uses: &str) -> Result<(), String> {
    if uses.starts_with("./") || uses == "." {
        return Ok(());
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return image_is_pinned(image);
    }
    let (_, git_ref) = uses
        .split_once('@')
        .ok_or_else(|| format!("`{uses}` names no version"))?;
    if git_ref.len() == 40 && git_ref.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!(
            "`{uses}` is not pinned to a full commit SHA (a tag or branch can be moved)"
        ))
    }
}

/// Whether a container image is pinned: a digest, or a tag that starts with a version number
/// (`3.20`, `v1.2`, `22-alpine3.22`), not `latest` or a bare name.
fn image_is_pinned(image: &str) -> Result<(), String> {
    if let Some((_, digest)) = image.split_once("@sha256:") {
        if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(());
        }
        return Err(format!("`{image}` has a malformed digest"));
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let tag = last.split_once(':').map(|(_, t)| t).unwrap_or("");
    let version = tag.strip_prefix('v').unwrap_or(tag);
    if version.starts_with(|c: char| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "image `{image}` is not pinned to a version tag or digest"
        ))
    }
}

/// The images a GitLab pipeline names: `image:` (a string or `name:`) and `services:`, at the top,
/// under `default:` and in every job.
fn gitlab_images(doc: &Value) -> Vec<(String, String)> {
    fn name_of(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(m) => m.get("name").and_then(Value::as_str).map(String::from),
            _ => None,
        }
    }
    let mut images = Vec::new();
    let Some(top) = doc.as_object() else {
        return images;
    };
    let mut scopes: Vec<(String, &Value)> = vec![("(top)".into(), doc)];
    scopes.extend(
        top.iter()
            .filter(|(_, v)| v.is_object())
            .map(|(k, v)| (k.clone(), v)),
    );
    for (scope, v) in scopes {
        if let Some(image) = v.get("image").and_then(name_of) {
            images.push((scope.clone(), image));
        }
        for service in v
            .get("services")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(image) = name_of(service) {
                images.push((scope.clone(), image));
            }
        }
    }
    images
}

#[test]
fn every_workflow_file_is_valid_uses_real_commands_and_pins_what_it_runs() {
    let mut problems = Vec::new();
    let mut pinned_actions = 0;
    for rel in workflow_files() {
        let (text, doc) = load_yaml(&rel);
        assert!(doc.is_object(), "{rel}: not a mapping");
        if is_gitlab(&rel) {
            check_all(&rel, &gitlab_scripts(&doc));
            for (job, image) in gitlab_images(&doc) {
                if let Err(e) = image_is_pinned(&image) {
                    problems.push(format!("{rel} `{job}`: {e}"));
                }
            }
            continue;
        }
        let mut scripts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (job, step) in github_steps(&doc) {
            if let Some(run) = step.get("run") {
                scripts
                    .entry(job.clone())
                    .or_default()
                    .extend(as_scripts(run));
            }
            if let Some(uses) = step.get("uses").and_then(Value::as_str) {
                match uses_is_pinned(uses) {
                    Ok(()) => pinned_actions += 1,
                    Err(e) => problems.push(format!("{rel} job `{job}`: {e}")),
                }
            }
        }
        check_all(&rel, &scripts);
        for (name, job) in doc
            .get("jobs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            // A reusable workflow, a job container and service containers.
            if let Some(uses) = job.get("uses").and_then(Value::as_str)
                && let Err(e) = uses_is_pinned(uses)
            {
                problems.push(format!("{rel} job `{name}`: {e}"));
            }
            let container = job.get("container").and_then(|c| match c {
                Value::String(s) => Some(s.as_str()),
                _ => c.get("image").and_then(Value::as_str),
            });
            let services = job.get("services").and_then(Value::as_object);
            let service_images = services
                .into_iter()
                .flatten()
                .filter_map(|(_, s)| s.get("image").and_then(Value::as_str));
            for image in container.into_iter().chain(service_images) {
                if let Err(e) = image_is_pinned(image) {
                    problems.push(format!("{rel} job `{name}`: {e}"));
                }
            }
        }
        // A SHA says nothing to a reader: each pinned `uses:` line names its release.
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start().trim_start_matches("- ");
            let Some(uses) = line.strip_prefix("uses:") else {
                continue;
            };
            let (reference, comment) = uses.split_once('#').unwrap_or((uses, ""));
            if reference.trim().contains('@') && !comment.trim().starts_with('v') {
                problems.push(format!(
                    "{rel}:{}: a pinned `uses:` needs a `# vX.Y.Z` comment",
                    n + 1
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(pinned_actions > 10, "only {pinned_actions} actions found");
}

#[test]
fn the_pin_checker_catches_mistakes() {
    assert!(uses_is_pinned("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1").is_ok());
    assert!(uses_is_pinned("./").is_ok());
    assert!(uses_is_pinned("./.github/actions/x").is_ok());
    assert!(uses_is_pinned("actions/checkout@v4").is_err());
    assert!(uses_is_pinned("actions/checkout@main").is_err());
    assert!(uses_is_pinned("actions/checkout@3d3c42e").is_err());
    assert!(uses_is_pinned("actions/checkout").is_err());
    assert!(uses_is_pinned("docker://alpine:3.20").is_ok());
    assert!(uses_is_pinned("docker://alpine").is_err());
    assert!(image_is_pinned("ghcr.io/org/loginflow:0.1.0").is_ok());
    assert!(image_is_pinned("node:22-alpine3.22").is_ok());
    assert!(image_is_pinned("registry:5000/team/tool:v1.2").is_ok());
    let digest = format!("alpine@sha256:{}", "a".repeat(64));
    assert!(image_is_pinned(&digest).is_ok());
    assert!(image_is_pinned("alpine:latest").is_err());
    assert!(image_is_pinned("registry:5000/team/tool").is_err());
    assert!(image_is_pinned("node:lts-alpine").is_err());
}

/// The Dockerfile's base images are pinned like the workflows' (stages and `scratch` aside).
#[test]
fn dockerfile_base_images_are_pinned() {
    let text = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    let mut stages = vec!["scratch".to_string()];
    let mut bases = 0;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
        {
            continue;
        }
        let image = words
            .iter()
            .skip(1)
            .find(|w| !w.starts_with("--"))
            .expect("FROM names an image");
        if !(image.starts_with('$') || stages.iter().any(|s| s == image)) {
            image_is_pinned(image).unwrap_or_else(|e| panic!("Dockerfile: {e}"));
            bases += 1;
        }
        if let Some(i) = words.iter().position(|w| w.eq_ignore_ascii_case("AS")) {
            stages.push(words[i + 1].to_string());
        }
    }
    assert!(bases >= 2, "a build image and a runtime image");
    assert!(
        text.contains("USER node"),
        "the image runs as a non-root user"
    );
    assert!(text.contains(r#"ENTRYPOINT ["loginflow"]"#));
}

#[test]
fn the_action_installs_a_pinned_release_with_a_verified_checksum() {
    let (_, doc) = load_yaml("action.yml");
    assert_eq!(doc["runs"]["using"], "composite");
    assert_eq!(doc["inputs"]["version"]["required"], Value::Bool(true));
    assert!(doc["inputs"]["sha256"].is_object());
    let uses: Vec<&str> = github_steps(&doc)
        .iter()
        .filter_map(|(_, s)| s.get("uses").and_then(Value::as_str))
        .collect();
    assert!(
        uses.iter().any(|u| u.starts_with("actions/cache@")),
        "{uses:?}"
    );
    let (text, _) = load_yaml("examples/ci/github-actions.yml");
    assert!(
        !text.contains("cargo build"),
        "the example installs, it does not compile"
    );
    let (text, doc) = load_yaml("examples/ci/gitlab-ci.yml");
    assert!(!text.contains("cargo build"), "the example uses the image");
    assert!(doc[".loginflow"]["image"]["name"].is_string());
}

#[test]
fn the_github_example_plans_every_change_and_applies_manually_only_from_the_default_branch() {
    let (_, doc) = load_yaml("examples/ci/github-actions.yml");
    for event in ["pull_request", "push"] {
        let filter = &doc["on"][event];
        assert!(
            filter.get("paths").is_none() && filter.get("paths-ignore").is_none(),
            "a path filter can miss a file a tenant includes"
        );
    }
    let condition = doc["jobs"]["apply"]["if"].as_str().expect("apply if");
    assert!(condition.contains("workflow_dispatch"));
    assert!(
        condition.contains(
            "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
        ),
        "{condition}"
    );
}

// ---------------------------------------------------------------------------------------------
// ci/install.sh, the Action's install script, against a local HTTP server

/// Serves the files of `dir` over HTTP/1.0 on loopback (GET only) and counts the requests.
fn serve(dir: std::path::PathBuf) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // The rest of the header, up to the empty line.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let name = path.trim_start_matches('/');
            let body = (!name.contains('/') && !name.contains(".."))
                .then(|| std::fs::read(dir.join(name)).ok())
                .flatten();
            let _ = match body {
                Some(body) => stream
                    .write_all(
                        format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                            .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(&body)),
                None => stream.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
            };
        }
    });
    (base, count)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
#[cfg(unix)]
fn the_install_script_verifies_the_checksum_and_reuses_a_verified_copy() {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::Ordering;

    let target = "x86_64-unknown-linux-musl";
    let stem = format!("loginflow-v9.8.7-{target}");
    let archive = format!("{stem}.tar.gz");
    let tmp = tempfile::tempdir().expect("tempdir");
    let release = tmp.path().join("release");
    let pack = tmp.path().join("pack").join(&stem);
    std::fs::create_dir_all(&release).expect("mkdir");
    std::fs::create_dir_all(&pack).expect("mkdir");
    // A stand-in binary: the script runs `loginflow --version` once installed.
    let fake = pack.join("loginflow");
    std::fs::write(&fake, "#!/bin/sh\necho \"loginflow 9.8.7 $1\"\n").expect("write");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let tar = std::process::Command::new("tar")
        .arg("-czf")
        .arg(release.join(&archive))
        .arg("-C")
        .arg(tmp.path().join("pack"))
        .arg(&stem)
        .status()
        .expect("tar");
    assert!(tar.success());
    let good = sha256_hex(&std::fs::read(release.join(&archive)).expect("read"));
    std::fs::write(
        release.join("SHA256SUMS"),
        format!("{}  other.tar.gz\n{good}  {archive}\n", "0".repeat(64)),
    )
    .expect("write");
    let (base, requests) = serve(release.clone());

    let install = |dir: &str, sha256: &str, version: &str| {
        let out = std::process::Command::new("bash")
            .arg(root().join("ci/install.sh"))
            .env("LOGINFLOW_VERSION", version)
            .env("LOGINFLOW_DIR", tmp.path().join(dir))
            .env("LOGINFLOW_SHA256", sha256)
            .env("LOGINFLOW_TARGET", target)
            .env("LOGINFLOW_BASE_URL", &base)
            .env_remove("GITHUB_OUTPUT")
            .output()
            .expect("bash");
        let (stdout, stderr) = texts(&out);
        (out.status.success(), format!("{stdout}{stderr}"))
    };

    // Against the release's SHA256SUMS: the archive and the checksum file are downloaded.
    let (ok, log) = install("a", "", "v9.8.7");
    assert!(ok, "{log}");
    assert!(log.contains("matches the release's SHA256SUMS"), "{log}");
    assert!(log.contains("loginflow 9.8.7 --version"), "{log}");
    assert!(tmp.path().join("a/loginflow").is_file());
    assert_eq!(requests.load(Ordering::SeqCst), 2);

    // Again (a cache hit): the verified copy is used, nothing is downloaded.
    let (ok, log) = install("a", "", "v9.8.7");
    assert!(ok, "{log}");
    assert!(log.contains("using the verified copy"), "{log}");
    assert_eq!(requests.load(Ordering::SeqCst), 2);

    // A pinned checksum by target: SHA256SUMS is not needed.
    let (ok, log) = install("b", &format!("{target}: {}", good.to_uppercase()), "v9.8.7");
    assert!(ok, "{log}");
    assert!(log.contains("matches the sha256 input"), "{log}");
    assert_eq!(requests.load(Ordering::SeqCst), 3);

    // A pinned checksum (SHA256SUMS format) that does not match: refused, nothing installed; and
    // the verified copy of `a` is not reused against a different pin either.
    let wrong = format!("{}  {archive}", "1".repeat(64));
    for dir in ["c", "a"] {
        let (ok, log) = install(dir, &wrong, "v9.8.7");
        assert!(!ok, "{log}");
        assert!(log.contains("checksum mismatch"), "{log}");
    }
    assert!(!tmp.path().join("c/loginflow").exists());

    // A release without this archive, and a version that is not a tag.
    let (ok, log) = install("d", "", "v1.0.0");
    assert!(!ok && log.contains("could not download"), "{log}");
    let (ok, log) = install("e", "", "latest");
    assert!(!ok && log.contains("not a release tag"), "{log}");

    // An archive replaced after SHA256SUMS was written: refused.
    std::fs::write(release.join(&archive), b"tampered").expect("write");
    let (ok, log) = install("f", "", "v9.8.7");
    assert!(!ok && log.contains("checksum mismatch"), "{log}");
}

/// Whether a variable name looks like it holds a secret.
fn secret_like(name: &str) -> bool {
    ["SECRET", "TOKEN", "PASSWORD", "KEY"]
        .iter()
        .any(|w| name.to_ascii_uppercase().contains(w))
}

/// The variables a shell line prints with `echo` or `printf`: `$NAME` and `${NAME}`.
fn printed_variables(line: &str) -> Vec<String> {
    let line = line.trim();
    if !(line.starts_with("echo") || line.starts_with("printf") || line.contains("| echo")) {
        return Vec::new();
    }
    let mut names = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        let name: String = rest
            .trim_start_matches('{')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

#[test]
fn no_workflow_prints_a_secret_or_hands_it_to_a_whole_job() {
    let mut problems = Vec::new();
    for rel in workflow_files() {
        let (_, doc) = load_yaml(&rel);
        let scripts = if is_gitlab(&rel) {
            gitlab_scripts(&doc)
        } else {
            // Secrets go to the steps that need them, not to every step of a job.
            for (name, job) in doc
                .get("jobs")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let env = job
                    .get("env")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten();
                for (var, value) in env {
                    if value.as_str().is_some_and(|v| v.contains("secrets.")) {
                        problems.push(format!("{rel} job `{name}`: job-wide secret `{var}`"));
                    }
                }
            }
            let mut by_job: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (job, step) in github_steps(&doc) {
                if let Some(run) = step.get("run") {
                    by_job.entry(job).or_default().extend(as_scripts(run));
                }
            }
            by_job
        };
        for (job, scripts) in scripts {
            for script in scripts {
                // An expression is pasted into the script before it runs, and into the log with it.
                if script.contains("secrets.") {
                    problems.push(format!("{rel} job `{job}`: a script expands a secret"));
                }
                for line in script.lines() {
                    if line.trim() == "set -x" || line.contains("set -o xtrace") {
                        problems.push(format!("{rel} job `{job}`: `set -x` traces values"));
                    }
                    for var in printed_variables(line)
                        .into_iter()
                        .filter(|v| secret_like(v))
                    {
                        problems.push(format!("{rel} job `{job}`: prints `${var}`: {line}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        printed_variables(r#"echo "token=${LOGINFLOW_NOTE_TOKEN}" $X"#),
        ["LOGINFLOW_NOTE_TOKEN", "X"]
    );
    assert!(secret_like("AUTH0_CLIENT_SECRET") && !secret_like("CI_JOB_URL"));
}
