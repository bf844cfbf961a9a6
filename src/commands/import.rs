//! `loginflow import --tenant FILE [--out DIR]`: adopt an existing tenant. Reads its actions and
//! trigger bindings and writes a config that manages them as `custom` actions — the code in
//! `DIR/actions/<name>.js` exactly as deployed, secrets listed by name and read from env vars of
//! the same name — so that the next `plan` shows only the adoption of each action.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::ImportArgs;
use crate::commands::render::safe_file_name;
use crate::config::action::Trigger;
use crate::error::{Error, Result};
use crate::pipeline::load_valid;
use crate::render::strip_header;
use crate::state::{LiveAction, LiveState};

/// Runs `import`.
pub fn run(args: &ImportArgs) -> Result<u8> {
    let tenant = load_valid(&args.tenant)?;
    let runtime = crate::runtime::build()?;
    let live = runtime.block_on(async {
        let conn = crate::connect::connect(&tenant).await?;
        let triggers = [
            Trigger::PostLogin,
            Trigger::CredentialsExchange,
            Trigger::PreUserRegistration,
            Trigger::PostUserRegistration,
            Trigger::PostChangePassword,
        ];
        let live = crate::state::read::read(&conn.client, &triggers, crate::pipeline::owner).await;
        conn.close().await;
        live
    })?;
    let domain = tenant
        .config
        .tenant
        .as_ref()
        .map(|t| t.domain.clone())
        .unwrap_or_default();
    let tenant_text = std::fs::read_to_string(&args.tenant).unwrap_or_default();
    let out = &args.out;
    let actions_dir = out.join("actions");
    std::fs::create_dir_all(&actions_dir).map_err(|source| Error::Io {
        action: "create",
        path: actions_dir.clone(),
        source,
    })?;
    for a in &live.actions {
        let path = actions_dir.join(format!("{}.js", safe_file_name(&a.name)));
        write(&path, strip_header(&a.code))?;
    }
    let config = config_text(&domain, credentials_block(&tenant_text), &live);
    let file = out.join("tenant.yaml");
    write(&file, &config)?;
    crate::output::status(&format!(
        "imported {} action(s) into `{}`; run `loginflow plan {}` to see the adoption",
        live.actions.len(),
        file.display(),
        file.display()
    ));
    Ok(0)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        action: "write",
        path: PathBuf::from(path),
        source,
    })
}

/// The `credentials:` block of the source tenant file, kept verbatim (it names env vars or files).
fn credentials_block(text: &str) -> Option<String> {
    let mut lines = text.lines().skip_while(|l| {
        l.trim_start() != "credentials:" && !l.trim_start().starts_with("credentials:")
    });
    let first = lines.next()?;
    let indent = first.len() - first.trim_start().len();
    let mut block = format!("{first}\n");
    for l in lines.take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent) {
        let _ = writeln!(block, "{l}");
    }
    Some(block)
}

/// An environment variable name for a secret: upper case, anything but letters and digits as `_`
/// (a secret named `api-key` is read from `API_KEY`).
fn env_name(secret: &str) -> String {
    let name: String = secret
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn config_text(domain: &str, credentials: Option<String>, live: &LiveState) -> String {
    let mut y = String::from("# yaml-language-server: $schema=../schema/loginflow.schema.json\n");
    y.push_str(
        "# Written by `loginflow import`: every action of the tenant as a `custom` action.\n",
    );
    let _ = writeln!(y, "version: 1\ntenant:\n  domain: {}", yaml_str(domain));
    if let Some(c) = credentials {
        y.push_str(&c);
    }
    let secrets: std::collections::BTreeSet<&String> =
        live.actions.iter().flat_map(|a| &a.secret_names).collect();
    if !secrets.is_empty() {
        y.push_str("secrets:\n");
        for s in &secrets {
            let _ = writeln!(y, "  {}: {{ env: {} }}", yaml_str(s), env_name(s));
        }
    }
    y.push_str("actions:\n");
    for a in &live.actions {
        action(&mut y, a);
    }
    y.push_str("flow:\n");
    for (trigger, bindings) in &live.bindings {
        if bindings.is_empty() {
            continue;
        }
        let names: Vec<String> = bindings.iter().map(|b| yaml_str(&b.action_name)).collect();
        let _ = writeln!(y, "  {trigger}: [{}]", names.join(", "));
    }
    y.push_str("  unmanaged: keep\n");
    y
}

fn action(y: &mut String, a: &LiveAction) {
    let _ = writeln!(y, "  {}:\n    kind: custom", yaml_str(&a.name));
    let _ = writeln!(
        y,
        "    code: {}",
        yaml_str(&format!("actions/{}.js", safe_file_name(&a.name)))
    );
    if a.trigger != "post-login" && !a.trigger.is_empty() {
        let _ = writeln!(y, "    trigger: {}", a.trigger);
    }
    match a
        .runtime
        .as_deref()
        .and_then(crate::config::action::Runtime::from_api)
    {
        Some(crate::config::action::Runtime::Node18) => y.push_str("    runtime: node18\n"),
        _ => y.push_str("    runtime: node22\n"),
    }
    if !a.dependencies.is_empty() {
        y.push_str("    dependencies:\n");
        for (k, v) in &a.dependencies {
            let _ = writeln!(y, "      {}: {}", yaml_str(k), yaml_str(v));
        }
    }
    if !a.secret_names.is_empty() {
        let names: Vec<String> = a.secret_names.iter().map(|s| yaml_str(s)).collect();
        let _ = writeln!(y, "    secrets: [{}]", names.join(", "));
    }
}
