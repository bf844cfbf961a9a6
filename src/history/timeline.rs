//! The applies that reached a tenant, read back from the versions Auth0 keeps of each managed
//! action (at most 50). Pure: versions in, events out.
//!
//! Every version loginflow deploys carries the record of its apply (`render/record.rs`), so a
//! version whose record is new for its action belongs to that apply. A version whose record the
//! action already had is a copy made by a version deploy (`loginflow rollback`, or
//! `apply --rollback-on-failure`): Auth0 copies the code byte for byte and no build runs, so such
//! a copy cannot carry a record of its own. Copies made close together (no other version in
//! between, within two minutes, one per action) are one rollback; its id is derived from the
//! first copy (its time, then `r` and the start of its version id), so it is the same on every
//! read, and it says which apply it returned to (the newest record among its copies).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::clock::{id_at, parse_ms, rfc3339};
use crate::render::{ApplyRecord, parse_record};
use crate::tenant::ApiVersion;

/// Auth0 keeps at most this many versions per action.
pub const MAX_VERSIONS: usize = 50;

/// Copies further apart than this are separate rollbacks.
const ROLLBACK_GAP_MS: u64 = 120_000;

/// The versions of one managed action, oldest first.
#[derive(Debug, Clone)]
pub struct ActionVersions {
    pub name: String,
    pub id: String,
    pub versions: Vec<ApiVersion>,
}

/// One version an event made live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub action: String,
    pub action_id: String,
    pub version: u64,
    pub version_id: String,
    /// The version before it (by number), when Auth0 still keeps it.
    pub previous: Option<u64>,
    #[serde(skip)]
    pub code: String,
    #[serde(skip)]
    pub previous_code: Option<String>,
}

/// One apply (or rollback) as the tenant remembers it.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: String,
    pub time: String,
    pub commit: Option<String>,
    pub file: Option<String>,
    /// For a rollback: the apply it returned to.
    pub rollback_to: Option<String>,
    /// The versions it made live, by action name.
    pub changes: Vec<Change>,
    /// Trigger → the binding order it set, as recorded.
    pub bindings: BTreeMap<String, Vec<String>>,
}

/// What Auth0 still keeps of one action.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub action: String,
    pub versions: usize,
    /// The number of the oldest version kept (1 when none was dropped).
    pub oldest: u64,
    /// Versions without a record (deployed by something else than loginflow).
    pub unrecorded: usize,
}

/// The history of a tenant.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// Newest first.
    pub events: Vec<Event>,
    pub kept: Vec<Kept>,
}

impl History {
    /// Actions whose older versions Auth0 dropped: the history does not reach past them.
    pub fn truncated(&self) -> Vec<&Kept> {
        self.kept
            .iter()
            .filter(|k| k.oldest > 1 || k.versions >= MAX_VERSIONS)
            .collect()
    }

    /// The event with this id, or why there is none.
    pub fn find(&self, id: &str) -> Result<&Event, String> {
        if let Some(e) = self.events.iter().find(|e| e.id == id) {
            return Ok(e);
        }
        let oldest = self.events.last().map(|e| e.id.as_str());
        let truncated = self.truncated();
        match oldest {
            Some(oldest) if id < oldest && !truncated.is_empty() => Err(format!(
                "apply `{id}` is older than the oldest version Auth0 keeps: it keeps at most {MAX_VERSIONS} versions per action, and dropped the oldest of {}; history reaches back to `{oldest}`",
                truncated
                    .iter()
                    .map(|k| format!("`{}`", k.action))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => Err(format!(
                "no apply `{id}` on this tenant; `loginflow history` lists them"
            )),
        }
    }
}

struct Copy {
    ms: u64,
    change: Change,
    record: ApplyRecord,
}

/// Builds the history from the versions of every managed action.
pub fn build(actions: &[ActionVersions]) -> History {
    let mut applies: BTreeMap<String, Event> = BTreeMap::new();
    let mut copies: Vec<Copy> = Vec::new();
    let mut original_times: Vec<u64> = Vec::new();
    let mut kept = Vec::new();
    for a in actions {
        let mut seen = BTreeSet::new();
        let mut unrecorded = 0;
        for (i, v) in a.versions.iter().enumerate() {
            let prev = i.checked_sub(1).and_then(|p| a.versions.get(p));
            let change = Change {
                action: a.name.clone(),
                action_id: a.id.clone(),
                version: v.number,
                version_id: v.id.clone(),
                previous: prev.map(|p| p.number),
                code: v.code.clone(),
                previous_code: prev.map(|p| p.code.clone()),
            };
            let ms = v.created_at.as_deref().and_then(parse_ms).unwrap_or(0);
            let Some(record) = parse_record(&v.code) else {
                unrecorded += 1;
                continue;
            };
            if seen.insert(record.id.clone()) {
                original_times.push(ms);
                let e = applies
                    .entry(record.id.clone())
                    .or_insert_with(|| event_of(&record, None));
                e.bindings
                    .insert(record.trigger.clone(), record.bindings.clone());
                e.changes.push(change);
            } else {
                copies.push(Copy { ms, change, record });
            }
        }
        kept.push(Kept {
            action: a.name.clone(),
            versions: a.versions.len(),
            oldest: a.versions.first().map_or(1, |v| v.number),
            unrecorded,
        });
    }
    let mut events: Vec<Event> = applies.into_values().collect();
    events.extend(rollbacks(copies, &original_times));
    for e in &mut events {
        e.changes.sort_by(|a, b| a.action.cmp(&b.action));
    }
    events.sort_by(|a, b| b.id.cmp(&a.id));
    History { events, kept }
}

fn event_of(r: &ApplyRecord, rollback_to: Option<String>) -> Event {
    Event {
        id: r.id.clone(),
        time: r.time.clone(),
        commit: r.commit.clone(),
        file: Some(r.file.clone()).filter(|f| !f.is_empty()),
        rollback_to,
        changes: Vec::new(),
        bindings: BTreeMap::new(),
    }
}

/// Groups copies into rollbacks (see the module comment).
fn rollbacks(mut copies: Vec<Copy>, original_times: &[u64]) -> Vec<Event> {
    copies.sort_by(|a, b| {
        (a.ms, &a.change.version_id, &a.change.action).cmp(&(
            b.ms,
            &b.change.version_id,
            &b.change.action,
        ))
    });
    let mut groups: Vec<Vec<Copy>> = Vec::new();
    for c in copies {
        let start_new = match groups.last().and_then(|g| g.last().map(|l| (g, l))) {
            None => true,
            Some((g, last)) => {
                g.iter().any(|x| x.change.action == c.change.action)
                    || c.ms.saturating_sub(last.ms) > ROLLBACK_GAP_MS
                    || original_times.iter().any(|t| *t > last.ms && *t <= c.ms)
            }
        };
        if start_new {
            groups.push(Vec::new());
        }
        if let Some(g) = groups.last_mut() {
            g.push(c);
        }
    }
    groups
        .into_iter()
        .filter_map(|g| {
            let first = g.first()?;
            let target = g.iter().map(|c| &c.record).max_by(|a, b| a.id.cmp(&b.id))?;
            let hex: String = first
                .change
                .version_id
                .chars()
                .filter(char::is_ascii_hexdigit)
                .take(4)
                .collect();
            let mut e = event_of(target, Some(target.id.clone()));
            e.id = id_at(first.ms, &format!("r{hex}"));
            e.time = rfc3339(first.ms);
            let mut by_trigger: BTreeMap<&str, &ApplyRecord> = BTreeMap::new();
            for c in &g {
                let slot = by_trigger.entry(&c.record.trigger).or_insert(&c.record);
                if c.record.id > slot.id {
                    *slot = &c.record;
                }
            }
            e.bindings = by_trigger
                .into_iter()
                .map(|(t, r)| (t.to_string(), r.bindings.clone()))
                .collect();
            e.changes = g.into_iter().map(|c| c.change).collect();
            Some(e)
        })
        .collect()
}

/// What the tenant looked like right after an event, as far as the versions tell.
#[derive(Debug, Clone, Default)]
pub struct StateAt {
    /// Action name → the version that was live.
    pub versions: BTreeMap<String, Change>,
    /// Trigger → binding order.
    pub bindings: BTreeMap<String, Vec<String>>,
    /// Managed actions created after it (their first version is later).
    pub created_since: Vec<String>,
    /// Managed actions whose version then is unknown (older versions dropped, or not managed
    /// by loginflow yet then).
    pub unknown: Vec<String>,
}

/// The state right after `target`.
pub fn state_at(history: &History, target: &Event) -> StateAt {
    let mut state = StateAt::default();
    // Oldest first, so later events override.
    for e in history.events.iter().rev().filter(|e| e.id <= target.id) {
        for c in &e.changes {
            let newer = state
                .versions
                .get(&c.action)
                .is_none_or(|v| c.version > v.version);
            if newer {
                state.versions.insert(c.action.clone(), c.clone());
            }
        }
        for (t, order) in &e.bindings {
            state.bindings.insert(t.clone(), order.clone());
        }
    }
    for k in &history.kept {
        if state.versions.contains_key(&k.action) {
            continue;
        }
        if k.oldest == 1 && k.unrecorded == 0 {
            state.created_since.push(k.action.clone());
        } else {
            state.unknown.push(k.action.clone());
        }
    }
    state
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::render::{ManagedHeader, with_record};

    fn code(action: &str, body: &str, apply: &str, order: &[&str]) -> String {
        let h = ManagedHeader {
            owner: crate::config::model::DEFAULT_OWNER.into(),
            action: action.into(),
            kind: "custom".into(),
            secrets: Default::default(),
        };
        let r = ApplyRecord {
            id: apply.into(),
            time: "2026-01-01T00:00:00.000Z".into(),
            commit: None,
            file: "t.yaml".into(),
            trigger: "post-login".into(),
            bindings: order.iter().map(|s| s.to_string()).collect(),
        };
        with_record(&format!("{}{body}\n", h.render()), &r)
    }

    fn v(n: u64, code: String, at: &str) -> ApiVersion {
        serde_json::from_value(serde_json::json!({
            "id": format!("abcd{n:04}-0000"), "number": n, "code": code, "created_at": at
        }))
        .unwrap()
    }

    #[test]
    fn applies_and_a_rollback() {
        const A1: &str = "20260101T000001.000Z-aaaa";
        const A2: &str = "20260101T000002.000Z-bbbb";
        let a = ActionVersions {
            name: "a".into(),
            id: "ida".into(),
            versions: vec![
                v(1, code("a", "1", A1, &["a", "b"]), "2026-01-01T00:00:01Z"),
                v(2, code("a", "2", A2, &["b", "a"]), "2026-01-01T00:00:02Z"),
                v(3, code("a", "1", A1, &["a", "b"]), "2026-01-01T00:00:05Z"),
            ],
        };
        let b = ActionVersions {
            name: "b".into(),
            id: "idb".into(),
            versions: vec![v(
                1,
                code("b", "1", A1, &["a", "b"]),
                "2026-01-01T00:00:01Z",
            )],
        };
        let h = build(&[a, b]);
        let ids: Vec<&str> = h.events.iter().map(|e| e.id.as_str()).collect();
        const RB: &str = "20260101T000005.000Z-rabcd";
        assert_eq!(ids, [RB, A2, A1]);
        let rb = h.find(RB).unwrap();
        assert_eq!(rb.rollback_to.as_deref(), Some(A1));
        assert_eq!(rb.changes.len(), 1);
        let s = state_at(&h, h.find(A1).unwrap());
        assert_eq!(s.versions["a"].version, 1);
        assert_eq!(s.versions["b"].version, 1);
        assert_eq!(s.bindings["post-login"], ["a", "b"]);
        let s = state_at(&h, h.find(A2).unwrap());
        assert_eq!(s.versions["a"].version, 2);
        assert_eq!(s.bindings["post-login"], ["b", "a"]);
        assert!(h.find("20250101T000000.000Z-0000").is_err());
    }
}
