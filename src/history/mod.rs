//! The audit trail of applies kept on the tenant itself, and the rollbacks it allows.
//!
//! Every version `apply` deploys carries an apply record (`render/record.rs`). `timeline` turns
//! the versions Auth0 keeps (at most 50 per action) back into applies and rollbacks; `rollback`
//! plans and carries out the return to the state right after one of them; `format` prints
//! both; `commit` finds the git commit an apply records; `clock` writes times and apply ids.

pub mod clock;
pub mod commit;
pub mod format;
pub mod rollback;
pub mod timeline;

use crate::error::Error;
use crate::state::LiveState;
use crate::tenant::TenantClient;

use timeline::{ActionVersions, History};

/// Reads the versions of every live action `owner` manages (or only `only`), one paginated
/// `GET …/versions` each, concurrently, and builds the history: another owner's actions (another
/// tenant file on this tenant) have histories of their own.
pub async fn read(
    client: &TenantClient,
    live: &LiveState,
    owner: &str,
    only: Option<&str>,
) -> Result<History, Error> {
    let managed: Vec<(String, String)> = live
        .actions
        .iter()
        .filter(|a| a.is_ours(owner) && only.is_none_or(|n| n == a.name))
        .map(|a| (a.name.clone(), a.id.clone()))
        .collect();
    let tasks = managed.iter().map(|(name, id)| {
        let client = client.clone();
        let (name, id) = (name.clone(), id.clone());
        async move {
            let versions = client.list_versions(&id).await?;
            Ok::<_, Error>(ActionVersions { name, id, versions })
        }
    });
    let mut all = Vec::new();
    for r in crate::runtime::join_all(tasks).await {
        all.push(r??);
    }
    Ok(timeline::build(&all))
}
