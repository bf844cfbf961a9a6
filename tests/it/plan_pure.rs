//! The planner without a server: desired and live states built in code, the plan asserted, and
//! its three renderings snapshotted.

use std::collections::BTreeMap;

use loginflow::config::action::{Runtime, Trigger};
use loginflow::config::model::{DEFAULT_OWNER, UnmanagedPolicy};
use loginflow::plan::format::{human, json, markdown};
use loginflow::plan::{Op, Plan, compute};
use loginflow::state::live::LiveVersion;
use loginflow::state::{
    DesiredAction, DesiredState, LiveAction, LiveBinding, LiveState, Ownership,
};

fn code(name: &str, body: &str, fp: &str) -> String {
    format!(
        "// Managed by loginflow.\n// loginflow-managed: v1\n// action: {name}\n// secrets: {fp}\nexports.onExecutePostLogin = async (event, api) => {{\n  {body}\n}};\n"
    )
}

fn desired(name: &str, body: &str, secrets: &[(&str, &str)]) -> DesiredAction {
    let fp = secrets
        .iter()
        .map(|(n, f)| format!("{n}={f}"))
        .collect::<Vec<_>>()
        .join(", ");
    DesiredAction {
        name: name.into(),
        trigger: Trigger::PostLogin,
        runtime: Runtime::Node22,
        code: code(name, body, &fp),
        dependencies: BTreeMap::new(),
        secrets: secrets
            .iter()
            .map(|(n, f)| (n.to_string(), f.to_string()))
            .collect(),
    }
}

/// A live action deployed exactly as `d` describes, owned by loginflow.
pub fn live_of(d: &DesiredAction, id: &str) -> LiveAction {
    LiveAction {
        id: id.into(),
        name: d.name.clone(),
        trigger: "post-login".into(),
        supported_triggers: vec!["post-login".into()],
        runtime: Some("node22".into()),
        code: d.code.clone(),
        dependencies: d.dependencies.clone(),
        secret_names: d.secrets.keys().cloned().collect(),
        status: "built".into(),
        updated_at: Some("2026-11-01T10:00:00.000000000Z".into()),
        deployed: Some(LiveVersion {
            id: format!("{id}-v1"),
            number: 1,
            code: d.code.clone(),
            runtime: Some("node22".into()),
            dependencies: d.dependencies.clone(),
        }),
        building: None,
        all_changes_deployed: true,
        owner: Some(Ownership {
            owner: DEFAULT_OWNER.into(),
            action: d.name.clone(),
            secrets: d.secrets.clone(),
        }),
    }
}

fn foreign(name: &str, id: &str) -> LiveAction {
    let mut a = live_of(&desired(name, "", &[]), id);
    a.code = "exports.onExecutePostLogin = async () => {};\n".into();
    if let Some(v) = a.deployed.as_mut() {
        v.code = a.code.clone();
    }
    a.owner = None;
    a
}

fn binding(a: &LiveAction, n: usize) -> LiveBinding {
    LiveBinding {
        id: format!("b{n}"),
        action_id: a.id.clone(),
        action_name: a.name.clone(),
        display_name: a.name.clone(),
    }
}

pub fn state(actions: Vec<DesiredAction>, flow: &[&str]) -> DesiredState {
    DesiredState {
        actions: actions.into_iter().map(|a| (a.name.clone(), a)).collect(),
        bindings: [(
            Trigger::PostLogin,
            flow.iter().map(|s| s.to_string()).collect(),
        )]
        .into(),
        unmanaged: UnmanagedPolicy::Keep,
        prune: false,
        owner: DEFAULT_OWNER.into(),
        without_secret_values: false,
    }
}

pub fn live(actions: Vec<LiveAction>, bound: &[usize]) -> LiveState {
    let bindings = bound
        .iter()
        .enumerate()
        .map(|(n, i)| binding(&actions[*i], n))
        .collect();
    LiveState {
        actions,
        bindings: [("post-login".to_string(), bindings)].into(),
        lock: None,
    }
}

pub fn plan(d: &DesiredState, l: &LiveState) -> Plan {
    compute("tenants/prod.yaml", d, l).expect("plan")
}

fn ops(p: &Plan) -> Vec<(String, Op)> {
    p.actions.iter().map(|a| (a.name.clone(), a.op)).collect()
}

fn snapshot_all(name: &str, p: &Plan) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/plan");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        let plans = std::slice::from_ref(p);
        insta::assert_snapshot!(format!("{name}_human"), human::render(plans, false));
        insta::assert_snapshot!(format!("{name}_markdown"), markdown::render(plans));
        insta::assert_snapshot!(format!("{name}_json"), json::render(plans));
    });
}

#[test]
fn empty_tenant_creates_everything() {
    let d = state(
        vec![
            desired("a", "api.idToken.setCustomClaim('x', 1);", &[("K", "fp1")]),
            desired("b", "", &[]),
        ],
        &["a", "b"],
    );
    let p = plan(&d, &LiveState::default());
    assert_eq!(
        ops(&p),
        vec![("a".into(), Op::Create), ("b".into(), Op::Create)]
    );
    assert_eq!(p.bindings[0].after, vec!["a", "b"]);
    snapshot_all("create", &p);
}

#[test]
fn identical_state_has_no_changes() {
    let (a, b) = (desired("a", "1;", &[("K", "fp1")]), desired("b", "2;", &[]));
    let l = live(vec![live_of(&a, "id-a"), live_of(&b, "id-b")], &[0, 1]);
    let p = plan(&state(vec![a, b], &["a", "b"]), &l);
    assert!(!p.has_changes(), "{p:#?}");
    snapshot_all("noop", &p);
}

#[test]
fn code_change_secret_rotation_and_reorder() {
    let (a, b, c) = (
        desired("a", "old();", &[]),
        desired("b", "2;", &[("K", "fp-old")]),
        desired("c", "3;", &[]),
    );
    let l = live(
        vec![
            live_of(&a, "id-a"),
            live_of(&b, "id-b"),
            live_of(&c, "id-c"),
        ],
        &[0, 1, 2],
    );
    let d = state(
        vec![
            desired("a", "new();", &[]),
            desired("b", "2;", &[("K", "fp-new")]),
            c,
        ],
        &["c", "a", "b"],
    );
    let p = plan(&d, &l);
    assert_eq!(
        ops(&p),
        vec![("a".into(), Op::Update), ("b".into(), Op::Update)]
    );
    assert!(
        p.actions[0]
            .code_diff
            .as_deref()
            .is_some_and(|d| d.contains("-  old();") && d.contains("+  new();"))
    );
    assert_eq!(p.actions[1].secrets.changed, vec!["K"]);
    assert!(
        !p.actions[0].secrets.any(),
        "unchanged secrets are not re-sent"
    );
    assert_eq!(
        (p.bindings[0].before.clone(), p.bindings[0].after.clone()),
        (
            vec!["a".into(), "b".into(), "c".into()],
            vec!["c".into(), "a".into(), "b".into()]
        )
    );
    snapshot_all("update", &p);
}

#[test]
fn undeployed_draft_and_dashboard_edit() {
    let (a, b) = (desired("a", "1;", &[]), desired("b", "2;", &[]));
    let mut la = live_of(&a, "id-a");
    la.deployed = None;
    la.all_changes_deployed = false;
    let mut lb = live_of(&b, "id-b");
    lb.code = "edited_in_dashboard();".into();
    lb.all_changes_deployed = false;
    let p = plan(&state(vec![a, b], &["a", "b"]), &live(vec![la, lb], &[]));
    assert_eq!(
        ops(&p),
        vec![("a".into(), Op::Deploy), ("b".into(), Op::Update)]
    );
    assert!(
        p.actions[1]
            .notes
            .iter()
            .any(|n| n.contains("undeployed edits"))
    );
}

#[test]
fn unmanaged_bindings_follow_the_policy() {
    let a = desired("a", "1;", &[]);
    let l = live(
        vec![
            foreign("f1", "id-f1"),
            live_of(&a, "id-a"),
            foreign("f2", "id-f2"),
        ],
        &[0, 1, 2],
    );
    let mut d = state(vec![a.clone(), desired("n", "new;", &[])], &["a", "n"]);
    let p = plan(&d, &l);
    assert_eq!(
        p.bindings[0].after,
        vec!["f1", "a", "n", "f2"],
        "keep: foreign stay around ours"
    );
    assert_eq!(p.unowned.len(), 2);
    assert!(p.unowned.iter().all(|u| u.bound));
    snapshot_all("foreign_keep", &p);

    d.unmanaged = UnmanagedPolicy::Remove;
    let p = plan(&d, &l);
    assert_eq!(p.bindings[0].after, vec!["a", "n"]);
    assert!(p.unowned.iter().all(|u| !u.bound));
    assert!(
        ops(&p).iter().all(|(n, _)| !n.starts_with('f')),
        "foreign actions are never changed"
    );

    d.unmanaged = UnmanagedPolicy::Error;
    assert!(compute("t", &d, &l).is_err());
}

#[test]
fn removed_actions_are_kept_unless_pruning() {
    let (a, gone) = (desired("a", "1;", &[]), desired("gone", "x;", &[]));
    let l = live(
        vec![live_of(&a, "id-a"), live_of(&gone, "id-gone")],
        &[0, 1],
    );
    let mut d = state(vec![a], &["a"]);
    let p = plan(&d, &l);
    assert_eq!(p.kept, vec!["gone"]);
    assert!(p.actions.is_empty());
    snapshot_all("kept", &p);
    assert_eq!(
        p.bindings[0].after,
        vec!["a"],
        "no longer in the flow: unbound"
    );
    d.prune = true;
    let p = plan(&d, &l);
    assert_eq!(ops(&p), vec![("gone".into(), Op::Delete)]);
    snapshot_all("prune", &p);
}

#[test]
fn same_name_unowned_is_adopted_and_duplicates_refused() {
    let a = desired("legacy", "1;", &[]);
    let l = live(vec![foreign("legacy", "id-l")], &[0]);
    let p = plan(&state(vec![a.clone()], &["legacy"]), &l);
    assert_eq!(ops(&p), vec![("legacy".into(), Op::Adopt)]);
    assert!(p.bindings.is_empty(), "already bound in the right place");

    let l = live(
        vec![foreign("legacy", "id-1"), foreign("legacy", "id-2")],
        &[],
    );
    let err = compute("t", &state(vec![a], &["legacy"]), &l).unwrap_err();
    assert!(
        err[0]
            .to_string()
            .contains("2 actions named `legacy` (ids id-1, id-2)")
    );
}

#[test]
fn markdown_stays_under_the_limit() {
    let big: String = (0..2000).map(|i| format!("line{i}();\n")).collect();
    let actions: Vec<DesiredAction> = (0..40)
        .map(|i| desired(&format!("a{i:02}"), &big, &[]))
        .collect();
    let names: Vec<String> = actions.iter().map(|a| a.name.clone()).collect();
    let flow: Vec<&str> = names.iter().map(String::as_str).collect();
    let p = plan(&state(actions, &flow), &LiveState::default());
    let md = markdown::render(std::slice::from_ref(&p));
    assert!(md.len() <= markdown::GITHUB_LIMIT, "{}", md.len());
    assert!(md.contains("40 to create"));
    assert!(md.contains("were left out to stay under GitHub's comment size limit"));
}

/// A live action of another owner (another tenant file on the tenant): managed, but not ours.
fn of_owner(d: &DesiredAction, id: &str, owner: &str) -> LiveAction {
    let mut a = live_of(d, id);
    if let Some(o) = a.owner.as_mut() {
        o.owner = owner.into();
    }
    a
}

/// Team B's actions seen from team A's file: never updated, adopted, pruned or unbound, whatever
/// the policy, and shown as foreign with their owner.
#[test]
fn another_owners_actions_are_foreign() {
    let a = desired("a", "1;", &[]);
    let (b1, b2) = (desired("b1", "b;", &[]), desired("b2", "b;", &[]));
    let gone = desired("gone", "x;", &[]);
    let l = live(
        vec![
            live_of(&a, "id-a"),
            of_owner(&b1, "id-b1", "team-b"),
            of_owner(&b2, "id-b2", "team-b"),
            live_of(&gone, "id-gone"),
            foreign("f", "id-f"),
        ],
        &[1, 0, 3, 4, 2],
    );
    let mut d = state(vec![a.clone(), desired("n", "new;", &[])], &["a", "n"]);
    d.prune = true;
    let p = plan(&d, &l);
    assert_eq!(
        ops(&p),
        vec![("n".into(), Op::Create), ("gone".into(), Op::Delete)],
        "only our own action is pruned"
    );
    assert_eq!(p.bindings[0].after, vec!["b1", "a", "n", "f", "b2"]);
    let owners: Vec<(&str, Option<&str>)> = p
        .unowned
        .iter()
        .map(|u| (u.name.as_str(), u.owner.as_deref()))
        .collect();
    assert_eq!(
        owners,
        vec![("b1", Some("team-b")), ("b2", Some("team-b")), ("f", None)]
    );
    snapshot_all("foreign_owner", &p);

    d.unmanaged = UnmanagedPolicy::Remove;
    let p = plan(&d, &l);
    assert_eq!(
        p.bindings[0].after,
        vec!["b1", "a", "n", "b2"],
        "remove unbinds the unmanaged action only"
    );
    assert!(p.unowned.iter().all(|u| u.bound == u.owner.is_some()));

    d.unmanaged = UnmanagedPolicy::Error;
    let err = compute("t", &d, &l).unwrap_err();
    assert_eq!(
        err[0].to_string(),
        "trigger `post-login` has bound actions loginflow does not manage (`b1` of owner `team-b`, `f`, `b2` of owner `team-b`) and `flow.unmanaged` is `error`"
    );
}

/// Two owners claiming one action name: a plan error naming both.
#[test]
fn two_owners_claiming_one_name_is_an_error() {
    let b1 = desired("b1", "b;", &[]);
    let l = live(vec![of_owner(&b1, "id-b1", "team-b")], &[0]);
    let mut d = state(vec![b1], &["b1"]);
    d.owner = "team-a".into();
    let err = compute("t", &d, &l).unwrap_err();
    assert_eq!(
        err.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![
            "action `b1` is managed by owner `team-b` (another tenant file on this tenant), and this file (owner `team-a`) declares it too; rename it in one of the two files"
        ]
    );
}

/// An action rendered with a real managed header, its secrets' fingerprints as given.
fn headed(name: &str, body: &str, secrets: &[(&str, &str)]) -> DesiredAction {
    let header = loginflow::render::ManagedHeader {
        owner: DEFAULT_OWNER.into(),
        action: name.into(),
        kind: "custom".into(),
        secrets: secrets
            .iter()
            .map(|(n, f)| (n.to_string(), f.to_string()))
            .collect(),
    };
    DesiredAction {
        code: format!("{}{body}\n", header.render()),
        ..desired(name, body, secrets)
    }
}

/// `plan --no-secret-values`: code is compared with the live fingerprints, no secret counts as
/// changed, and every action's unread secrets are listed.
#[test]
fn without_secret_values_code_is_compared_modulo_fingerprints() {
    let live_b = live_of(&headed("b", "2;", &[("K", "fp-live-b")]), "id-b");
    let live_c = live_of(&headed("c", "3;", &[("K", "fp-live-c")]), "id-c");
    let l = live(vec![live_b, live_c], &[0, 1]);
    let mut d = state(
        vec![
            headed("a", "1;", &[("K", "unset")]),
            headed("b", "2;", &[("K", "unset")]),
            headed("c", "4;", &[("K", "unset")]),
        ],
        &["b", "c", "a"],
    );
    d.without_secret_values = true;
    let p = plan(&d, &l);
    assert_eq!(
        ops(&p),
        vec![("a".into(), Op::Create), ("c".into(), Op::Update)]
    );
    let c_diff = p.actions[1].code_diff.as_deref().unwrap();
    let secrets_changed = c_diff.lines().any(|l| l.starts_with("+// secrets"));
    assert!(c_diff.contains("+4;") && !secrets_changed, "{c_diff}");
    assert!(!p.actions[1].secrets.any(), "no value, no secret change");
    let listed: Vec<&str> = p.not_compared.keys().map(String::as_str).collect();
    assert_eq!(listed, ["a", "b", "c"]);
    snapshot_all("blind", &p);
    // With the values read, the same desired state is a secret change of b and c.
    d.without_secret_values = false;
    let p = plan(&d, &l);
    assert_eq!(p.actions.len(), 3, "{:?}", ops(&p));
    assert!(p.not_compared.is_empty());
}
