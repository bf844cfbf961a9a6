//! The tenant target named by `tenant.domain`: a real Auth0 domain over https, the embedded local
//! tenant, or a standalone emulator on loopback (plain http, or https with `--tls`).

use std::fmt;

/// Where a tenant file's requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A real tenant, always over https: `acme.eu.auth0.com` or a custom domain.
    Auth0 { domain: String },
    /// The embedded local tenant, started in-process (`domain: local`).
    Local,
    /// A standalone emulator on loopback: `http://127.0.0.1:PORT` or `http://localhost:PORT`,
    /// or one serving `--tls`: `https://127.0.0.1:PORT` or `https://localhost:PORT` (its
    /// certificate trusted through `LOGINFLOW_CA_CERT`).
    Loopback { base_url: String },
}

/// Why a `tenant.domain` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// Plain http to anything but loopback would send credentials in the clear.
    PlainHttpNotLoopback,
    /// An `http://` or `https://` URL that is not `scheme://host[:port]`.
    BadUrl,
    /// Not a domain name.
    BadDomain,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TargetError::PlainHttpNotLoopback => {
                "plain http is only allowed for loopback (`127.0.0.1`, `localhost`, `[::1]`)"
            }
            TargetError::BadUrl => "expected `http://127.0.0.1:PORT` or `http://localhost:PORT`",
            TargetError::BadDomain => "not a valid domain name",
        })
    }
}

impl Target {
    /// Reads a `tenant.domain` value.
    pub fn parse(domain: &str) -> Result<Target, TargetError> {
        if domain == "local" {
            return Ok(Target::Local);
        }
        if let Some(rest) = domain.strip_prefix("http://") {
            let host_port = rest.trim_end_matches('/');
            if host_port.contains('/') || host_port.is_empty() {
                return Err(TargetError::BadUrl);
            }
            let host = host_of(host_port);
            if !is_loopback(host) {
                return Err(TargetError::PlainHttpNotLoopback);
            }
            return Ok(Target::Loopback {
                base_url: format!("http://{host_port}"),
            });
        }
        let bare = domain
            .strip_prefix("https://")
            .unwrap_or(domain)
            .trim_end_matches('/');
        if domain.starts_with("https://") && is_loopback(host_of(bare)) {
            let port = bare
                .split_once("]:")
                .map_or_else(|| bare.split_once(':').map(|(_, p)| p), |(_, p)| Some(p));
            if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
                return Err(TargetError::BadUrl);
            }
            return Ok(Target::Loopback {
                base_url: format!("https://{bare}"),
            });
        }
        if is_domain_name(bare) {
            Ok(Target::Auth0 {
                domain: bare.to_ascii_lowercase(),
            })
        } else {
            Err(TargetError::BadDomain)
        }
    }

    /// The base URL of the Management API host, without a trailing slash. `None` for `Local`,
    /// whose port is only known once the emulator runs.
    pub fn base_url(&self) -> Option<String> {
        match self {
            Target::Auth0 { domain } => Some(format!("https://{domain}")),
            Target::Loopback { base_url } => Some(base_url.clone()),
            Target::Local => None,
        }
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

fn host_of(host_port: &str) -> &str {
    if host_port.starts_with('[') {
        return host_port.split_inclusive(']').next().unwrap_or(host_port);
    }
    host_port.split(':').next().unwrap_or(host_port)
}

fn is_domain_name(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && s.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(Target::parse("local"), Ok(Target::Local));
        assert_eq!(
            Target::parse("Acme.EU.auth0.com"),
            Ok(Target::Auth0 {
                domain: "acme.eu.auth0.com".into()
            })
        );
        assert_eq!(
            Target::parse("http://127.0.0.1:8080"),
            Ok(Target::Loopback {
                base_url: "http://127.0.0.1:8080".into()
            })
        );
        assert_eq!(
            Target::parse("http://localhost:3000/"),
            Ok(Target::Loopback {
                base_url: "http://localhost:3000".into()
            })
        );
        assert_eq!(
            Target::parse("https://127.0.0.1:8443/"),
            Ok(Target::Loopback {
                base_url: "https://127.0.0.1:8443".into()
            })
        );
        assert_eq!(
            Target::parse("https://localhost:8443"),
            Ok(Target::Loopback {
                base_url: "https://localhost:8443".into()
            })
        );
        assert_eq!(
            Target::parse("http://[::1]:3000"),
            Ok(Target::Loopback {
                base_url: "http://[::1]:3000".into()
            })
        );
    }

    #[test]
    fn refuses_plain_http_elsewhere_and_junk() {
        assert_eq!(
            Target::parse("http://acme.auth0.com"),
            Err(TargetError::PlainHttpNotLoopback)
        );
        assert_eq!(
            Target::parse("http://10.0.0.1:80"),
            Err(TargetError::PlainHttpNotLoopback)
        );
        assert_eq!(
            Target::parse("http://127.0.0.1:1/api"),
            Err(TargetError::BadUrl)
        );
        assert_eq!(Target::parse("acme"), Err(TargetError::BadDomain));
        assert_eq!(
            Target::parse("https://127.0.0.1:x"),
            Err(TargetError::BadUrl)
        );
        assert_eq!(
            Target::parse("https://127.0.0.1:1/api"),
            Err(TargetError::BadUrl)
        );
        // Only an explicit https:// makes a loopback TLS target.
        assert_eq!(Target::parse("127.0.0.1:8443"), Err(TargetError::BadDomain));
        assert_eq!(Target::parse("ac me.com"), Err(TargetError::BadDomain));
    }
}
