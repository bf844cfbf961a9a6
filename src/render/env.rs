//! The minijinja environment that renders the templates in `templates/`.
//!
//! Every template is rendered with JSON auto-escaping, so `{{ value }}` always becomes a JSON
//! literal (a valid JavaScript expression): user strings can never be pasted into code. The
//! formatter goes one step further than minijinja's JSON escaping and also escapes `<`, U+2028
//! and U+2029, so the output never contains `</script>` or a raw line separator.

use std::path::Path;
use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, Output, State, UndefinedBehavior, Value};

use super::error::RenderError;

/// The built-in templates, by file name. Shared fragments start with `_`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("_core.js.j2", include_str!("../../templates/_core.js.j2")),
    (
        "_settings.js.j2",
        include_str!("../../templates/_settings.js.j2"),
    ),
    ("_http.js.j2", include_str!("../../templates/_http.js.j2")),
    ("_m2m.js.j2", include_str!("../../templates/_m2m.js.j2")),
    ("_map.js.j2", include_str!("../../templates/_map.js.j2")),
    ("claims.js.j2", include_str!("../../templates/claims.js.j2")),
    ("hasura.js.j2", include_str!("../../templates/hasura.js.j2")),
    (
        "tinybird.js.j2",
        include_str!("../../templates/tinybird.js.j2"),
    ),
    ("enrich.js.j2", include_str!("../../templates/enrich.js.j2")),
    (
        "profile.js.j2",
        include_str!("../../templates/profile.js.j2"),
    ),
];

/// The environment with the built-in templates, parsed once per process.
pub fn builtin() -> Result<&'static Environment<'static>, RenderError> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    let env = ENV.get_or_init(|| {
        let mut env = base().map_err(|e| format!("{e:#}"))?;
        for (name, source) in BUILTIN {
            env.add_template(name, source)
                .map_err(|e| format!("{e:#}"))?;
        }
        Ok(env)
    });
    env.as_ref().map_err(|message| RenderError::Invalid {
        action: "<built-in templates>".into(),
        message: message.clone(),
    })
}

/// The file names a `tenant.templates` folder may override.
pub fn template_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(name, _)| *name)
}

/// An environment where files of `dir` named like a built-in template replace it. Each is read
/// confined to `dir` (symlinks followed), as a regular file, within the template cap.
pub fn with_overrides(dir: &Path) -> Result<Environment<'static>, RenderError> {
    let mut env = base().map_err(|source| RenderError::Template {
        template: "<syntax>".into(),
        source,
    })?;
    for (name, builtin) in BUILTIN {
        let path = dir.join(name);
        let read = crate::fsread::Root::at(dir)
            .resolve(dir, name)
            .and_then(|real| crate::fsread::read_capped(&real, crate::fsread::TEMPLATE_CAP))
            .and_then(|b| String::from_utf8(b).map_err(|_| crate::fsread::ReadError::NotText));
        let source = match read {
            Ok(text) => text,
            Err(crate::fsread::ReadError::NotFound) => (*builtin).to_owned(),
            Err(why) => {
                return Err(RenderError::Override {
                    path,
                    why: why.to_string(),
                });
            }
        };
        env.add_template_owned(*name, source)
            .map_err(|source| RenderError::Template {
                template: (*name).into(),
                source,
            })?;
    }
    Ok(env)
}

fn base() -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    env.set_auto_escape_callback(|_| AutoEscape::Json);
    env.set_formatter(js_formatter);
    Ok(env)
}

/// Writes a value as a JSON literal safe to embed anywhere in a JavaScript file.
fn js_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if value.is_safe() || !matches!(state.auto_escape(), AutoEscape::Json) {
        return minijinja::escape_formatter(out, state, value);
    }
    let json = serde_json::to_string(value).map_err(|e| {
        Error::new(
            minijinja::ErrorKind::BadSerialization,
            "cannot write value as JSON",
        )
        .with_source(e)
    })?;
    out.write_str(&harden_json(&json))
        .map_err(|_| Error::new(minijinja::ErrorKind::WriteFailure, "write failed"))
}

/// Escapes `<`, U+2028 and U+2029. In JSON text these can only occur inside strings, where the
/// `\uXXXX` forms mean the same characters, so the value is unchanged.
pub fn harden_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(ch),
        }
    }
    out
}
