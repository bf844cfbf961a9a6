//! Reads the live state of a tenant with the fewest requests the API allows: the actions list by
//! pages of 100, and the bindings of each trigger the config manages, fetched concurrently.

use crate::config::action::Trigger;
use crate::error::Error;
use crate::tenant::TenantClient;

use super::live::{LiveAction, LiveBinding, LiveState, Ownership};

/// Reads actions and the bindings of `triggers`; `owner` reads the managed header.
pub async fn read(
    client: &TenantClient,
    triggers: &[Trigger],
    owner: fn(&str) -> Option<Ownership>,
) -> Result<LiveState, Error> {
    let mut tasks = tokio::task::JoinSet::new();
    for t in triggers {
        let (client, id) = (client.clone(), t.id().to_string());
        tasks.spawn(async move {
            let list = client.list_bindings(&id).await;
            (id, list)
        });
    }
    let actions = client.list_actions().await;
    let mut state = LiveState::default();
    while let Some(joined) = tasks.join_next().await {
        let (trigger, list) =
            joined.map_err(|e| Error::other(format!("reading bindings failed: {e}"), None))?;
        let list = list?;
        state
            .bindings
            .insert(trigger, list.iter().map(LiveBinding::from_api).collect());
    }
    for a in actions? {
        let a = LiveAction::from_api(a, owner);
        if a.name == crate::lock::LOCK_ACTION {
            state.lock = Some(a);
        } else {
            state.actions.push(a);
        }
    }
    state
        .actions
        .sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(state)
}
