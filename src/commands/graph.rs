//! `loginflow graph FILE [--format mermaid|dot]`: the tenant file's login pipeline, per trigger
//! it binds: the actions in execution order and what each calls, for docs. Offline, like
//! `render`: no tenant, no secret value.

use std::path::PathBuf;

use crate::error::Result;
use crate::graph::{TriggerOrder, dot, flows, mermaid};
use crate::pipeline::load_valid;
use crate::render::config::read_config;
use crate::state::build::desired;

/// What `graph` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub file: PathBuf,
    pub format: Format,
}

/// The diagram language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

/// Runs `graph`: one diagram per trigger, separated by a blank line.
pub fn run(args: &Settings) -> Result<u8> {
    let tenant = load_valid(&args.file)?;
    let desired = desired(&tenant, None)?;
    let orders: Vec<TriggerOrder> = desired
        .bindings
        .iter()
        .map(|(t, list)| TriggerOrder {
            trigger: t.id(),
            before: list,
            after: list,
        })
        .collect();
    let config = |name: &str| {
        let action = desired.actions.get(name)?;
        read_config(&action.code)
    };
    let domain = tenant
        .config
        .tenant
        .as_ref()
        .map_or("", |t| t.domain.as_str());
    let diagrams: Vec<String> = flows(&orders, &|_| false, &config, domain)
        .iter()
        .map(|f| match args.format {
            Format::Mermaid => mermaid::render(f),
            Format::Dot => dot::render(f),
        })
        .collect();
    crate::output::data(&diagrams.join("\n"));
    Ok(0)
}
