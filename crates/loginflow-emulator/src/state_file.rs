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

/// The temporary file a write by process `pid` uses: `.NAME.tmp-PID` beside `path`.
fn temp_path(path: &Path, pid: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    state_dir(path).join(format!(".{name}.tmp-{pid}"))
}

fn state_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Removes the temporary files that killed writers left beside `path` (`.NAME.tmp-PID`): those
/// of a process that is no longer running where `/proc` tells (Linux), else those older than the
/// state file itself (every write renames its temporary file over it, so an older one was
/// abandoned). Returns the files removed; failures to list or remove are ignored (a leftover
/// file is harmless: it is never read).
pub fn remove_stale_temps(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(state_dir(path)) else {
        return Vec::new();
    };
    let proc = Path::new("/proc/self").exists();
    let state_time = fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let stale = if pid == std::process::id() {
            false
        } else if proc {
            !Path::new("/proc").join(pid.to_string()).exists()
        } else {
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            matches!((modified, state_time), (Some(m), Some(s)) if m < s)
        };
        if stale && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
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
    fs::create_dir_all(state_dir(path)).map_err(io("create the directory of", path))?;
    let tmp = temp_path(path, std::process::id());
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
