//! `loginflow hasura jwt-config --tenant FILE`: print the `HASURA_GRAPHQL_JWT_SECRET` that accepts
//! the tokens of a tenant, with the claims namespace and format its `hasura` actions write.
//!
//! The output is one line of JSON with a fixed key order (`type`, `jwk_url`, `audience`, `issuer`,
//! `claims_namespace`, `claims_format`, then `allowed_skew` when asked for), so it can be pasted
//! into an environment variable or compared in CI. Only `claims_namespace` is ever written, never
//! `claims_namespace_path`: Hasura refuses a secret that sets both.

use serde::Serialize;

use crate::config::ConfigFile;
use crate::config::action::{ActionConfig, Token};
use crate::config::kinds::HasuraFormat;
use crate::config::target::Target;
use crate::diagnostics::error_count;
use crate::diagnostics::render;
use crate::error::{Error, Result};
use crate::output;

/// The claims namespace a `hasura` action uses when it names none (Hasura's own default).
pub const DEFAULT_NAMESPACE: &str = "https://hasura.io/jwt/claims";

/// The `HASURA_GRAPHQL_JWT_SECRET` object, in the order its keys are printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JwtSecret {
    /// The key type. Auth0 signs access and ID tokens with RS256 by default.
    #[serde(rename = "type")]
    pub key_type: &'static str,
    /// The tenant's JWKS, which follows Auth0's key rotation (a pinned `key` would not).
    pub jwk_url: String,
    /// The `aud` values accepted: one string, or a list when several were given.
    pub audience: Audience,
    /// The `iss` of the tokens: the issuing base URL with Auth0's trailing slash.
    pub issuer: String,
    /// The claim that holds the `x-hasura-*` object.
    pub claims_namespace: String,
    /// `json` or `stringified_json`.
    pub claims_format: &'static str,
    /// Leeway in seconds on `exp`/`nbf`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_skew: Option<u32>,
}

/// Hasura's `audience`: a string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// What `jwt-config` needs besides the tenant file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub audience: Vec<String>,
    pub issuer_domain: Option<String>,
    pub allowed_skew: Option<u32>,
}

/// Runs `hasura jwt-config`: the JSON on stdout, notes on stderr.
pub fn jwt_config(tenant_file: &std::path::Path, opts: &Options) -> Result<u8> {
    let (tenant, diags, sources) = crate::validate::validate_file(tenant_file);
    let errors = error_count(&diags);
    if !diags.is_empty() {
        eprint!(
            "{}",
            render::human(&diags, &sources, output::stderr_color())
        );
    }
    let tenant = match tenant {
        Some(t) if errors == 0 => t,
        _ => {
            output::status(&format!(
                "{}; fix them before generating the Hasura configuration",
                render::summary(&diags, 1)
            ));
            return Err(Error::InvalidConfig {
                count: errors.max(1),
            });
        }
    };
    let (secret, notes) = jwt_secret(&tenant.config, opts)?;
    for note in notes {
        output::status(&format!("note: {note}"));
    }
    let line = serde_json::to_string(&secret)
        .map_err(|e| Error::other(format!("could not serialise the configuration: {e}"), None))?;
    println!("{line}");
    Ok(0)
}

/// The JWT secret for a validated tenant, and notes for the user. Pure.
pub fn jwt_secret(config: &ConfigFile, opts: &Options) -> Result<(JwtSecret, Vec<String>)> {
    let mut notes = Vec::new();
    let (namespace, format) = claims_setup(config, &mut notes)?;
    let base = issuer_base(config, opts.issuer_domain.as_deref(), &mut notes)?;
    let audience = audience(&opts.audience)?;
    let secret = JwtSecret {
        key_type: "RS256",
        jwk_url: format!("{base}/.well-known/jwks.json"),
        audience,
        issuer: format!("{base}/"),
        claims_namespace: namespace,
        claims_format: match format {
            HasuraFormat::Json => "json",
            HasuraFormat::StringifiedJson => "stringified_json",
        },
        allowed_skew: opts.allowed_skew,
    };
    Ok((secret, notes))
}

/// One `hasura` action's effective settings.
struct Used<'a> {
    action: &'a str,
    namespace: String,
    namespace_default: bool,
    format: HasuraFormat,
    format_default: bool,
}

/// The namespace and format every `hasura` action agrees on, or an error naming the disagreement.
fn claims_setup(config: &ConfigFile, notes: &mut Vec<String>) -> Result<(String, HasuraFormat)> {
    let used: Vec<Used<'_>> = config
        .actions
        .iter()
        .filter_map(|(name, action)| match action {
            ActionConfig::Hasura(a) => Some((name, a)),
            _ => None,
        })
        .map(|(name, a)| {
            let tokens = a.spec.tokens.as_deref().unwrap_or(&[Token::Access]);
            if !tokens.contains(&Token::Access) {
                notes.push(format!(
                    "action `{name}` puts the Hasura claims on the ID token only, whose `aud` is \
                     the application's client id: pass that client id as `--audience`, or add \
                     `access` to its `tokens`"
                ));
            }
            Used {
                action: name,
                namespace: a
                    .spec
                    .namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string()),
                namespace_default: a.spec.namespace.is_none(),
                format: a.spec.format.unwrap_or(HasuraFormat::Json),
                format_default: a.spec.format.is_none(),
            }
        })
        .collect();
    let Some(first) = used.first() else {
        return Err(Error::other(
            "the tenant has no `hasura` action, so there is no claims namespace to configure",
            Some(
                "add an action with `kind: hasura` (it writes the `x-hasura-*` claims Hasura \
                 reads), or point `--tenant` at the tenant file that has one"
                    .into(),
            ),
        ));
    };
    let mut problems = Vec::new();
    if used.iter().any(|u| u.namespace != first.namespace) {
        problems.push(disagreement("namespace", &used, |u| {
            describe(&u.namespace, u.namespace_default)
        }));
    }
    if used.iter().any(|u| u.format != first.format) {
        problems.push(disagreement("format", &used, |u| {
            describe(format_name(u.format), u.format_default)
        }));
    }
    if !problems.is_empty() {
        return Err(Error::other(
            format!(
                "the `hasura` actions disagree, and one Hasura JWT secret has one claims namespace \
                 and one format:\n{}",
                problems.join("\n")
            ),
            Some("give every `hasura` action the same `namespace` and `format`".into()),
        ));
    }
    Ok((first.namespace.clone(), first.format))
}

fn disagreement(field: &str, used: &[Used<'_>], value: impl Fn(&Used<'_>) -> String) -> String {
    let each: Vec<String> = used
        .iter()
        .map(|u| format!("`{}` uses {}", u.action, value(u)))
        .collect();
    format!("  `{field}`: {}", each.join(", "))
}

fn describe(value: &str, is_default: bool) -> String {
    if is_default {
        format!("`{value}` (the default)")
    } else {
        format!("`{value}`")
    }
}

fn format_name(f: HasuraFormat) -> &'static str {
    match f {
        HasuraFormat::Json => "json",
        HasuraFormat::StringifiedJson => "stringified_json",
    }
}

/// The base URL tokens are issued from, without a trailing slash.
fn issuer_base(
    config: &ConfigFile,
    issuer_domain: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<String> {
    let (domain, what) = match issuer_domain {
        Some(d) => (d.to_string(), "`--issuer-domain`"),
        None => match &config.tenant {
            Some(t) => (t.domain.clone(), "`tenant.domain`"),
            None => {
                return Err(Error::other(
                    "the tenant file has no `tenant.domain`",
                    Some("set `tenant.domain`, or pass `--issuer-domain`".into()),
                ));
            }
        },
    };
    let target = Target::parse(&domain)
        .map_err(|e| Error::other(format!("{what} `{domain}`: {e}"), None))?;
    Ok(match target {
        Target::Auth0 { domain } => format!("https://{domain}"),
        Target::Loopback { base_url } => {
            notes.push(format!(
                "{what} `{domain}` is a loopback emulator: `jwk_url` and `issuer` use its base \
                 `{base_url}`, which suits local testing only"
            ));
            base_url
        }
        Target::Local => {
            let base = "http://localhost".to_string();
            notes.push(format!(
                "{what} is `local`, the embedded local tenant, which has no fixed address: \
                 `jwk_url` and `issuer` use `{base}` as a placeholder; point them at whatever \
                 issues your local test tokens"
            ));
            base
        }
    })
}

/// The audience: required, because it is what stops tokens issued for other APIs.
fn audience(given: &[String]) -> Result<Audience> {
    let mut list: Vec<String> = Vec::new();
    for a in given {
        if a.trim().is_empty() {
            return Err(Error::Usage("`--audience` must not be empty".into()));
        }
        if !list.contains(a) {
            list.push(a.clone());
        }
    }
    match list.len() {
        0 => Err(Error::other(
            "Hasura needs the audience the tokens are issued for: pass `--audience AUD`",
            Some(
                "use the identifier of the Auth0 API your clients request access tokens for \
                 (Dashboard → Applications → APIs → API Audience, e.g. `https://api.acme.com`). \
                 Auth0 only issues a JWT access token when the client asks for an audience, and \
                 without one Hasura would accept any token this tenant signs, including tokens \
                 meant for other APIs"
                    .into(),
            ),
        )),
        1 => Ok(Audience::One(list.remove(0))),
        _ => Ok(Audience::Many(list)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> ConfigFile {
        serde_saphyr::from_str(yaml).expect("config")
    }

    fn opts(aud: &str) -> Options {
        Options {
            audience: vec![aud.into()],
            ..Options::default()
        }
    }

    const TWO: &str = "
tenant: { domain: acme.eu.auth0.com }
actions:
  a: { kind: hasura, default_role: user, allowed_roles: [user] }
  b: { kind: hasura, namespace: https://hasura.io/jwt/claims, format: json, default_role: user, allowed_roles: [user] }
";

    #[test]
    fn defaults_and_explicit_values_agree() {
        let (s, notes) = jwt_secret(&config(TWO), &opts("https://api")).expect("secret");
        assert_eq!(s.issuer, "https://acme.eu.auth0.com/");
        assert_eq!(s.jwk_url, "https://acme.eu.auth0.com/.well-known/jwks.json");
        assert_eq!(s.claims_namespace, DEFAULT_NAMESPACE);
        assert_eq!(s.claims_format, "json");
        assert!(notes.is_empty());
    }

    #[test]
    fn several_audiences_become_a_list_without_duplicates() {
        let o = Options {
            audience: vec!["x".into(), "y".into(), "x".into()],
            ..Options::default()
        };
        let (s, _) = jwt_secret(&config(TWO), &o).expect("secret");
        assert_eq!(s.audience, Audience::Many(vec!["x".into(), "y".into()]));
    }

    #[test]
    fn missing_audience_is_explained() {
        let err = jwt_secret(&config(TWO), &Options::default()).expect_err("no audience");
        assert!(err.to_string().contains("--audience"), "{err}");
        assert!(err.hint().is_some_and(|h| h.contains("API")));
    }

    #[test]
    fn loopback_and_local_say_so() {
        let c = config(&TWO.replace("acme.eu.auth0.com", "http://127.0.0.1:8080"));
        let (s, notes) = jwt_secret(&c, &opts("a")).expect("secret");
        assert_eq!(s.issuer, "http://127.0.0.1:8080/");
        assert_eq!(notes.len(), 1);
        let c = config(&TWO.replace("acme.eu.auth0.com", "local"));
        let (s, notes) = jwt_secret(&c, &opts("a")).expect("secret");
        assert_eq!(s.jwk_url, "http://localhost/.well-known/jwks.json");
        assert!(notes[0].contains("placeholder"));
    }

    #[test]
    fn custom_issuer_domain_wins() {
        let o = Options {
            issuer_domain: Some("login.acme.com".into()),
            ..opts("a")
        };
        let (s, _) = jwt_secret(&config(TWO), &o).expect("secret");
        assert_eq!(s.issuer, "https://login.acme.com/");
    }

    #[test]
    fn id_token_only_gets_a_note() {
        let c = config(&TWO.replace(
            "kind: hasura, default_role",
            "kind: hasura, tokens: [id], default_role",
        ));
        let (_, notes) = jwt_secret(&c, &opts("a")).expect("secret");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("`a`") && n.contains("client id"))
        );
    }
}
