//! SIGKILL the apply process at 20 points of multi-action applies — after the emulator has
//! received the k-th write, k = 0, 1, 2, … — then re-run: it converges, with no duplicate and no
//! binding to an undeployed action at any point.

use std::time::Duration;

use loginflow_emulator::EmulatorOptions;

use super::harness::*;

fn v1() -> Tenant {
    Tenant::new(vec![
        Act::claims("a", "1"),
        Act::custom("b", "one", &["S1"]),
        Act::claims("c", "1"),
        Act::custom("d", "one", &[]),
    ])
    .secret("S1", "s1")
}

/// From v1: 3 updates (6 writes), a create, a reorder and a prune (9 writes); back: 8 writes.
fn v2() -> Tenant {
    let mut t = Tenant::new(vec![
        Act::claims("a", "2"),
        Act::custom("b", "one", &["S1"]),
        Act::custom("d", "two", &[]),
        Act::claims("e", "1"),
    ])
    .secret("S1", "s2");
    t.flow = vec!["e".into(), "d".into(), "b".into(), "a".into()];
    t.prune = true;
    t
}

fn writes(env: &Env) -> u64 {
    env.writes().values().sum()
}

#[test]
fn killed_at_twenty_points_a_rerun_converges() {
    let env = Env::with(EmulatorOptions {
        build_ms: 60,
        latency_ms: 3,
        ..EmulatorOptions::fast()
    });
    env.write(&v1());
    env.apply_ok(&[]);
    let mut killed_mid_run = 0;
    for i in 0..20u64 {
        let target = if i % 2 == 0 { v2() } else { v1() };
        let k = i / 2;
        env.write(&target);
        env.reset_stats();
        let mut child = env.spawn_apply();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if writes(&env) >= k {
                child.kill().unwrap();
                child.wait().unwrap();
                // The operator's way out of the lock the killed run left.
                env.unlock();
                killed_mid_run += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        env.assert_safe();
        env.apply_ok(&[]);
        env.assert_safe();
        env.assert_converged();
        let mut want: Vec<String> = target
            .actions
            .iter()
            .map(|a| a.name().to_string())
            .collect();
        if i % 2 == 1 {
            want.push("e".into()); // v1 does not prune `e`
        }
        want.sort();
        assert_eq!(env.action_names(), want, "point {i}");
        assert_eq!(env.bound_names(), target.flow, "point {i}");
    }
    assert!(
        killed_mid_run >= 10,
        "only {killed_mid_run} kills landed mid-run"
    );
}
