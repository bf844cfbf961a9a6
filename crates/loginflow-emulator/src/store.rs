//! The tenant's state and the Management API's rules over it: create, update, delete, deploy,
//! rollback, bindings. Handlers in `routes` parse requests and call these; every method returns
//! the response body (a view borrowing the store, see `render`) or the real API's error.

use super::build::{self, Phase};
use super::clock::Nanos;
use super::errors::ApiError;
use super::faults::hits;
use super::ids::uuid_v4;
use super::input::{ActionInput, BindingInput, Ref, SecretInput};
use super::model::{Action, Binding, Build, Secret, State, TriggerRef, Version, fingerprint};
use super::render::{self, ActionView, BindingView, VersionView};
use super::triggers::Catalogue;

/// Auth0's per-action and per-trigger limits (entity-limit policy).
const MAX_SECRETS: usize = 30;
const MAX_BINDINGS: usize = 20;
const MAX_VERSIONS: usize = 50;

/// State plus the knobs that shape builds.
#[derive(Debug)]
pub struct Store {
    pub state: State,
    pub catalogue: Catalogue,
    pub build_ms: u64,
    pub slow_builds_ms: u64,
    pub fail_builds: f64,
    builds_started: u64,
    /// Versions made by create-with-deploy, deploy and rollback since the last stats reset.
    pub versions_created: u64,
}

impl Store {
    pub fn new(state: State, build_ms: u64) -> Self {
        Store {
            state,
            catalogue: Catalogue::load(),
            build_ms,
            slow_builds_ms: 0,
            fail_builds: 0.0,
            builds_started: 0,
            versions_created: 0,
        }
    }

    fn index(&self, id: &str) -> Result<usize, ApiError> {
        self.state
            .actions
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(ApiError::action_not_found)
    }

    pub fn action(&self, id: &str) -> Result<&Action, ApiError> {
        self.index(id).map(|i| &self.state.actions[i])
    }

    fn start_build(&mut self, a: &Action, now: Nanos) -> Build {
        self.builds_started += 1;
        let fails = a.dependencies.iter().any(build::is_bad_dependency)
            || hits(self.fail_builds, self.builds_started);
        Build {
            started: now,
            duration_ms: self.build_ms + self.slow_builds_ms,
            fails,
        }
    }

    /// Checks the trigger and runtime, filling the trigger version and default runtime.
    fn check_triggers(
        &self,
        triggers: &mut [TriggerRef],
        runtime: &mut Option<String>,
    ) -> Result<(), ApiError> {
        for (i, t) in triggers.iter_mut().enumerate() {
            let path = format!("supported_triggers[{i}]");
            let Some(info) = self.catalogue.find(&t.id, &t.version) else {
                let detail = if self.catalogue.has(&t.id) {
                    format!("No enum match for: \"{}\"", t.version)
                } else {
                    format!("No enum match for: \"{}\"", t.id)
                };
                return Err(ApiError::payload(&detail, &path));
            };
            t.version = info.version.clone();
            let rt = runtime.get_or_insert_with(|| info.default_runtime.clone());
            if !info.allows(rt) {
                let mut ok: Vec<&str> = info.runtimes.iter().map(String::as_str).collect();
                if !ok.contains(&info.default_runtime.as_str()) {
                    ok.push(&info.default_runtime);
                }
                return Err(ApiError::boom(
                    400,
                    format!(
                        "Invalid runtime '{rt}' for trigger {} {}. Supported runtimes: {}.",
                        info.id,
                        info.version,
                        ok.join(", ")
                    ),
                    Some("invalid_body"),
                ));
            }
        }
        Ok(())
    }

    fn name_taken(&self, name: &str, except: &str) -> bool {
        self.state
            .actions
            .iter()
            .any(|a| a.name == name && a.id != except)
    }

    /// `POST /actions/actions`.
    pub fn create(&mut self, input: ActionInput, now: Nanos) -> Result<ActionView<'_>, ApiError> {
        let name = input.name.clone().unwrap_or_default();
        if name.is_empty() {
            return Err(ApiError::payload(
                "String is too short (0 chars), minimum 1",
                "name",
            ));
        }
        let mut triggers = input.supported_triggers.clone().unwrap_or_default();
        let mut runtime = input.runtime.clone();
        self.check_triggers(&mut triggers, &mut runtime)?;
        if self.name_taken(&name, "") {
            return Err(ApiError::duplicate_name());
        }
        let mut action = Action {
            id: uuid_v4(),
            name,
            supported_triggers: triggers,
            created_at: now,
            updated_at: now,
            code: input.code.clone().unwrap_or_default().into(),
            dependencies: input.dependencies.clone().unwrap_or_default(),
            runtime: runtime.unwrap_or_default(),
            secrets: merge_secrets(&[], input.secrets.as_deref().unwrap_or_default(), now)?,
            build: Build {
                started: now,
                duration_ms: 0,
                fails: false,
            },
            all_changes_deployed: false,
            versions: Vec::new(),
            deployed: None,
        };
        action.build = self.start_build(&action, now);
        if input.deploy {
            let built_at = build::end(&action.build);
            let v = snapshot(&action, 1, now, built_at);
            action.deployed = Some(v.id.clone());
            action.versions.push(v);
            action.all_changes_deployed = true;
            self.versions_created += 1;
        }
        let i = self.state.actions.len();
        self.state.actions.push(action);
        Ok(render::action(&self.state.actions[i], now, render::FRESH))
    }

    /// `PATCH /actions/actions/{id}`: a sent `secrets` array replaces the set.
    pub fn update(
        &mut self,
        id: &str,
        input: ActionInput,
        now: Nanos,
    ) -> Result<ActionView<'_>, ApiError> {
        let i = self.index(id)?;
        let mut a = self.state.actions[i].clone();
        if let Some(name) = input.name {
            if self.name_taken(&name, id) {
                return Err(ApiError::duplicate_name());
            }
            a.name = name;
        }
        if let Some(mut triggers) = input.supported_triggers {
            let mut runtime = Some(input.runtime.clone().unwrap_or(a.runtime.clone()));
            self.check_triggers(&mut triggers, &mut runtime)?;
            let changed = triggers
                .iter()
                .map(|t| &t.id)
                .ne(a.supported_triggers.iter().map(|t| &t.id));
            if changed && self.is_bound(id) {
                return Err(ApiError::boom(400, "can't upgrade to this trigger.", None));
            }
            a.supported_triggers = triggers;
        } else if let Some(rt) = &input.runtime {
            let mut triggers = a.supported_triggers.clone();
            self.check_triggers(&mut triggers, &mut Some(rt.clone()))?;
        }
        if let Some(rt) = input.runtime {
            a.runtime = rt;
        }
        if let Some(code) = input.code {
            a.code = code.into();
        }
        if let Some(deps) = input.dependencies {
            a.dependencies = deps;
        }
        if let Some(secrets) = input.secrets {
            a.secrets = merge_secrets(&a.secrets, &secrets, now)?;
        }
        a.updated_at = now;
        // A PATCH that leaves the draft equal to the live version keeps `all_changes_deployed`
        // (recorded by auth0-deploy-cli re-sending an unchanged action).
        a.all_changes_deployed = a.deployed_version().is_some_and(|v| same_content(&a, v));
        a.build = self.start_build(&a, now);
        self.state.actions[i] = a;
        Ok(render::action(&self.state.actions[i], now, render::FRESH))
    }

    fn is_bound(&self, id: &str) -> bool {
        self.state
            .bindings
            .values()
            .flatten()
            .any(|b| b.action_id == id)
    }

    /// `DELETE /actions/actions/{id}[?force=true]`.
    pub fn delete(&mut self, id: &str, force: bool) -> Result<(), ApiError> {
        let i = self.index(id)?;
        if self.is_bound(id) {
            if !force {
                return Err(ApiError::bound_action());
            }
            for list in self.state.bindings.values_mut() {
                list.retain(|b| b.action_id != id);
            }
        }
        self.state.actions.remove(i);
        Ok(())
    }

    /// `POST /actions/actions/{id}/deploy`: only a built draft; answers the new version.
    pub fn deploy(&mut self, id: &str, now: Nanos) -> Result<Option<VersionView<'_>>, ApiError> {
        let i = self.index(id)?;
        let a = &mut self.state.actions[i];
        if build::phase(&a.build, now) != Phase::Built {
            return Err(ApiError::not_built());
        }
        let number = a.versions.last().map_or(1, |v| v.number + 1);
        let v = snapshot(a, number, now, now);
        a.deployed = Some(v.id.clone());
        a.all_changes_deployed = true;
        a.versions.push(v);
        prune_versions(a);
        self.versions_created += 1;
        Ok(fresh(&self.state.actions[i], now))
    }

    /// `POST /actions/actions/{id}/versions/{vid}/deploy`: a new version copying `vid`.
    pub fn rollback(
        &mut self,
        id: &str,
        vid: &str,
        update_draft: bool,
        now: Nanos,
    ) -> Result<Option<VersionView<'_>>, ApiError> {
        let i = self.index(id)?;
        let a = &mut self.state.actions[i];
        let target = a
            .versions
            .iter()
            .find(|v| v.id == vid)
            .cloned()
            .ok_or_else(ApiError::version_not_found)?;
        let number = a.versions.last().map_or(1, |v| v.number + 1);
        let v = Version {
            id: uuid_v4(),
            number,
            created_at: now,
            built_at: now,
            fails: false,
            ..target
        };
        if update_draft {
            a.code = v.code.clone();
            a.dependencies = v.dependencies.clone();
            a.runtime = v.runtime.clone();
            a.secrets = v.secrets.clone();
            a.supported_triggers = v.supported_triggers.clone();
            a.build = Build {
                started: now,
                duration_ms: 0,
                fails: false,
            };
        }
        a.all_changes_deployed = update_draft;
        a.deployed = Some(v.id.clone());
        a.versions.push(v);
        prune_versions(a);
        self.versions_created += 1;
        Ok(fresh(&self.state.actions[i], now))
    }

    /// `PATCH /actions/triggers/{trigger}/bindings`: replaces the list with fresh binding ids.
    pub fn replace_bindings<'a>(
        &'a mut self,
        trigger: &'a str,
        items: Vec<BindingInput>,
        now: Nanos,
    ) -> Result<render::Bindings<'a>, ApiError> {
        if !self.catalogue.has(trigger) {
            return Err(ApiError::trigger_not_found(trigger));
        }
        if items.len() > MAX_BINDINGS {
            let detail = format!(
                "Array is too long ({}), maximum {MAX_BINDINGS}",
                items.len()
            );
            return Err(ApiError::payload(&detail, "bindings"));
        }
        let current = self
            .state
            .bindings
            .get(trigger)
            .cloned()
            .unwrap_or_default();
        let mut fresh_list = Vec::with_capacity(items.len());
        for item in items {
            let a = self.resolve(&item.reference, &current)?;
            if !a.supported_triggers.iter().any(|t| t.id == trigger) {
                return Err(ApiError::boom(
                    400,
                    format!(
                        "Action '{}' does not support the trigger '{trigger}'.",
                        a.name
                    ),
                    None,
                ));
            }
            // A `deploy: true` create is deployed only once its build has ended well; until
            // then Auth0 refuses the binding (reference: "Bind an action not yet deployed").
            let live = a
                .deployed_version()
                .is_some_and(|v| now >= v.built_at && !v.fails);
            if !live {
                return Err(ApiError::binding_not_deployed());
            }
            fresh_list.push(Binding {
                id: uuid_v4(),
                action_id: a.id.clone(),
                display_name: item.display_name.unwrap_or_else(|| a.name.clone()),
                created_at: now,
            });
        }
        self.state.bindings.insert(trigger.to_string(), fresh_list);
        Ok(render::Bindings {
            bindings: self.render_bindings(trigger, now),
        })
    }

    fn resolve(&self, r: &Ref, current: &[Binding]) -> Result<&Action, ApiError> {
        let unknown = || ApiError::boom(400, "That action does not exist.", None);
        let found = match r {
            Ref::ActionId(id) => self.state.actions.iter().find(|a| &a.id == id),
            Ref::ActionName(name) => self.state.actions.iter().find(|a| &a.name == name),
            Ref::BindingId(bid) => current
                .iter()
                .find(|b| &b.id == bid)
                .and_then(|b| self.state.actions.iter().find(|a| a.id == b.action_id)),
        };
        found.ok_or_else(unknown)
    }

    /// Renders a trigger's bindings in order, skipping any whose action vanished.
    pub fn render_bindings<'a>(&'a self, trigger: &'a str, now: Nanos) -> Vec<BindingView<'a>> {
        let list = self
            .state
            .bindings
            .get(trigger)
            .map_or(&[][..], Vec::as_slice);
        list.iter()
            .filter_map(|b| {
                let a = self.state.actions.iter().find(|a| a.id == b.action_id)?;
                Some(render::binding(b, trigger, a, now))
            })
            .collect()
    }
}

/// The answer to deploy and rollback: the newest version, `deployed: false`, no `built_at`.
/// There always is one after either; `None` would answer `null`.
fn fresh(a: &Action, now: Nanos) -> Option<VersionView<'_>> {
    a.versions.last().map(|v| render::fresh_version(v, a, now))
}

/// Whether the draft holds what version `v` holds (secret values aside: they are write-only).
fn same_content(a: &Action, v: &Version) -> bool {
    let names = |s: &[Secret]| s.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    let deps = |d: &[super::model::Dependency]| {
        d.iter()
            .map(|x| (x.name.clone(), x.version.clone()))
            .collect::<Vec<_>>()
    };
    a.code == v.code
        && a.runtime == v.runtime
        && a.supported_triggers == v.supported_triggers
        && deps(&a.dependencies) == deps(&v.dependencies)
        && names(&a.secrets) == names(&v.secrets)
}

/// A version holding the draft as it is now.
fn snapshot(a: &Action, number: u32, now: Nanos, built_at: Nanos) -> Version {
    Version {
        id: uuid_v4(),
        number,
        code: a.code.clone(),
        dependencies: a.dependencies.clone(),
        runtime: a.runtime.clone(),
        secrets: a.secrets.clone(),
        supported_triggers: a.supported_triggers.clone(),
        created_at: now,
        built_at,
        fails: a.build.fails,
    }
}

/// Keeps at most 50 versions, dropping the oldest that is not live.
fn prune_versions(a: &mut Action) {
    while a.versions.len() > MAX_VERSIONS {
        let live = a.deployed.clone();
        match a.versions.iter().position(|v| Some(&v.id) != live.as_ref()) {
            Some(i) => {
                a.versions.remove(i);
            }
            None => break,
        }
    }
}

/// Replaces the secret set: kept names stay in place, new ones are appended in request order
/// (a request of `[bar, foo]` over an existing `foo` was recorded answering `[foo, bar]`). Every
/// sent secret gets a fresh `updated_at`; one sent without `value` keeps its old value. Only the
/// values' fingerprints are kept.
fn merge_secrets(
    old: &[Secret],
    sent: &[SecretInput],
    now: Nanos,
) -> Result<Vec<Secret>, ApiError> {
    if sent.len() > MAX_SECRETS {
        let detail = format!("Array is too long ({}), maximum {MAX_SECRETS}", sent.len());
        return Err(ApiError::payload(&detail, "secrets"));
    }
    let value_of = |name: &str| {
        sent.iter().rev().find(|s| s.name == name).map(|s| {
            let previous = old
                .iter()
                .find(|o| o.name == name)
                .map(|o| o.fingerprint.clone());
            s.value
                .as_deref()
                .map(fingerprint)
                .or(previous)
                .unwrap_or_else(|| fingerprint(""))
        })
    };
    let mut out: Vec<Secret> = old
        .iter()
        .filter_map(|o| {
            value_of(&o.name).map(|fingerprint| Secret {
                name: o.name.clone(),
                fingerprint,
                updated_at: now,
            })
        })
        .collect();
    for s in sent {
        if !out.iter().any(|o| o.name == s.name) {
            let fp = value_of(&s.name).unwrap_or_default();
            out.push(Secret {
                name: s.name.clone(),
                fingerprint: fp,
                updated_at: now,
            });
        }
    }
    Ok(out)
}
