//! Cross-system checks: `hasura` actions against a Hasura metadata export and `tinybird` actions
//! against a Tinybird project. Each finding has an invalid fixture (`tests/fixtures/invalid/`,
//! checked at its exact position by `validate`); here: the realistic projects parse as expected,
//! the clean tenants are clean, and `hasura check` prints its table.

use std::collections::BTreeSet;

use loginflow::crosscheck::hasura::metadata::{Op, Target};
use loginflow::fsread::Root;

use crate::common::{fixture, root, run_in, texts};

#[test]
fn hasura_metadata_export_is_read_through_its_includes() {
    let dir = fixture("crosscheck/hasura/metadata");
    let (md, problems) = loginflow::crosscheck::hasura::read::read(&Root::at(&root()), &dir, "m");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        md.tables,
        [
            "public.invoices",
            "public.organizations",
            "public.projects",
            "public.users"
        ]
    );
    let roles: BTreeSet<&str> = md.permissions.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(
        roles,
        BTreeSet::from(["anonymous", "auditor", "billing", "org_admin", "user"])
    );
    // The org admin's insert reads the variable in its check and both presets of `set`.
    let insert = md
        .permissions
        .iter()
        .find(|p| {
            p.role == "org_admin"
                && p.target
                    == Target::Table {
                        table: "public.projects".into(),
                        op: Op::Insert,
                    }
        })
        .expect("org_admin insert on projects");
    let vars: Vec<&str> = insert.vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        vars,
        ["X-Hasura-Org-Id", "x-hasura-org-id", "x-hasura-user-id"]
    );
    assert_eq!(
        insert.at.to_string(),
        "m/databases/default/tables/public_projects.yaml:33:11"
    );
    // `_exists` and `_and` nest; the variable inside is found at its line.
    let users = md
        .permissions
        .iter()
        .find(|p| p.role == "org_admin" && p.target.to_string() == "`select` on `public.users`")
        .expect("org_admin select on users");
    assert_eq!(
        users.vars[0].at.to_string(),
        "m/databases/default/tables/public_users.yaml:30:24"
    );
    // The remote schema's `@preset` and the action's role are permissions too.
    let others: Vec<String> = md
        .permissions
        .iter()
        .filter(|p| matches!(p.target, Target::Other(_)))
        .map(|p| {
            format!(
                "{} {} {:?}",
                p.role,
                p.target,
                p.vars.first().map(|v| &v.name)
            )
        })
        .collect();
    assert_eq!(
        others,
        [
            "org_admin action `inviteMember` None",
            "billing remote schema `payments` Some(\"x-hasura-billing-account-id\")"
        ]
    );
    assert_eq!(md.inherited[0].name, "support");
    assert_eq!(md.inherited[0].members, ["user", "auditor"]);
}

#[test]
fn clean_tenants_against_their_projects_are_clean() {
    for path in [
        fixture("crosscheck/hasura/clean.yaml"),
        fixture("crosscheck/tinybird/clean.yaml"),
        root().join("tenants/hasura.yaml"),
        root().join("tenants/tinybird.yaml"),
    ] {
        let (tenant, diags, _) = loginflow::validate::validate_file(&path);
        assert!(tenant.is_some());
        assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
    }
}

#[test]
fn hasura_check_prints_roles_tables_and_operations() {
    let out = run_in(
        &root(),
        &[
            "hasura",
            "check",
            "--tenant",
            "tests/fixtures/crosscheck/hasura/clean.yaml",
        ],
    );
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    insta::assert_snapshot!("hasura_check_table", stdout);

    // `--metadata` replaces the action's folder (here a missing one), relative to the cwd.
    let out = run_in(
        &root(),
        &[
            "hasura",
            "check",
            "--tenant",
            "tests/fixtures/invalid/hasura_metadata_missing.yaml",
            "--metadata",
            "tests/fixtures/crosscheck/hasura/metadata",
        ],
    );
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.starts_with("hasura-claims (tests/fixtures/crosscheck/hasura/metadata):\nROLE ")
    );

    let out = run_in(
        &root(),
        &[
            "hasura",
            "check",
            "--tenant",
            "tests/fixtures/invalid/hasura_role_case.yaml",
        ],
    );
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("hasura_role_case.yaml:15:25: error[hasura-role]: role `Org_Admin` matches no role of the metadata"),
        "{stderr}"
    );
    assert!(stdout.contains("org_admin  no "), "{stdout}");
}

#[test]
fn hasura_check_without_metadata_says_what_to_do() {
    let out = run_in(
        &root(),
        &[
            "hasura",
            "check",
            "--tenant",
            "tests/fixtures/valid/all_kinds.yaml",
        ],
    );
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert!(stderr.contains("--metadata DIR"), "{stderr}");
}

#[test]
fn a_metadata_folder_outside_the_repository_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).expect("repo");
    std::fs::create_dir_all(dir.path().join("outside/databases")).expect("outside");
    let tenant = repo.join("tenant.yaml");
    std::fs::write(
        &tenant,
        "version: 1\ntenant: { domain: acme.eu.auth0.com }\nactions:\n  h:\n    kind: hasura\n    metadata: ../outside\n    default_role: user\n    allowed_roles: [user]\nflow:\n  post-login: [h]\n",
    )
    .expect("write");
    let (_, diags, _) = loginflow::validate::validate_file(&tenant);
    let codes: Vec<(&str, Option<(usize, usize)>)> = diags
        .iter()
        .map(|d| (d.code.as_str(), d.pos.map(|p| (p.line, p.column))))
        .collect();
    assert_eq!(codes, [("path-outside-root", Some((6, 15)))]);
}

#[test]
fn tinybird_project_pipes_read_their_template_parameters() {
    use loginflow::crosscheck::tinybird::read;
    let dir = fixture("crosscheck/tinybird/project");
    let (project, problems) = read::read(&Root::at(&root()), &dir, "p");
    assert!(problems.is_empty(), "{problems:?}");
    let pipes: Vec<&str> = project.pipes.keys().map(String::as_str).collect();
    assert_eq!(
        pipes,
        [
            "daily_pages_mv",
            "kpis",
            "top_browsers",
            "top_pages",
            "usage_by_account"
        ]
    );
    let sources: Vec<&str> = project.datasources.keys().map(String::as_str).collect();
    assert_eq!(sources, ["analytics_events", "billing_usage"]);
    let params =
        |pipe: &str| -> Vec<String> { project.pipes[pipe].params.keys().cloned().collect() };
    // The included node's parameters belong to the pipe, located in the `.incl` file.
    assert_eq!(params("kpis"), ["days", "descending", "org_id"]);
    assert_eq!(
        project.pipes["kpis"].params["org_id"].first.to_string(),
        "p/includes/org_window.incl:6:30"
    );
    // `{% set %}` names are not parameters; `columns(group_by, …)` reads `group_by`.
    assert_eq!(
        params("usage_by_account"),
        ["account_id", "customer_id", "group_by", "since"]
    );
    assert!(
        params("daily_pages_mv").is_empty(),
        "plain SQL has no parameters"
    );
    let top = &project.pipes["top_pages"].params["org_id"];
    assert!(top.required && !top.guarded);
    assert_eq!(top.first.to_string(), "p/endpoints/top_pages.pipe:14:30");
    assert!(project.pipes["top_browsers"].params["org_id"].guarded);
    let cols: Vec<&str> = project.datasources["analytics_events"]
        .columns
        .iter()
        .map(|(c, _)| c.as_str())
        .collect();
    assert_eq!(
        cols,
        [
            "timestamp",
            "org_id",
            "session_id",
            "action",
            "pathname",
            "browser",
            "country"
        ]
    );
}

#[test]
fn tinybird_tenant_keys_replace_the_default_list() {
    let (_, diags, _) =
        loginflow::validate::validate_file(&fixture("crosscheck/tinybird/custom_keys.yaml"));
    let got: Vec<String> = diags
        .iter()
        .map(|d| {
            format!(
                "{} {:?} {}",
                d.code,
                d.pos.map(|p| (p.line, p.column)),
                d.message.contains("reads `days`")
            )
        })
        .collect();
    assert_eq!(got, ["tinybird-rls Some((17, 19)) true"]);
}

#[test]
fn hasura_includes_also_work_as_yaml_tags() {
    // `tables: !include …` and `- !include …` unquoted: the YAML tag form of the CLI's directive.
    let dir = fixture("crosscheck/hasura/tagged/metadata");
    let (md, problems) = loginflow::crosscheck::hasura::read::read(&Root::at(&root()), &dir, "m");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(md.tables, ["public.users"]);
    assert_eq!(md.permissions.len(), 3);
}
