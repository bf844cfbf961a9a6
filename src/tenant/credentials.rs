//! Management API credentials, resolved from the tenant file's sources or the default
//! environment variables.
//!
//! Resolution reports every missing variable or unreadable file at once, so a CI run fails with
//! one complete message instead of one per attempt. Values are held as [`Secret`] from the moment
//! they are read; this module must never put a value in an error.

use std::path::Path;

use super::error::Error;
use super::secret::Secret;
use crate::config::model::{self, SecretSource};

const ENV_CLIENT_ID: &str = "AUTH0_CLIENT_ID";
const ENV_CLIENT_SECRET: &str = "AUTH0_CLIENT_SECRET";
const ENV_ACCESS_TOKEN: &str = "AUTH0_ACCESS_TOKEN";

/// How the client authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A machine-to-machine application; the token is fetched from `/oauth/token`.
    ClientCredentials {
        client_id: String,
        client_secret: Secret,
    },
    /// A ready access token.
    AccessToken(Secret),
}

impl Credentials {
    /// Resolves from the process environment and files under `base_dir` (the tenant file's
    /// directory).
    pub fn resolve(
        config: Option<&model::Credentials>,
        base_dir: &Path,
    ) -> Result<Credentials, Error> {
        Credentials::resolve_with(config, base_dir, &|name| std::env::var(name).ok())
    }

    /// Resolves with `env` as the environment, for tests.
    ///
    /// A configured `access_token` wins. Otherwise configured client fields are used, each
    /// missing one defaulting to its standard variable. With nothing configured, the standard
    /// client-credential variables are preferred (the token can then be renewed) and
    /// `AUTH0_ACCESS_TOKEN` is the fallback.
    pub fn resolve_with(
        config: Option<&model::Credentials>,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Credentials, Error> {
        let reader = Reader { base_dir, env };
        let (id, secret, token) = match config {
            Some(c) => (
                c.client_id.clone(),
                c.client_secret.clone(),
                c.access_token.clone(),
            ),
            None => (None, None, None),
        };
        if let Some(token) = token {
            return reader
                .read(&token)
                .map(Credentials::AccessToken)
                .map_err(one_missing);
        }
        if id.is_some() || secret.is_some() {
            let id = id.unwrap_or(SecretSource::Env(ENV_CLIENT_ID.into()));
            let secret = secret.unwrap_or(SecretSource::Env(ENV_CLIENT_SECRET.into()));
            return reader.client_credentials(&id, &secret);
        }
        let id = SecretSource::Env(ENV_CLIENT_ID.into());
        let secret = SecretSource::Env(ENV_CLIENT_SECRET.into());
        match reader.client_credentials(&id, &secret) {
            Ok(found) => Ok(found),
            Err(Error::MissingCredentials { mut missing }) => {
                match reader.read(&SecretSource::Env(ENV_ACCESS_TOKEN.into())) {
                    Ok(token) => Ok(Credentials::AccessToken(token)),
                    Err(_) => {
                        missing.push(format!("nor is `{ENV_ACCESS_TOKEN}` set"));
                        Err(Error::MissingCredentials { missing })
                    }
                }
            }
            Err(other) => Err(other),
        }
    }

    /// Every value the client must keep out of logs.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Credentials::ClientCredentials { client_secret, .. } => vec![client_secret],
            Credentials::AccessToken(token) => vec![token],
        }
    }
}

fn one_missing(problem: String) -> Error {
    Error::MissingCredentials {
        missing: vec![problem],
    }
}

struct Reader<'a> {
    base_dir: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Reader<'_> {
    fn client_credentials(
        &self,
        id: &SecretSource,
        secret: &SecretSource,
    ) -> Result<Credentials, Error> {
        match (self.read(id), self.read(secret)) {
            (Ok(id), Ok(secret)) => Ok(Credentials::ClientCredentials {
                client_id: id.expose().to_owned(),
                client_secret: secret,
            }),
            (id, secret) => Err(Error::MissingCredentials {
                missing: [id.err(), secret.err()].into_iter().flatten().collect(),
            }),
        }
    }

    /// The value, or a sentence saying why there is none (never containing a value).
    fn read(&self, source: &SecretSource) -> Result<Secret, String> {
        read_source(source, self.base_dir, self.env)
    }
}

/// Reads one secret source (env variable, or file relative to `base_dir` without its trailing
/// newline). A `file:` must resolve inside the repository root of `base_dir` (see
/// [`crate::fsread::Root`]); a `mounted_file:` is an absolute path anywhere. Either must be a
/// regular file of at most [`crate::fsread::SECRET_CAP`]. The error is a sentence saying why
/// there is no value; it never contains a value.
pub fn read_source(
    source: &SecretSource,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Secret, String> {
    use crate::fsread::{self, ReadError, Root};
    let (shown, resolved) = match source {
        SecretSource::Env(name) => {
            return match env(name) {
                Some(v) if !v.is_empty() => Ok(Secret::new(v)),
                Some(_) => Err(format!("environment variable `{name}` is empty")),
                None => Err(format!("environment variable `{name}` is not set")),
            };
        }
        SecretSource::File(file) => (
            base_dir.join(file),
            Root::for_dir(base_dir).resolve(base_dir, file),
        ),
        SecretSource::MountedFile(file) => {
            let path = Path::new(file);
            let resolved = if path.is_absolute() {
                std::fs::canonicalize(path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => ReadError::NotFound,
                    _ => ReadError::Io(e.to_string()),
                })
            } else {
                Err(ReadError::Io(
                    "`mounted_file` takes an absolute path".into(),
                ))
            };
            (path.to_path_buf(), resolved)
        }
    };
    let text = resolved
        .and_then(|real| fsread::read_capped(&real, fsread::SECRET_CAP))
        .and_then(|bytes| String::from_utf8(bytes).map_err(|_| ReadError::NotText));
    match text {
        Ok(text) => {
            let value = text.strip_suffix('\n').unwrap_or(&text);
            let value = value.strip_suffix('\r').unwrap_or(value);
            if value.is_empty() {
                Err(format!("file `{}` is empty", shown.display()))
            } else {
                Ok(Secret::new(value))
            }
        }
        Err(e) => Err(format!("file `{}` cannot be read: {e}", shown.display())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn missing(result: Result<Credentials, Error>) -> Vec<String> {
        match result {
            Err(Error::MissingCredentials { missing }) => missing,
            other => panic!("expected missing credentials, got {other:?}"),
        }
    }

    #[test]
    fn defaults_to_standard_variables() {
        let dir = Path::new(".");
        let both = env(&[
            ("AUTH0_CLIENT_ID", "id"),
            ("AUTH0_CLIENT_SECRET", "cs"),
            ("AUTH0_ACCESS_TOKEN", "t"),
        ]);
        assert_eq!(
            Credentials::resolve_with(None, dir, &both).unwrap(),
            Credentials::ClientCredentials {
                client_id: "id".into(),
                client_secret: Secret::new("cs")
            }
        );
        let token = env(&[("AUTH0_CLIENT_ID", "id"), ("AUTH0_ACCESS_TOKEN", "t")]);
        assert_eq!(
            Credentials::resolve_with(None, dir, &token).unwrap(),
            Credentials::AccessToken(Secret::new("t"))
        );
    }

    #[test]
    fn names_every_missing_source_at_once_without_values() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        let config = model::Credentials {
            client_id: Some(SecretSource::Env("PROD_ID".into())),
            client_secret: Some(SecretSource::File("empty".into())),
            access_token: None,
        };
        let problems = missing(Credentials::resolve_with(
            Some(&config),
            dir.path(),
            &env(&[]),
        ));
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0], "environment variable `PROD_ID` is not set");
        assert!(
            problems[1].starts_with("file `") && problems[1].ends_with("empty` is empty"),
            "{}",
            problems[1]
        );

        let none = missing(Credentials::resolve_with(
            None,
            dir.path(),
            &env(&[("AUTH0_CLIENT_SECRET", "cs")]),
        ));
        assert_eq!(
            none,
            vec![
                "environment variable `AUTH0_CLIENT_ID` is not set",
                "nor is `AUTH0_ACCESS_TOKEN` set"
            ]
        );
        let err =
            Credentials::resolve_with(None, dir.path(), &env(&[("AUTH0_CLIENT_SECRET", "cs")]))
                .unwrap_err();
        assert!(!err.to_string().contains("cs\""));
    }

    #[test]
    fn reads_files_relative_to_the_tenant_file_without_the_newline() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), "s3cr3t\r\n").unwrap();
        let config = model::Credentials {
            client_id: None,
            client_secret: Some(SecretSource::File("secret".into())),
            access_token: None,
        };
        let got = Credentials::resolve_with(
            Some(&config),
            dir.path(),
            &env(&[("AUTH0_CLIENT_ID", "id")]),
        )
        .unwrap();
        assert_eq!(
            got,
            Credentials::ClientCredentials {
                client_id: "id".into(),
                client_secret: Secret::new("s3cr3t")
            }
        );
        assert!(!format!("{got:?}").contains("s3cr3t"));
    }
}
