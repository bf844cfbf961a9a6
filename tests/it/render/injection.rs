//! Hostile claim names and values render, parse, run, and set exactly those values.

use serde_json::{Value, json};

use super::support::*;

const NASTY: &[&str] = &[
    "quote \" and ' single",
    "back\\slash \\\" \\u0041",
    "back`tick` ${process.exit(1)} `${1+1}`",
    "</script><script>alert(1)</script><!--",
    "line\u{2028}separator\u{2029}paragraph",
    "new\nline\r\ttab \u{0} nul",
    "emoji 🎉👩‍💻 and שלום עולם \u{202E}rtl",
    "*/ exports.onExecutePostLogin = () => { throw 1 } /*",
];

#[test]
fn hostile_names_and_values_are_set_exactly() {
    let claims: Vec<Value> = NASTY
        .iter()
        .enumerate()
        .map(|(i, s)| json!({ "name": format!("https://acme.example.com/{i}/{s}"), "value": s, "tokens": ["id"] }))
        .chain([json!({ "name": "https://acme.example.com/nested", "value": { "k\"ey": NASTY }, "tokens": ["id"] })])
        .collect();
    let config = json!({ "kind": "claims", "claims": claims, "deny_message": NASTY[3] });
    let action: loginflow::config::ActionConfig = serde_json::from_value(config).expect("config");
    let rendered = render_config("evil\u{2028}name \" */", &action);
    node_check(&rendered.code);
    assert!(!rendered.code.contains("</script>"));
    assert!(!rendered.code.contains('\u{2028}') && !rendered.code.contains('\u{2029}'));
    let header = loginflow::render::parse_header(&rendered.code).expect("header");
    assert_eq!(header.action, "evil\u{2028}name \" */");
    let r = run_one(&rendered, case("nasty", event(), &[], vec![]));
    let mut expected = serde_json::Map::new();
    for (i, s) in NASTY.iter().enumerate() {
        expected.insert(format!("https://acme.example.com/{i}/{s}"), json!(s));
    }
    expected.insert(
        "https://acme.example.com/nested".into(),
        json!({ "k\"ey": NASTY }),
    );
    assert_eq!(Value::Object(r.id_token), Value::Object(expected));
    assert!(r.logs.is_empty() && !r.denied, "{:?}", r.logs);
}

#[test]
fn hostile_event_paths_cannot_reach_prototypes() {
    let action = render(
        "p",
        "kind: claims\nclaims:\n  - { name: https://a.example.com/p, path: user.__proto__.toString, default: safe }\n  - { name: https://a.example.com/c, path: user.constructor.name, default: safe }\n",
    );
    let r = run_one(&action, case("proto", event(), &[], vec![]));
    assert_eq!(r.id_token["https://a.example.com/p"], json!("safe"));
    assert_eq!(r.id_token["https://a.example.com/c"], json!("safe"));
}
