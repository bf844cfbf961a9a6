//! The picture of the login pipeline: `loginflow graph` and the Mermaid diagram that opens the
//! markdown plan and diff.
//!
//! The Mermaid text is checked by [`check_mermaid`], a strict parser of the flowchart subset
//! loginflow writes, rather than by Mermaid itself: the `@mermaid-js/parser` package does not
//! cover flowcharts, and `mermaid.parse` needs a browser DOM (DOMPurify) that Node lacks without
//! jsdom. Anything outside the subset fails, so a change to the writer must change the checker
//! too; the snapshots pin the exact text.

use std::collections::BTreeSet;

use crate::common::{fixture, loginflow, root, texts};

/// Checks `text` is a flowchart in the subset `graph::mermaid` writes: a header, node
/// definitions with quoted labels (safe characters, `#N;` entities and `<br/>` only), edges
/// between defined nodes, and class definitions and assignments.
fn check_mermaid(text: &str) -> Result<(), String> {
    let mut lines = text.lines();
    if lines.next() != Some("flowchart LR") {
        return Err("the first line must be `flowchart LR`".into());
    }
    let mut nodes = BTreeSet::new();
    let mut reached = BTreeSet::new();
    let mut classes = BTreeSet::new();
    for (n, line) in lines.enumerate() {
        let fail = |why: &str| format!("line {}: {why}: {line:?}", n + 2);
        let Some(stmt) = line.strip_prefix("  ") else {
            return Err(fail("not indented by two spaces"));
        };
        let words: Vec<&str> = stmt.split(' ').collect();
        match words.as_slice() {
            ["classDef", name, style] => {
                let ok = style
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "#:,-".contains(c));
                if !ok {
                    return Err(fail("bad style"));
                }
                classes.insert(name.to_string());
            }
            ["classDef", name, style, dash] if style.ends_with(":4") && *dash == "4" => {
                classes.insert(name.to_string());
            }
            ["class", ids, name] => {
                if !classes.contains(*name) || !ids.split(',').all(|i| nodes.contains(i)) {
                    return Err(fail("class of an unknown node or class"));
                }
            }
            [from, "-->", to] => edge(&nodes, &mut reached, from, to).map_err(|e| fail(&e))?,
            [from, "-.", verb, ".->", to] if ["removed", "calls", "mints"].contains(verb) => {
                edge(&nodes, &mut reached, from, to).map_err(|e| fail(&e))?
            }
            _ => {
                let id = node(stmt).map_err(|e| fail(&e))?;
                if !nodes.insert(id) {
                    return Err(fail("node defined twice"));
                }
            }
        }
    }
    let unreached: Vec<_> = nodes
        .iter()
        .filter(|n| *n != "t0" && !reached.contains(*n))
        .collect();
    if unreached.is_empty() {
        Ok(())
    } else {
        Err(format!("nodes no edge reaches: {unreached:?}"))
    }
}

fn edge(
    nodes: &BTreeSet<String>,
    reached: &mut BTreeSet<String>,
    from: &str,
    to: &str,
) -> Result<(), String> {
    if !nodes.contains(from) || !nodes.contains(to) {
        return Err("edge between undefined nodes".into());
    }
    reached.insert(to.to_owned());
    Ok(())
}

/// A node definition `id(["label"])`, `id["label"]` or `id[("label")]`; returns its id.
fn node(stmt: &str) -> Result<String, String> {
    let at = stmt.find(['[', '(']).ok_or("not a statement")?;
    let (id, shape) = stmt.split_at(at);
    let id_ok = id == "t0"
        || (id.len() > 1
            && (id.starts_with('a') || id.starts_with('c'))
            && id[1..].chars().all(|c| c.is_ascii_digit()));
    if !id_ok {
        return Err("bad node id".into());
    }
    let label = [("([\"", "\"])"), ("[\"", "\"]"), ("[(\"", "\")]")]
        .iter()
        .find_map(|(open, close)| shape.strip_prefix(open)?.strip_suffix(close))
        .ok_or("bad node shape")?;
    let mut rest = label.replace("<br/>", "");
    while let Some(at) = rest.find('#') {
        let end = rest[at..].find(';').ok_or("unterminated entity")? + at;
        if end == at + 1 || !rest[at + 1..end].chars().all(|c| c.is_ascii_digit()) {
            return Err("bad entity".into());
        }
        rest.replace_range(at..=end, "");
    }
    if !rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " _.:/@+-".contains(c))
    {
        return Err("unsafe character in a label".into());
    }
    Ok(id.to_owned())
}

fn graph(file: &str, format: &str) -> String {
    let out = loginflow()
        .current_dir(root())
        .args(["graph", file, "--format", format])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stdout
}

/// The Mermaid blocks of a markdown text.
fn mermaid_blocks(md: &str) -> Vec<&str> {
    md.split("```mermaid\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect()
}

#[test]
fn every_example_graph_parses_and_the_local_one_matches_its_snapshot() {
    for path in crate::render::examples::tenant_files() {
        let file = path.strip_prefix(root()).unwrap().display().to_string();
        let text = graph(&file, "mermaid");
        check_mermaid(&text).unwrap_or_else(|e| panic!("{file}: {e}\n{text}"));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/graph");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!("local_mermaid", graph("tenants/local.yaml", "mermaid"));
        insta::assert_snapshot!("local_dot", graph("tenants/local.yaml", "dot"));
    });
}

#[test]
fn the_markdown_diff_opens_with_the_changed_flow() {
    let out = loginflow()
        .current_dir(fixture("diff"))
        .args(["diff", "staging.yaml", "prod.yaml", "--format", "markdown"])
        .output()
        .unwrap();
    let (md, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let blocks = mermaid_blocks(&md);
    assert_eq!(blocks.len(), 1, "{md}");
    let first_table = md.find("| | action |").unwrap();
    assert!(md.find("```mermaid").unwrap() < first_table, "{md}");
    check_mermaid(blocks[0]).unwrap_or_else(|e| panic!("{e}\n{}", blocks[0]));
    assert!(blocks[0].contains("a1[\"hasura-claims<br/>hasura #183; changed\"]"));
    assert!(blocks[0].contains("a3[\"crm-sync<br/>enrich #183; added\"]"));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/graph");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("staging_prod_mermaid", blocks[0]));
}

/// Names and hosts from a hostile config stay inside their labels.
#[test]
fn hostile_names_stay_inside_their_labels() {
    use loginflow::graph::{Call, CallKind, Flow, Status, Step, dot, mermaid};
    let evil = "x\"]\n  click a0 call alert()\n%%<script>`#";
    let step = |status| Step {
        name: evil.into(),
        kind: Some("claims".into()),
        status,
        calls: vec![Call {
            kind: CallKind::Backend,
            target: evil.into(),
        }],
    };
    let flow = Flow {
        trigger: "post-login".into(),
        steps: vec![step(Status::Changed), step(Status::Removed)],
    };
    let text = mermaid::render(&flow);
    check_mermaid(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(!text.contains("<script>"), "{text}");
    let d = dot::render(&flow);
    let label = r##"label="x\"]\n  click a0 call alert()\n%%<script>`#\nclaims\nchanged""##;
    assert!(d.contains(label), "{d}");
    // The checker itself refuses what Mermaid would misread.
    assert!(check_mermaid("flowchart LR\n  a0[\"x\"] --> a1\n").is_err());
    assert!(check_mermaid("flowchart LR\n  a0[\"x\"y\"]\n").is_err());
    assert!(check_mermaid("flowchart LR\n  t0([\"p\"])\n  t0 --> a9\n").is_err());
}
