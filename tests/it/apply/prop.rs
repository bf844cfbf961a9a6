//! Property: from any starting tenant (another random config applied, then dashboard edits left
//! undeployed, foreign actions and bindings), applying a random config converges — the next plan
//! is empty — and leaves every foreign action and binding as it was. Drives the library directly.

use std::sync::Arc;

use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use loginflow::apply::apply;
use loginflow::pipeline::{prepare, read_and_plan};

use super::harness::*;

const POOL: [&str; 5] = ["p0", "p1", "p2", "p3", "p4"];

#[derive(Debug, Clone)]
struct Spec {
    /// Per pool action: `None` absent, else (is custom, variant, secrets mask).
    acts: Vec<Option<(bool, u8, u8)>>,
    order: Vec<usize>,
    values: (u8, u8),
    prune: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(
            prop::option::weighted(0.7, (any::<bool>(), 0u8..2, 0u8..4)),
            POOL.len(),
        ),
        Just((0..POOL.len()).collect::<Vec<_>>()).prop_shuffle(),
        (0u8..2, 0u8..2),
        any::<bool>(),
    )
        .prop_map(|(acts, order, values, prune)| Spec {
            acts,
            order,
            values,
            prune,
        })
}

fn tenant(s: &Spec) -> Tenant {
    let mut actions = Vec::new();
    for (i, a) in s.acts.iter().enumerate() {
        let Some((custom, variant, mask)) = *a else {
            continue;
        };
        let name = POOL[i];
        actions.push(if custom {
            let secrets: Vec<&str> = [(1, "S1"), (2, "S2")]
                .iter()
                .filter(|(bit, _)| mask & bit != 0)
                .map(|(_, n)| *n)
                .collect();
            Act::custom(name, &format!("variant {variant}"), &secrets)
        } else {
            Act::claims(name, &format!("v{variant}"))
        });
    }
    let mut t = Tenant::new(actions);
    t.flow = s
        .order
        .iter()
        .map(|&i| POOL[i].to_string())
        .filter(|n| t.actions.iter().any(|a| a.name() == n))
        .collect();
    t.prune = s.prune;
    t.unmanaged = Some("keep");
    t.secret("S1", &format!("one-{}", s.values.0))
        .secret("S2", &format!("two-{}", s.values.1))
}

/// Prepares the tenant file as written, connects, plans and applies as `apply` does; returns whether the report is clean and whether a
/// fresh plan afterwards is empty.
fn apply_lib(env: &Env) -> (bool, bool) {
    let file = env.file();
    env.rt.block_on(async move {
        let prepared = prepare(&file).unwrap();
        let conn = loginflow::connect::connect(&prepared.tenant).await.unwrap();
        let (live, plan) = read_and_plan(&prepared, &conn.client).await.unwrap();
        let prepared = Arc::new(prepared);
        let report = apply(prepared.clone(), &plan, &live, &conn.client).await;
        let ok = !report.failed();
        if !ok {
            eprintln!("{}", report.render());
        }
        let (_, after) = read_and_plan(&prepared, &conn.client).await.unwrap();
        if after.has_changes() {
            eprintln!("{after:#?}");
        }
        conn.close().await;
        (ok, !after.has_changes())
    })
}

/// What must not change about a foreign action.
fn foreign_view(env: &Env, name: &str) -> Value {
    let a = env.action(name);
    json!([a["id"], a["code"], a["deployed_version"]["id"], a["status"]])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, max_shrink_iters: 20, ..ProptestConfig::default() })]

    #[test]
    fn apply_converges_from_any_start(
        start in spec(),
        want in spec(),
        edits in prop::collection::vec(any::<bool>(), POOL.len()),
        foreign_bound in any::<(bool, bool)>(),
    ) {
        let env = Env::with(loginflow_emulator::EmulatorOptions {
            build_ms: 5,
            ..loginflow_emulator::EmulatorOptions::fast()
        });
        // Foreign objects: a deployed action and an undeployed draft, maybe bound.
        env.foreign("f-live", true);
        env.foreign("f-draft", false);
        if foreign_bound.0 {
            env.bind(&["f-live"]);
        }
        env.write(&tenant(&start));
        let (ok, _) = apply_lib(&env);
        prop_assert!(ok);
        // Dashboard edits, saved but not deployed, keeping the managed header.
        for (i, edit) in edits.iter().enumerate() {
            if *edit && env.action_names().iter().any(|n| n == POOL[i]) {
                let a = env.action(POOL[i]);
                let code = format!("{}\n// dashboard edit", a["code"].as_str().unwrap());
                let id = a["id"].as_str().unwrap().to_string();
                let (s, _) = env.api(Method::PATCH, &format!("/actions/actions/{id}"), Some(json!({"code": code})));
                prop_assert_eq!(s, 200);
            }
        }
        if foreign_bound.1 {
            // The dashboard puts the foreign action first, before ours.
            let mut names = vec!["f-live".to_string()];
            names.extend(env.bound_names().into_iter().filter(|n| n != "f-live"));
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            env.bind(&refs);
        }
        let foreign_before = (foreign_view(&env, "f-live"), foreign_view(&env, "f-draft"));
        let f_bound = env.bound_names().contains(&"f-live".to_string());

        env.write(&tenant(&want));
        let (ok, converged) = apply_lib(&env);
        prop_assert!(ok, "apply failed");
        prop_assert!(converged, "plan after apply is not empty");
        env.assert_safe();
        prop_assert_eq!((foreign_view(&env, "f-live"), foreign_view(&env, "f-draft")), foreign_before);
        let bound = env.bound_names();
        prop_assert_eq!(bound.contains(&"f-live".to_string()), f_bound, "foreign binding changed");
        let ours: Vec<String> = bound.into_iter().filter(|n| !n.starts_with("f-")).collect();
        prop_assert_eq!(ours, tenant(&want).flow);
    }
}
