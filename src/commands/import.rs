//! `loginflow import --tenant FILE [--out DIR]`: adopt an existing tenant. Reads its actions and
//! trigger bindings and writes a config that manages them as `custom` actions — the code in
//! `DIR/actions/<file>.js` exactly as deployed, secrets listed by name and read from env vars of
//! the same name — so that the next `plan` shows only the adoption of each action.
//!
//! Every live name gets a file of its own ([`file_names`]: percent-encoded, distinct even on a
//! case-insensitive file system), and the config names it (`code: actions/<file>.js`). A live
//! action the config cannot name (a name `validate` refuses, such as one holding a newline, or a
//! name several live actions share) is left out, stays unmanaged, and is reported: the written
//! config always validates.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::action::Trigger;
use crate::config::model::DEFAULT_OWNER;
use crate::error::{Error, Result};
use crate::pipeline::load_valid;
use crate::render::strip_header;
use crate::state::{Belongs, LiveAction, LiveState};

/// Runs `import`.
/// What `import` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    /// The tenant file naming the tenant to read.
    pub tenant: PathBuf,
    /// Where to write `tenant.yaml` and `actions/*.js`.
    pub out: PathBuf,
}

pub fn run(args: &Settings) -> Result<u8> {
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
    let owner = tenant.config.owner();
    let (live, left_out) = importable(live, owner);
    let files = file_names(live.actions.iter().map(|a| a.name.as_str()));
    for a in &live.actions {
        let path = actions_dir.join(&files[&a.name]);
        write(&path, strip_header(&a.code))?;
    }
    let config = config_text(
        &domain,
        owner,
        credentials_block(&tenant_text),
        &live,
        &files,
    );
    let file = out.join("tenant.yaml");
    write(&file, &config)?;
    for (name, why) in &left_out {
        crate::output::status(&format!(
            "warning: left out the live action {name:?}: {why}"
        ));
    }
    crate::output::status(&format!(
        "imported {} action(s) into `{}`; run `loginflow plan {}` to see the adoption",
        live.actions.len(),
        file.display(),
        file.display()
    ));
    Ok(0)
}

/// The live state without the actions a config cannot name or another owner manages (the
/// written config would claim them: a plan error), and those left out with why. Their bindings
/// are left out of the flow too; `unmanaged: keep` and the merge rule keep them bound.
fn importable(mut live: LiveState, owner: &str) -> (LiveState, Vec<(String, String)>) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &live.actions {
        *seen.entry(a.name.as_str()).or_default() += 1;
    }
    let mut left_out: Vec<(String, String)> = Vec::new();
    let keep: BTreeSet<String> = live
        .actions
        .iter()
        .filter_map(|a| {
            let unmanaged = "it stays as it is, unmanaged (rename it in the Auth0 dashboard and import again to manage it)";
            let why = if let Belongs::Owner(other) = a.belongs(owner) {
                format!("loginflow manages it for the owner {other:?} (another tenant file); it stays as it is, managed from that file")
            } else if seen.get(a.name.as_str()).copied().unwrap_or(0) > 1 {
                format!("several live actions have this name; {unmanaged}")
            } else if !crate::validate::auth0_rules::usable_action_name(&a.name) {
                format!("a config cannot name it (1–100 characters, no control characters, no leading or trailing spaces); {unmanaged}")
            } else {
                return Some(a.name.clone());
            };
            if !left_out.iter().any(|(n, _)| *n == a.name) {
                left_out.push((a.name.clone(), why));
            }
            None
        })
        .collect();
    live.actions.retain(|a| keep.contains(&a.name));
    for list in live.bindings.values_mut() {
        list.retain(|b| keep.contains(&b.action_name));
    }
    (live, left_out)
}

/// Longest file name written, in bytes, before `.js` (file systems allow 255).
const MAX_STEM: usize = 200;

/// A file name of its own for each action name: `<stem>.js`, the stem being the name with every
/// byte outside `[A-Za-z0-9._-]` (and a leading `.`) percent-encoded, so `a/b` is `a%2Fb.js` and
/// `a_b` is `a_b.js`. Reversible, except that a stem longer than 200 bytes is cut and given a
/// `~` and a hash of the name, and that names equal but for case (which a case-insensitive file
/// system cannot tell apart) get `~2`, `~3`, ... after the first. `~` is never part of an
/// encoded name, so these never collide with another name's file.
pub fn file_names<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let names: BTreeSet<&str> = names.into_iter().collect();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = BTreeMap::new();
    for name in names {
        let stem = encoded_stem(name);
        let mut file = format!("{stem}.js");
        let mut n = 1;
        while !taken.insert(file.to_lowercase()) {
            n += 1;
            file = format!("{stem}~{n}.js");
        }
        out.insert(name.to_string(), file);
    }
    out
}

fn encoded_stem(name: &str) -> String {
    let mut stem = String::new();
    for (i, b) in name.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b"_-".contains(&b) || (b == b'.' && i > 0);
        if plain {
            stem.push(char::from(b));
        } else {
            let _ = write!(stem, "%{b:02X}");
        }
    }
    if stem.len() > MAX_STEM {
        let digest = Sha256::digest(name.as_bytes());
        let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        // The stem is ASCII: any byte index is a character boundary.
        stem.truncate(MAX_STEM - hash.len() - 1);
        stem = format!("{stem}~{hash}");
    }
    stem
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

/// A YAML double-quoted scalar: `\\` and `"` escaped, control characters and the characters
/// YAML parsers may read as line breaks or a byte-order mark (NEL, U+2028, U+2029, U+FEFF)
/// written as escapes; anything else as it is.
fn yaml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn config_text(
    domain: &str,
    owner: &str,
    credentials: Option<String>,
    live: &LiveState,
    files: &BTreeMap<String, String>,
) -> String {
    let mut y = String::from("# yaml-language-server: $schema=../schema/loginflow.schema.json\n");
    y.push_str(
        "# Written by `loginflow import`: every action of the tenant as a `custom` action.\n",
    );
    let _ = writeln!(y, "version: 1\ntenant:\n  domain: {}", yaml_str(domain));
    if owner != DEFAULT_OWNER {
        let _ = writeln!(y, "  owner: {}", yaml_str(owner));
    }
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
        let file = files.get(&a.name).map_or("", String::as_str);
        action(&mut y, a, file);
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

fn action(y: &mut String, a: &LiveAction, file: &str) {
    let _ = writeln!(y, "  {}:\n    kind: custom", yaml_str(&a.name));
    let _ = writeln!(y, "    code: {}", yaml_str(&format!("actions/{file}")));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_gets_a_file_of_its_own() {
        let names = ["a/b", "a_b", "A_B", "a b", ".x", "..", "50%", "é", "a%2Fb"];
        let files = file_names(names);
        let want = [
            ("a/b", "a%2Fb.js"),
            ("a_b", "a_b.js"),
            ("A_B", "A_B.js"),
            ("a b", "a%20b.js"),
            (".x", "%2Ex.js"),
            ("..", "%2E..js"),
            ("50%", "50%25.js"),
            ("é", "%C3%A9.js"),
            ("a%2Fb", "a%252Fb.js"),
        ];
        for (name, file) in want {
            let got = files.get(name).map(String::as_str);
            // `A_B` sorts first, so `a_b` is the one that gets the suffix.
            let file = if name == "a_b" { "a_b~2.js" } else { file };
            assert_eq!(got, Some(file), "{name}");
        }
        let lower: BTreeSet<String> = files.values().map(|f| f.to_lowercase()).collect();
        assert_eq!(lower.len(), names.len());
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let a = "☃".repeat(100);
        let b = format!("{}x", "☃".repeat(99));
        let files = file_names([a.as_str(), b.as_str()]);
        assert!(files.values().all(|f| f.len() <= MAX_STEM + 3), "{files:?}");
        assert_ne!(files[&a], files[&b]);
    }

    #[test]
    fn yaml_strings_escape_line_breaks() {
        assert_eq!(yaml_str("a\nb\u{2028}\"\\"), r#""a\nb\u2028\"\\""#);
        assert_eq!(yaml_str("ünï ☃"), "\"ünï ☃\"");
    }
}
