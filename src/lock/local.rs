//! The embedded local tenant's state file is one process's at a time: each process that opens a
//! `domain: local` tenant starts its own in-process emulator over `.loginflow/local/<tenant>.json`,
//! and two of them would each rewrite the whole file, the last dropping the other's changes. An
//! OS lock (`File::lock`: `flock` on Unix, `LockFileEx` on Windows) on a sibling `.lock` file is
//! held for the emulator's lifetime; the OS drops it when the process dies, so a killed run never
//! blocks the next. The lock file is never deleted (deleting it would let two holders in).

use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Holds the state file's lock until dropped.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    key: PathBuf,
}

/// The lock file of a state file: `tenant.json` → `tenant.json.lock`.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    state.with_file_name(name)
}

/// Takes the state file's lock, waiting up to `wait` while another process holds it.
pub async fn lock_state(state: &Path, wait: Duration) -> Result<StateLock> {
    let path = lock_path(state);
    // Two tenant files of one command on one local tenant would wait for each other forever:
    // the first holds the file until its apply ends, after every plan.
    let key = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
    if !claim(&key) {
        return Err(Error::other(
            format!(
                "the local tenant `{}` is already open in this command: two tenant files share it",
                state.display()
            ),
            Some("run one command per tenant file, or give the files different names".into()),
        ));
    }
    let locked = lock_file(state, &path, wait).await;
    if locked.is_err() {
        unclaim(&key);
    }
    locked.map(|file| StateLock { _file: file, key })
}

/// The state files this process holds, by lock path.
fn open_here() -> &'static Mutex<HashSet<PathBuf>> {
    static OPEN: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    OPEN.get_or_init(|| Mutex::new(HashSet::new()))
}

fn claim(key: &Path) -> bool {
    open_here()
        .lock()
        .map(|mut open| open.insert(key.to_path_buf()))
        .unwrap_or(true)
}

fn unclaim(key: &Path) {
    if let Ok(mut open) = open_here().lock() {
        open.remove(key);
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        unclaim(&self.key);
    }
}

async fn lock_file(state: &Path, path: &Path, wait: Duration) -> Result<File> {
    let path = path.to_path_buf();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            action: "create",
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Io {
            action: "open",
            path: path.clone(),
            source,
        })?;
    let start = Instant::now();
    let mut announced = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(source)) => {
                return Err(Error::Io {
                    action: "lock",
                    path,
                    source,
                });
            }
        }
        let waited = start.elapsed();
        if waited >= wait {
            return Err(Error::other(
                format!(
                    "the local tenant `{}` is in use by another loginflow process; waited {}",
                    state.display(),
                    super::holder::human(waited)
                ),
                Some(
                    "wait for that command to finish, or pass a longer `--lock-timeout` to apply"
                        .into(),
                ),
            ));
        }
        if !announced {
            announced = true;
            crate::output::status(&format!(
                "note: waiting up to {} for `{}`: another loginflow process has this local tenant open",
                super::holder::human(wait),
                state.display()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50).min(wait - waited)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_then_fails_and_gets_it_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("local").join("t.json");
        let first = lock_state(&state, Duration::ZERO).await.unwrap();
        let err = lock_state(&state, Duration::from_millis(120))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("already open in this command"),
            "{err}"
        );
        let path = lock_path(&state);
        let err = lock_file(&state, &path, Duration::from_millis(120))
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("in use by another loginflow process"),
            "{err}"
        );
        drop(first);
        lock_state(&state, Duration::ZERO).await.unwrap();
        assert!(lock_path(&state).ends_with("t.json.lock"));
    }
}
