//! The shape of the Auth0 post-login `event` object, for checking paths like
//! `user.app_metadata.org_id` at validate time. Field list: the post-login event reference
//! (<https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-event-object>).

/// How deep a known field lets a path go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A value with no known sub-fields.
    Leaf,
    /// A dictionary whose keys are the user's (metadata, query, body): anything below is allowed.
    Open,
    /// A list: an index, then anything below.
    List,
    /// A known object.
    Object(&'static [(&'static str, Shape)]),
}

use Shape::{Leaf, List, Object, Open};

const GEOIP: &[(&str, Shape)] = &[
    ("cityName", Leaf),
    ("continentCode", Leaf),
    ("countryCode", Leaf),
    ("countryCode3", Leaf),
    ("countryName", Leaf),
    ("latitude", Leaf),
    ("longitude", Leaf),
    ("subdivisionCode", Leaf),
    ("subdivisionName", Leaf),
    ("timeZone", Leaf),
];

const USER: &[(&str, Shape)] = &[
    ("user_id", Leaf),
    ("email", Leaf),
    ("email_verified", Leaf),
    ("name", Leaf),
    ("nickname", Leaf),
    ("given_name", Leaf),
    ("family_name", Leaf),
    ("picture", Leaf),
    ("phone_number", Leaf),
    ("phone_verified", Leaf),
    ("username", Leaf),
    ("created_at", Leaf),
    ("updated_at", Leaf),
    ("last_password_reset", Leaf),
    ("app_metadata", Open),
    ("user_metadata", Open),
    ("identities", List),
    ("multifactor", List),
    ("enrolledFactors", List),
];

const EVENT: &[(&str, Shape)] = &[
    ("user", Object(USER)),
    ("authorization", Object(&[("roles", List)])),
    (
        "client",
        Object(&[
            ("client_id", Leaf),
            ("name", Leaf),
            ("metadata", Open),
            ("refresh_token", Open),
        ]),
    ),
    (
        "connection",
        Object(&[
            ("id", Leaf),
            ("name", Leaf),
            ("strategy", Leaf),
            ("metadata", Open),
        ]),
    ),
    ("tenant", Object(&[("id", Leaf)])),
    (
        "transaction",
        Object(&[
            ("id", Leaf),
            ("locale", Leaf),
            ("protocol", Leaf),
            ("redirect_uri", Leaf),
            ("requested_scopes", List),
            ("response_mode", Leaf),
            ("response_type", List),
            ("state", Leaf),
            ("ui_locales", List),
            ("acr_values", List),
            ("login_hint", Leaf),
            ("prompt", List),
            ("linking_id", Leaf),
            ("requested_authorization_details", List),
            ("metadata", Open),
        ]),
    ),
    (
        "request",
        Object(&[
            ("ip", Leaf),
            ("method", Leaf),
            ("hostname", Leaf),
            ("user_agent", Leaf),
            ("language", Leaf),
            ("asn", Leaf),
            ("body", Open),
            ("query", Open),
            ("geoip", Object(GEOIP)),
        ]),
    ),
    ("stats", Object(&[("logins_count", Leaf)])),
    (
        "organization",
        Object(&[
            ("id", Leaf),
            ("name", Leaf),
            ("display_name", Leaf),
            ("metadata", Open),
        ]),
    ),
    ("resource_server", Object(&[("identifier", Leaf)])),
    ("session", Open),
    ("refresh_token", Open),
    (
        "authentication",
        Object(&[("methods", List), ("riskAssessment", Open)]),
    ),
    ("prompt", Open),
    ("custom_domain", Open),
    ("security_context", Open),
];

/// Why a path is not a post-login event path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// The segment that does not exist (0-based).
    pub segment: usize,
    /// Fields that exist at that level, for "did you mean".
    pub known: Vec<&'static str>,
}

/// Checks a dotted path (`user.app_metadata.org_id`, `authorization.roles`, `user.identities.0.provider`).
pub fn check(path: &str) -> Result<(), PathError> {
    let mut shape = Object(EVENT);
    for (i, seg) in path.split('.').enumerate() {
        shape = match shape {
            Open => return Ok(()),
            List if seg.parse::<usize>().is_ok() => Open,
            Object(fields) => match fields.iter().find(|(name, _)| *name == seg) {
                Some((_, s)) => *s,
                None => {
                    return Err(PathError {
                        segment: i,
                        known: fields.iter().map(|(n, _)| *n).collect(),
                    });
                }
            },
            Leaf | List => {
                return Err(PathError {
                    segment: i,
                    known: Vec::new(),
                });
            }
        };
        if seg.is_empty() {
            return Err(PathError {
                segment: i,
                known: Vec::new(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_paths() {
        for ok in [
            "user.user_id",
            "user.app_metadata.org.id",
            "authorization.roles",
            "user.identities.0.provider",
            "connection.name",
            "request.geoip.countryCode",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        let err = check("user.id").unwrap_err();
        assert_eq!(err.segment, 1);
        assert!(err.known.contains(&"user_id"));
        assert!(check("user.email.domain").is_err());
        assert!(check("configuration.X").is_err());
        assert!(check("user..email").is_err());
    }
}
