//! Rules of the outbound calls of `enrich` and `profile`: what `map[].from` reads (`.` is the
//! whole response), literal query values, and which Management API a `profile` action calls at
//! login.

use crate::config::action::ActionConfig;
use std::collections::BTreeMap;

use crate::config::kinds::{FieldMapping, RequestValue};
use crate::config::model::ConfigFile;
use crate::config::target::Target;
use crate::config::yaml_tree::escape_pointer;
use crate::diagnostics::{Code, Finding};

/// Checks every `enrich` and `profile` action.
pub fn check(cfg: &ConfigFile) -> Vec<Finding> {
    let mut out = Vec::new();
    let tenant_domain = cfg.tenant.as_ref().map(|t| t.domain.as_str());
    for (name, action) in &cfg.actions {
        let base = format!("/actions/{}", escape_pointer(name));
        match action {
            ActionConfig::Enrich(a) => {
                map_from(&a.spec.map, &base, &mut out);
                query_literals(&a.spec.query, &base, &mut out);
            }
            ActionConfig::Profile(a) => {
                map_from(&a.spec.map, &base, &mut out);
                profile_domain(a.spec.domain.as_deref(), tenant_domain, &base, &mut out);
            }
            _ => {}
        }
    }
    out
}

/// `from` is `.` (the whole response) or a dot path of non-empty keys.
fn map_from(map: &[FieldMapping], base: &str, out: &mut Vec<Finding>) {
    for (i, m) in map.iter().enumerate() {
        let ptr = format!("{base}/map/{i}/from");
        if m.from.is_empty() {
            let msg = "`from` is empty; write `.` to map the whole response";
            out.push(Finding::error(Code::MapFrom, ptr, msg).hint(Some("from: \".\"".into())));
        } else if m.from != "." && m.from.split('.').any(str::is_empty) {
            let msg = format!(
                "`from: {}` has an empty key; write a dot path such as `account.id`, or `.` for \
                 the whole response",
                m.from
            );
            out.push(Finding::error(Code::MapFrom, ptr, msg));
        }
        let targets = [&m.claim, &m.app_metadata, &m.user_metadata];
        if targets.iter().all(|t| t.is_none()) {
            let msg = format!(
                "`{}` goes nowhere: set `claim`, `app_metadata` or `user_metadata`",
                m.from
            );
            out.push(Finding::error(
                Code::MissingField,
                format!("{base}/map/{i}"),
                msg,
            ));
        }
        for (key, name) in [
            ("app_metadata", &m.app_metadata),
            ("user_metadata", &m.user_metadata),
        ] {
            if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                let msg = format!("the `{key}` key is empty");
                out.push(Finding::error(
                    Code::InvalidValue,
                    format!("{base}/map/{i}/{key}"),
                    msg,
                ));
            }
        }
    }
}

/// A literal query parameter is sent as text: only a string, number or boolean reads back the same.
fn query_literals(query: &BTreeMap<String, RequestValue>, base: &str, out: &mut Vec<Finding>) {
    for (name, v) in query {
        if let RequestValue::Literal(l) = v
            && !(l.value.is_string() || l.value.is_number() || l.value.is_boolean())
        {
            let ptr = format!("{base}/query/{}/value", escape_pointer(name));
            let msg = format!(
                "query parameter `{name}` is a literal {}; a query parameter takes a string, \
                 number or boolean",
                kind_of(&l.value)
            );
            let hint = Some("send structured values in `body` (with `method: POST`)".to_owned());
            out.push(Finding::error(Code::InvalidValue, ptr, msg).hint(hint));
        }
    }
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
        _ => "scalar",
    }
}

/// A `profile` action calls the Management API of `domain`, else of the tenant. The local
/// tenant has no such API a deployed action could reach: the domain must then be written.
fn profile_domain(domain: Option<&str>, tenant: Option<&str>, base: &str, out: &mut Vec<Finding>) {
    let hint = Some(
        "write the Auth0 domain whose users it reads, e.g. `domain: acme.eu.auth0.com`".to_owned(),
    );
    match domain {
        None if tenant == Some("local") => {
            let msg = "this `profile` action reads users through the Management API of the tenant \
                       domain, and `local` has none: set `domain` on the action";
            out.push(
                Finding::error(Code::ProfileDomain, base.to_owned(), msg)
                    .on_key()
                    .hint(hint),
            );
        }
        Some(d) => match Target::parse(d) {
            Ok(Target::Auth0 { .. } | Target::Loopback { .. }) => {}
            Ok(Target::Local) => {
                let msg = "`domain: local` is not a Management API the action can call at login";
                out.push(
                    Finding::error(Code::ProfileDomain, format!("{base}/domain"), msg).hint(hint),
                );
            }
            Err(e) => {
                let msg = format!("`{d}`: {e}");
                out.push(
                    Finding::error(Code::ProfileDomain, format!("{base}/domain"), msg).hint(hint),
                );
            }
        },
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(actions: &str, domain: &str) -> Vec<(String, String)> {
        let yaml = format!("version: 1\ntenant: {{ domain: {domain} }}\nactions:\n{actions}");
        let cfg: ConfigFile = serde_saphyr::from_str(&yaml).expect("parses");
        check(&cfg)
            .into_iter()
            .map(|f| (f.pointer, f.diag.message))
            .collect()
    }

    const PROFILE: &str = "  p: { kind: profile, client_id: c, client_secret: S, map: [{ from: groups, claim: https://a/g }] }\n";

    #[test]
    fn from_dot_is_the_whole_response_and_empty_keys_are_refused() {
        let enrich = |from: &str| {
            format!(
                "  e: {{ kind: enrich, url: \"https://b.example\", map: [{{ from: \"{from}\", claim: https://a/x }}] }}\n"
            )
        };
        assert!(findings(&enrich("."), "acme.eu.auth0.com").is_empty());
        assert!(findings(&enrich("account.id"), "acme.eu.auth0.com").is_empty());
        assert_eq!(
            findings(&enrich(""), "acme.eu.auth0.com"),
            [(
                "/actions/e/map/0/from".to_owned(),
                "`from` is empty; write `.` to map the whole response".to_owned()
            )]
        );
        let bad = findings(&enrich("account..id"), "acme.eu.auth0.com");
        assert_eq!(bad.len(), 1);
        assert!(
            bad[0].1.starts_with("`from: account..id` has an empty key"),
            "{bad:?}"
        );
    }

    #[test]
    fn a_mapping_must_go_somewhere_and_name_its_metadata_key() {
        let enrich = |m: &str| {
            format!(
                "  e: {{ kind: enrich, url: \"https://b.example\", map: [{{ from: a, {m} }}] }}\n"
            )
        };
        assert!(findings(&enrich("user_metadata: a"), "acme.eu.auth0.com").is_empty());
        assert_eq!(
            findings(&enrich("tokens: [id]"), "acme.eu.auth0.com"),
            [(
                "/actions/e/map/0".to_owned(),
                "`a` goes nowhere: set `claim`, `app_metadata` or `user_metadata`".to_owned()
            )]
        );
        assert_eq!(
            findings(&enrich("user_metadata: \" \""), "acme.eu.auth0.com"),
            [(
                "/actions/e/map/0/user_metadata".to_owned(),
                "the `user_metadata` key is empty".to_owned()
            )]
        );
    }

    #[test]
    fn literal_query_values_are_scalars() {
        let enrich = |q: &str| {
            format!(
                "  e: {{ kind: enrich, url: \"https://b.example\", query: {{ {q} }}, map: [] }}\n"
            )
        };
        let ok = "email: user.email, extended: { value: true }, v: { value: 2 }, s: { value: x }";
        assert!(findings(&enrich(ok), "acme.eu.auth0.com").is_empty());
        let bad = findings(&enrich("filter: { value: { a: 1 } }"), "acme.eu.auth0.com");
        assert_eq!(
            bad,
            [(
                "/actions/e/query/filter/value".to_owned(),
                "query parameter `filter` is a literal object; a query parameter takes a string, \
                 number or boolean"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn profile_domain_is_derived_from_a_real_tenant_and_required_on_local() {
        assert!(findings(PROFILE, "acme.eu.auth0.com").is_empty());
        assert!(findings(PROFILE, "\"http://127.0.0.1:8080\"").is_empty());
        let local = findings(PROFILE, "local");
        assert_eq!(local.len(), 1);
        assert_eq!(local[0].0, "/actions/p");
        let explicit = PROFILE.replace(
            "kind: profile,",
            "kind: profile, domain: acme.eu.auth0.com,",
        );
        assert!(findings(&explicit, "local").is_empty());
        let wrong = PROFILE.replace("kind: profile,", "kind: profile, domain: local,");
        assert_eq!(
            findings(&wrong, "acme.eu.auth0.com")[0].0,
            "/actions/p/domain"
        );
        let plain = PROFILE.replace(
            "kind: profile,",
            "kind: profile, domain: \"http://example.com\",",
        );
        assert_eq!(findings(&plain, "local")[0].0, "/actions/p/domain");
    }
}
