//! The state file: the tenant as JSON, rewritten after every change. Writes go to a temporary
//! file in the same directory (mode 0600, though secrets are kept as fingerprints only, see
//! [`crate::fingerprint`]), are synced, then renamed over the target, so a crash mid-write leaves
//! either the old or the new file, never a torn one.
//! Issued tokens are never saved.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::State;
use crate::error::{Error, Result};

/// The file's envelope, so that a future format can be told apart.
#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    state: State,
}

const FORMAT: &str = "loginflow-emulator-state";

/// Reads the state; a missing file is an empty tenant. A corrupt file is an error rather than
/// silently replaced, so nobody loses a tenant to a bug. The flag is true when the file may hold
/// secret values (written by a version before fingerprints): they are converted to fingerprints
/// as it loads, and the caller should rewrite the file at once so that they leave the disk.
pub fn load(path: &Path) -> Result<(State, bool)> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((State::default(), false)),
        Err(source) => {
            return Err(Error::Io {
                action: "read the emulator state file",
                path: path.into(),
                source,
            });
        }
    };
    let env: Envelope = serde_json::from_str(&text).map_err(|reason| Error::InvalidState {
        path: path.into(),
        reason,
    })?;
    if env.format != FORMAT || env.version != 1 {
        return Err(Error::UnknownState { path: path.into() });
    }
    Ok((env.state, text.contains("\"value\"")))
}

/// Serializes the state (cheap, done under the store lock) for a later [`write()`].
pub fn encode(state: &State) -> Vec<u8> {
    let env = Envelope {
        format: FORMAT.into(),
        version: 1,
        state: state.clone(),
    };
    serde_json::to_vec_pretty(&env).unwrap_or_default()
}

/// Atomically replaces `path` with `bytes`: temp file, fsync, rename.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |action: &'static str, p: &Path| {
        let p: PathBuf = p.into();
        move |source| Error::Io {
            action,
            path: p,
            source,
        }
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io("create the directory of", path))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut file = open_private(&tmp).map_err(io("create", &tmp))?;
    file.write_all(bytes).map_err(io("write", &tmp))?;
    file.sync_all().map_err(io("sync", &tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io("replace", path))
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}
