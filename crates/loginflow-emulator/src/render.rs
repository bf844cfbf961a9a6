//! JSON views of the model, with the key order and optional keys of recorded responses.
//!
//! Each view borrows from the model and derives `Serialize`: field order is key order, and a key
//! Auth0 omits is an `Option` skipped when `None`. Handlers serialize views straight into the
//! response bytes while they hold the store, with no `serde_json::Value` tree in between, and
//! every code field is written from the JSON literal its [`Code`](super::model::Code) keeps:
//! a list carries each action's code three times, and escaping that JavaScript again for every
//! response (after copying it into a `Value`) was the largest cost of listing a real tenant.
//!
//! Quirks reproduced here: `registry_url` disappears once a draft is built; versions carry
//! `built_at` except in the deploy answer; `current_version` has an UPPERCASE status and
//! `build_time`; an action embedded in a version or binding reports `updated_at` equal to
//! `created_at` and `all_changes_deployed: false`, whatever the real values.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use serde_json::value::RawValue;

use super::build::{self, Phase};
use super::clock::{Nanos, Rfc3339};
use super::model::{Action, Binding, Dependency, Secret, TriggerRef, Version};

/// The status forced on create/PATCH answers: Auth0 always says `pending` there.
pub const FRESH: Option<Phase> = Some(Phase::Pending);

/// The full action object.
#[derive(Serialize)]
pub struct ActionView<'a> {
    id: &'a str,
    name: &'a str,
    supported_triggers: &'a [TriggerRef],
    created_at: Rfc3339,
    updated_at: Rfc3339,
    code: &'a RawValue,
    dependencies: Dependencies<'a>,
    runtime: &'a str,
    status: &'static str,
    secrets: Secrets<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_version: Option<CurrentVersion<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployed_version: Option<VersionView<'a>>,
    all_changes_deployed: bool,
}

/// The full action object. `status` overrides the computed build phase.
pub fn action(a: &Action, now: Nanos, status: Option<Phase>) -> ActionView<'_> {
    let phase = status.unwrap_or_else(|| build::phase(&a.build, now));
    let (current_version, deployed_version) = versions_of(a, now);
    ActionView {
        id: &a.id,
        name: &a.name,
        supported_triggers: &a.supported_triggers,
        created_at: Rfc3339(a.created_at),
        updated_at: Rfc3339(a.updated_at),
        code: a.code.literal(),
        dependencies: Dependencies {
            list: &a.dependencies,
            with_registry: phase != Phase::Built,
        },
        runtime: &a.runtime,
        status: phase.as_str(),
        secrets: Secrets(&a.secrets),
        current_version,
        deployed_version,
        all_changes_deployed: a.all_changes_deployed,
    }
}

/// `current_version` and `deployed_version`, each present once such a version exists.
fn versions_of(a: &Action, now: Nanos) -> (Option<CurrentVersion<'_>>, Option<VersionView<'_>>) {
    (
        a.current_version().map(|v| current_version(v, now)),
        a.deployed_version().map(|v| version(v, true, now, None)),
    )
}

/// The action as embedded in a version (`action`): no code, no versions.
#[derive(Serialize)]
struct ActionStub<'a> {
    id: &'a str,
    name: &'a str,
    supported_triggers: &'a [TriggerRef],
    created_at: Rfc3339,
    updated_at: Rfc3339,
    all_changes_deployed: bool,
}

fn action_stub(a: &Action) -> ActionStub<'_> {
    ActionStub {
        id: &a.id,
        name: &a.name,
        supported_triggers: &a.supported_triggers,
        created_at: Rfc3339(a.created_at),
        updated_at: Rfc3339(a.created_at),
        all_changes_deployed: false,
    }
}

/// The action as embedded in a binding: the stub plus its versions, which go before
/// `all_changes_deployed`.
#[derive(Serialize)]
struct ActionInBinding<'a> {
    id: &'a str,
    name: &'a str,
    supported_triggers: &'a [TriggerRef],
    created_at: Rfc3339,
    updated_at: Rfc3339,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_version: Option<CurrentVersion<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployed_version: Option<VersionView<'a>>,
    all_changes_deployed: bool,
}

fn action_in_binding(a: &Action, now: Nanos) -> ActionInBinding<'_> {
    let (current_version, deployed_version) = versions_of(a, now);
    ActionInBinding {
        id: &a.id,
        name: &a.name,
        supported_triggers: &a.supported_triggers,
        created_at: Rfc3339(a.created_at),
        updated_at: Rfc3339(a.created_at),
        current_version,
        deployed_version,
        all_changes_deployed: false,
    }
}

/// Dependencies as `{name, version[, registry_url]}`; the URL only while `with_registry`.
struct Dependencies<'a> {
    list: &'a [Dependency],
    with_registry: bool,
}

#[derive(Serialize)]
struct DependencyView<'a> {
    name: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    registry_url: Option<&'a str>,
}

impl Serialize for Dependencies<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.list.iter().map(|d| DependencyView {
            name: &d.name,
            version: &d.version,
            registry_url: d.registry_url.as_deref().filter(|_| self.with_registry),
        }))
    }
}

/// Secrets as `{name, updated_at}`: values are write-only.
struct Secrets<'a>(&'a [Secret]);

#[derive(Serialize)]
struct SecretView<'a> {
    name: &'a str,
    updated_at: Rfc3339,
}

impl Serialize for Secrets<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|x| SecretView {
            name: &x.name,
            updated_at: Rfc3339(x.updated_at),
        }))
    }
}

/// A version's build status at `now`: as versions report it, and as `current_version` does.
fn version_status(v: &Version, now: Nanos) -> (&'static str, &'static str) {
    match (now >= v.built_at, v.fails) {
        (false, _) => ("pending", "PENDING"),
        (true, false) => ("built", "BUILT"),
        (true, true) => ("failed", "FAILED"),
    }
}

/// `current_version`: not in the spec, but present in every recording once a version exists.
#[derive(Serialize)]
struct CurrentVersion<'a> {
    id: &'a str,
    code: &'a RawValue,
    runtime: &'a str,
    status: &'static str,
    number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    build_time: Option<Rfc3339>,
    created_at: Rfc3339,
    updated_at: Rfc3339,
}

fn current_version(v: &Version, now: Nanos) -> CurrentVersion<'_> {
    let built = now >= v.built_at;
    CurrentVersion {
        id: &v.id,
        code: v.code.literal(),
        runtime: &v.runtime,
        status: version_status(v, now).1,
        number: v.number,
        build_time: built.then_some(Rfc3339(v.built_at)),
        created_at: Rfc3339(v.created_at),
        updated_at: Rfc3339(if built { v.built_at } else { v.created_at }),
    }
}

/// A version object.
#[derive(Serialize)]
pub struct VersionView<'a> {
    code: &'a RawValue,
    dependencies: Dependencies<'a>,
    id: &'a str,
    deployed: bool,
    number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    built_at: Option<Rfc3339>,
    secrets: Secrets<'a>,
    status: &'static str,
    created_at: Rfc3339,
    updated_at: Rfc3339,
    runtime: &'a str,
    supported_triggers: &'a [TriggerRef],
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<ActionStub<'a>>,
}

/// A version object. `deployed` says whether it is live; `embed` adds the `action` stub.
pub fn version<'a>(
    v: &'a Version,
    deployed: bool,
    now: Nanos,
    embed: Option<&'a Action>,
) -> VersionView<'a> {
    version_at(v, deployed, now, embed, false)
}

/// The version a deploy or rollback just created: recorded as `built` but without `built_at`.
pub fn fresh_version<'a>(v: &'a Version, a: &'a Action, now: Nanos) -> VersionView<'a> {
    version_at(v, false, now, Some(a), true)
}

fn version_at<'a>(
    v: &'a Version,
    deployed: bool,
    now: Nanos,
    embed: Option<&'a Action>,
    fresh: bool,
) -> VersionView<'a> {
    let built = !fresh && now >= v.built_at;
    VersionView {
        code: v.code.literal(),
        dependencies: Dependencies {
            list: &v.dependencies,
            with_registry: false,
        },
        id: &v.id,
        deployed,
        number: v.number,
        built_at: built.then_some(Rfc3339(v.built_at)),
        secrets: Secrets(&v.secrets),
        status: if fresh {
            "built"
        } else {
            version_status(v, now).0
        },
        created_at: Rfc3339(v.created_at),
        updated_at: Rfc3339(if built { v.built_at } else { v.created_at }),
        runtime: &v.runtime,
        supported_triggers: &v.supported_triggers,
        action: embed.map(action_stub),
    }
}

/// A binding object, as listed and as answered to `PATCH …/bindings`.
#[derive(Serialize)]
pub struct BindingView<'a> {
    id: &'a str,
    trigger_id: &'a str,
    action: ActionInBinding<'a>,
    created_at: Rfc3339,
    updated_at: Rfc3339,
    display_name: &'a str,
}

/// A binding with its embedded action.
pub fn binding<'a>(b: &'a Binding, trigger: &'a str, a: &'a Action, now: Nanos) -> BindingView<'a> {
    BindingView {
        id: &b.id,
        trigger_id: trigger,
        action: action_in_binding(a, now),
        created_at: Rfc3339(b.created_at),
        updated_at: Rfc3339(b.created_at),
        display_name: &b.display_name,
    }
}

/// The answer to `PATCH …/bindings`: the new list, unpaginated.
#[derive(Serialize)]
pub struct Bindings<'a> {
    pub bindings: Vec<BindingView<'a>>,
}

/// A list body with Auth0's zero-value omission: `total` and `page` vanish when 0. A page past
/// the end was recorded without `total` although the list was not empty
/// (`{"bindings":[],"page":1,"per_page":100}`), so an empty page reports no total either.
pub struct List<T> {
    key: &'static str,
    items: Vec<T>,
    total: usize,
    page: u64,
    per_page: u64,
}

/// The list body `{key: items, total?, page?, per_page?}`.
pub fn list<T: Serialize>(
    key: &'static str,
    items: Vec<T>,
    total: usize,
    page: u64,
    per_page: u64,
) -> List<T> {
    List {
        key,
        items,
        total,
        page,
        per_page,
    }
}

impl<T: Serialize> Serialize for List<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("List", 4)?;
        m.serialize_field(self.key, &self.items)?;
        if self.total > 0 && !self.items.is_empty() {
            m.serialize_field("total", &self.total)?;
        }
        if self.page > 0 {
            m.serialize_field("page", &self.page)?;
        }
        if self.per_page > 0 {
            m.serialize_field("per_page", &self.per_page)?;
        }
        m.end()
    }
}
