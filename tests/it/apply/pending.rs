//! A re-run while created actions are still building: a `deploy: true` create's deployed version
//! is `pending` until its build ends, and it is not live until then. The plan says so ("building")
//! and apply waits for the build before it binds, instead of binding early (which Auth0 refuses).

use std::time::Duration;

use loginflow_emulator::EmulatorOptions;
use serde_json::Value;

use crate::common::texts;

use super::harness::*;

const CREATE: &str = "POST /api/v2/actions/actions";
const DEPLOY: &str = "POST /api/v2/actions/actions/{id}/deploy";
const BIND: &str = "PATCH /api/v2/actions/triggers/{triggerId}/bindings";

fn two() -> Tenant {
    Tenant::new(vec![Act::claims("a", "1"), Act::claims("b", "1")])
}

/// Starts an apply and kills it once its creates have reached the emulator, so that the actions
/// exist, created with `deploy: true`, and their builds are still running.
fn killed_after_creates(env: &Env) {
    env.reset_stats();
    let mut child = env.spawn_apply();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "apply finished before it was killed"
        );
        // The apply lock, then the two actions.
        if env.counts().get(CREATE).copied().unwrap_or(0) >= 3 {
            child.kill().unwrap();
            child.wait().unwrap();
            env.unlock();
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    for a in env.actions() {
        assert_eq!(a["deployed_version"]["status"], "pending", "{a}");
    }
}

#[test]
fn a_rerun_during_builds_waits_for_them_and_binds_only_live_actions() {
    let env = Env::with(EmulatorOptions {
        build_ms: 4000,
        rate_limit: None,
        ..EmulatorOptions::default()
    });
    env.write(&two());
    killed_after_creates(&env);
    assert!(env.bindings().is_empty());

    // The plan shows both actions as building, not as live.
    let out = env.run(&["plan", "tenant.yaml", "--format", "json"]);
    let (o, e) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    let doc: Value = serde_json::from_str(&o).unwrap();
    let tenant = &doc["tenants"][0];
    assert_eq!(doc["format_version"], 1);
    let actions = tenant["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{o}");
    for a in actions {
        assert_eq!(a["op"], "deploy", "{a}");
        assert_eq!(a["building"], true, "{a}");
        assert!(a["code_diff"].is_null(), "{a}");
        let notes = a["notes"].to_string();
        assert!(notes.contains("still building"), "{notes}");
    }
    assert!(
        tenant["summary"].as_str().unwrap().contains("2 building"),
        "{o}"
    );
    let out = env.run(&["plan", "tenant.yaml"]);
    let (o, _) = texts(&out);
    assert!(o.contains("building a (post-login)"), "{o}");

    // Apply waits for the builds (Auth0 deploys them itself), then binds.
    env.reset_stats();
    let e = env.apply_ok(&[]);
    assert!(e.contains("done         wait for `a` to build"), "{e}");
    assert_eq!(env.writes(), with_lock(&[(BIND, 1)]), "{e}");
    assert_eq!(env.counts().get(DEPLOY), None);
    env.assert_safe();
    env.assert_converged();
    assert_eq!(env.bound_names(), vec!["a", "b"]);
}
