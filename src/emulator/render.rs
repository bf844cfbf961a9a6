//! JSON views of the model, with the key order and optional keys of recorded responses.
//!
//! Quirks reproduced here: `registry_url` disappears once a draft is built; versions carry
//! `built_at` except in the deploy answer; `current_version` has an UPPERCASE status and
//! `build_time`; an action embedded in a version or binding reports `updated_at` equal to
//! `created_at` and `all_changes_deployed: false`, whatever the real values.

use serde_json::{Map, Value, json};

use super::build::{self, Phase};
use super::clock::{Nanos, rfc3339};
use super::model::{Action, Binding, Dependency, Secret, Version};

/// The status forced on create/PATCH answers: Auth0 always says `pending` there.
pub const FRESH: Option<Phase> = Some(Phase::Pending);

/// The full action object. `status` overrides the computed build phase.
pub fn action(a: &Action, now: Nanos, status: Option<Phase>) -> Value {
    let phase = status.unwrap_or_else(|| build::phase(&a.build, now));
    let mut m = Map::new();
    m.insert("id".into(), json!(a.id));
    m.insert("name".into(), json!(a.name));
    m.insert("supported_triggers".into(), json!(a.supported_triggers));
    m.insert("created_at".into(), json!(rfc3339(a.created_at)));
    m.insert("updated_at".into(), json!(rfc3339(a.updated_at)));
    m.insert("code".into(), json!(a.code));
    m.insert(
        "dependencies".into(),
        dependencies(&a.dependencies, phase != Phase::Built),
    );
    m.insert("runtime".into(), json!(a.runtime));
    m.insert("status".into(), json!(phase.as_str()));
    m.insert("secrets".into(), secrets(&a.secrets));
    insert_versions(&mut m, a, now);
    m.insert("all_changes_deployed".into(), json!(a.all_changes_deployed));
    Value::Object(m)
}

fn insert_versions(m: &mut Map<String, Value>, a: &Action, now: Nanos) {
    if let Some(v) = a.current_version() {
        m.insert("current_version".into(), current_version(v, now));
    }
    if let Some(v) = a.deployed_version() {
        m.insert("deployed_version".into(), version(v, true, now, None));
    }
}

/// The action as embedded in a version (`action`) — no code, no versions.
pub fn action_stub(a: &Action) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "supported_triggers": a.supported_triggers,
        "created_at": rfc3339(a.created_at),
        "updated_at": rfc3339(a.created_at),
        "all_changes_deployed": false,
    })
}

/// The action as embedded in a binding: the stub plus its versions.
fn action_in_binding(a: &Action, now: Nanos) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(a.id));
    m.insert("name".into(), json!(a.name));
    m.insert("supported_triggers".into(), json!(a.supported_triggers));
    m.insert("created_at".into(), json!(rfc3339(a.created_at)));
    m.insert("updated_at".into(), json!(rfc3339(a.created_at)));
    insert_versions(&mut m, a, now);
    m.insert("all_changes_deployed".into(), json!(false));
    Value::Object(m)
}

fn dependencies(deps: &[Dependency], with_registry: bool) -> Value {
    Value::Array(
        deps.iter()
            .map(|d| {
                let mut m = Map::new();
                m.insert("name".into(), json!(d.name));
                m.insert("version".into(), json!(d.version));
                if let (true, Some(url)) = (with_registry, &d.registry_url) {
                    m.insert("registry_url".into(), json!(url));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

/// Secrets as `{name, updated_at}`: values are write-only.
fn secrets(list: &[Secret]) -> Value {
    Value::Array(
        list.iter()
            .map(|s| json!({ "name": s.name, "updated_at": rfc3339(s.updated_at) }))
            .collect(),
    )
}

fn version_status(v: &Version, now: Nanos) -> &'static str {
    match (now >= v.built_at, v.fails) {
        (false, _) => "pending",
        (true, false) => "built",
        (true, true) => "failed",
    }
}

/// `current_version`: not in the spec, but present in every recording once a version exists.
fn current_version(v: &Version, now: Nanos) -> Value {
    let built = now >= v.built_at;
    let mut m = Map::new();
    m.insert("id".into(), json!(v.id));
    m.insert("code".into(), json!(v.code));
    m.insert("runtime".into(), json!(v.runtime));
    m.insert(
        "status".into(),
        json!(version_status(v, now).to_ascii_uppercase()),
    );
    m.insert("number".into(), json!(v.number));
    if built {
        m.insert("build_time".into(), json!(rfc3339(v.built_at)));
    }
    m.insert("created_at".into(), json!(rfc3339(v.created_at)));
    m.insert(
        "updated_at".into(),
        json!(rfc3339(if built { v.built_at } else { v.created_at })),
    );
    Value::Object(m)
}

/// A version object. `deployed` says whether it is live; `embed` adds the `action` stub.
pub fn version(v: &Version, deployed: bool, now: Nanos, embed: Option<&Action>) -> Value {
    version_at(v, deployed, now, embed, false)
}

/// The version a deploy or rollback just created: recorded as `built` but without `built_at`.
pub fn fresh_version(v: &Version, a: &Action, now: Nanos) -> Value {
    version_at(v, false, now, Some(a), true)
}

fn version_at(
    v: &Version,
    deployed: bool,
    now: Nanos,
    embed: Option<&Action>,
    fresh: bool,
) -> Value {
    let built = !fresh && now >= v.built_at;
    let mut m = Map::new();
    m.insert("code".into(), json!(v.code));
    m.insert("dependencies".into(), dependencies(&v.dependencies, false));
    m.insert("id".into(), json!(v.id));
    m.insert("deployed".into(), json!(deployed));
    m.insert("number".into(), json!(v.number));
    if built {
        m.insert("built_at".into(), json!(rfc3339(v.built_at)));
    }
    m.insert("secrets".into(), secrets(&v.secrets));
    let status = if fresh {
        "built"
    } else {
        version_status(v, now)
    };
    m.insert("status".into(), json!(status));
    m.insert("created_at".into(), json!(rfc3339(v.created_at)));
    m.insert(
        "updated_at".into(),
        json!(rfc3339(if built { v.built_at } else { v.created_at })),
    );
    m.insert("runtime".into(), json!(v.runtime));
    m.insert("supported_triggers".into(), json!(v.supported_triggers));
    if let Some(a) = embed {
        m.insert("action".into(), action_stub(a));
    }
    Value::Object(m)
}

/// A binding with its embedded action.
pub fn binding(b: &Binding, trigger: &str, a: &Action, now: Nanos) -> Value {
    json!({
        "id": b.id,
        "trigger_id": trigger,
        "action": action_in_binding(a, now),
        "created_at": rfc3339(b.created_at),
        "updated_at": rfc3339(b.created_at),
        "display_name": b.display_name,
    })
}

/// A list body with Auth0's zero-value omission: `total` and `page` vanish when 0. A page past
/// the end was recorded without `total` although the list was not empty
/// (`{"bindings":[],"page":1,"per_page":100}`), so an empty page reports no total either.
pub fn list(key: &str, items: Vec<Value>, total: usize, page: u64, per_page: u64) -> Value {
    let mut m = Map::new();
    let empty = items.is_empty();
    m.insert(key.into(), Value::Array(items));
    if total > 0 && !empty {
        m.insert("total".into(), json!(total));
    }
    if page > 0 {
        m.insert("page".into(), json!(page));
    }
    if per_page > 0 {
        m.insert("per_page".into(), json!(per_page));
    }
    Value::Object(m)
}
