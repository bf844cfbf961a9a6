//! Confined, bounded reads of the files a tenant file names: the one way the pipeline reads a
//! file (tenant files, includes, `custom` code, template overrides, secret and credential files).
//!
//! A tenant file arrives in a pull request, so every path it names is untrusted:
//! - it must resolve, symlinks followed, inside the repository root ([`Root`]); only secret and
//!   credential sources written `{ mounted_file: /abs/path }` may name a file outside it;
//! - only a regular file is read (a FIFO, device, socket, folder or `/proc` file is refused by
//!   its type, checked before opening, so nothing blocks, and again on the opened file);
//! - every read has a cap, and reads at most one byte past it, so `/dev/zero` cannot balloon.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

/// Tenant files and includes: hand-written YAML.
pub const YAML_CAP: u64 = 1024 * 1024;
/// `custom` code files. Auth0 takes 100 kB (the `code-size` check); the read cap is larger so
/// that check can say so at its position.
pub const CODE_CAP: u64 = 1024 * 1024;
/// Secret and credential files.
pub const SECRET_CAP: u64 = 64 * 1024;
/// Template overrides.
pub const TEMPLATE_CAP: u64 = 256 * 1024;

static ROOT_OVERRIDE: OnceLock<PathBuf> = OnceLock::new();

/// Sets the repository root for the whole process (`--root DIR`). The folder must exist.
pub fn set_root_override(dir: &Path) -> std::io::Result<()> {
    let dir = std::fs::canonicalize(dir)?;
    if !dir.is_dir() {
        return Err(std::io::Error::other("not a folder"));
    }
    // A second call (tests calling `cli::run` twice) keeps the first root.
    let _ = ROOT_OVERRIDE.set(dir);
    Ok(())
}

/// The folder every path a tenant file names must resolve inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root(PathBuf);

impl Root {
    /// The root for a tenant file: `--root` when given; else the nearest ancestor of the file's
    /// folder holding `.git` (a folder, or a file in a worktree); else the current directory
    /// when the file is inside it; else the file's own folder.
    pub fn for_tenant_file(file: &Path) -> Root {
        match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => Root::for_dir(p),
            _ => Root::for_dir(Path::new(".")),
        }
    }

    /// The root for a tenant file in `parent` (see [`Root::for_tenant_file`]).
    pub fn for_dir(parent: &Path) -> Root {
        if let Some(dir) = ROOT_OVERRIDE.get() {
            return Root(dir.clone());
        }
        let dir = std::fs::canonicalize(parent).unwrap_or_else(|_| absolute(parent));
        if let Some(repo) = dir
            .ancestors()
            .find(|a| std::fs::symlink_metadata(a.join(".git")).is_ok())
        {
            return Root(repo.to_path_buf());
        }
        match std::env::current_dir().and_then(std::fs::canonicalize) {
            Ok(cwd) if dir.starts_with(&cwd) => Root(cwd),
            _ => Root(dir),
        }
    }

    /// A root at `dir` (tests).
    pub fn at(dir: &Path) -> Root {
        Root(std::fs::canonicalize(dir).unwrap_or_else(|_| absolute(dir)))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.0
    }

    /// Resolves `name` (as written in a tenant file) against `base` (the folder of the file that
    /// names it) and checks that it stays inside the root, symlinks followed. A path that leaves
    /// the root on its face is refused without touching the file system.
    pub fn resolve(&self, base: &Path, name: &str) -> Result<PathBuf, ReadError> {
        let base = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        };
        let joined = absolute(base).join(name);
        let lexical = normalize(&joined);
        let base_real = std::fs::canonicalize(base).unwrap_or_else(|_| absolute(base));
        let lexical_real = normalize(&base_real.join(name));
        if !lexical.starts_with(&self.0) && !lexical_real.starts_with(&self.0) {
            return Err(ReadError::OutsideRoot {
                root: self.0.clone(),
            });
        }
        let real = match std::fs::canonicalize(&joined) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ReadError::NotFound);
            }
            Err(e) => return Err(ReadError::Io(e.to_string())),
        };
        if !real.starts_with(&self.0) {
            return Err(ReadError::OutsideRoot {
                root: self.0.clone(),
            });
        }
        Ok(real)
    }
}

/// The most files a folder walk returns, and how deep it goes: project folders a tenant file names
/// (Hasura metadata, Tinybird datafiles) are hand-kept text, not data.
pub const WALK_MAX_FILES: usize = 2000;
/// See [`WALK_MAX_FILES`].
pub const WALK_MAX_DEPTH: usize = 8;

impl Root {
    /// The regular files under `dir` (a folder already resolved inside the root) whose names end
    /// with one of `exts`, sorted. Hidden entries are skipped; an entry that resolves outside the
    /// root (a symlink) is left out; the walk stops at [`WALK_MAX_DEPTH`] and refuses a folder
    /// holding more than [`WALK_MAX_FILES`] matches.
    pub fn list_files(&self, dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, ReadError> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.walk(dir, exts, 0, &mut seen, &mut out)?;
        out.sort();
        Ok(out)
    }

    /// `seen` holds every folder entered (resolved), so a symlink loop is walked once.
    fn walk(
        &self,
        dir: &Path,
        exts: &[&str],
        depth: usize,
        seen: &mut std::collections::HashSet<PathBuf>,
        out: &mut Vec<PathBuf>,
    ) -> Result<(), ReadError> {
        let real_dir = std::fs::canonicalize(dir).map_err(|e| ReadError::Io(e.to_string()))?;
        if !seen.insert(real_dir) {
            return Ok(());
        }
        let entries = std::fs::read_dir(dir).map_err(|e| ReadError::Io(e.to_string()))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let Ok(real) = std::fs::canonicalize(entry.path()) else {
                continue;
            };
            if !real.starts_with(&self.0) {
                continue;
            }
            if real.is_dir() {
                if depth < WALK_MAX_DEPTH {
                    self.walk(&entry.path(), exts, depth + 1, seen, out)?;
                }
            } else if real.is_file() && exts.iter().any(|e| name.ends_with(e)) {
                if out.len() >= WALK_MAX_FILES {
                    let why = format!("it holds more than {WALK_MAX_FILES} such files");
                    return Err(ReadError::Io(why));
                }
                out.push(entry.path());
            }
        }
        Ok(())
    }
}

/// Why a file was not read. Never holds any of the file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    OutsideRoot {
        root: PathBuf,
    },
    /// Not a regular file: what it is instead.
    NotAFile(&'static str),
    TooLarge {
        cap: u64,
    },
    /// Read, but not UTF-8 text.
    NotText,
    Io(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("it does not exist"),
            ReadError::OutsideRoot { .. } => f.write_str("it resolves outside the repository root"),
            ReadError::NotAFile(what) => write!(f, "it is {what}, not a regular file"),
            ReadError::TooLarge { cap } => {
                write!(f, "it is larger than the {} limit", human_size(*cap))
            }
            ReadError::NotText => f.write_str("it is not UTF-8 text"),
            ReadError::Io(e) => write!(f, "it cannot be read ({e})"),
        }
    }
}

/// `1 MiB`, `64 KiB`, or bytes.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads a regular file, at most `cap` bytes. The type is checked before opening (a FIFO would
/// block `open`) and again on the opened file.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(e.to_string()),
    })?;
    check_type(path, &meta)?;
    if meta.len() > cap {
        return Err(ReadError::TooLarge { cap });
    }
    let file = File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| ReadError::Io(e.to_string()))?;
    check_type(path, &meta)?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge { cap });
    }
    Ok(bytes)
}

/// Refuses anything but a regular file, saying what it is.
pub fn check_type(path: &Path, meta: &std::fs::Metadata) -> Result<(), ReadError> {
    let ft = meta.file_type();
    if !ft.is_file() {
        return Err(ReadError::NotAFile(describe(&ft)));
    }
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if real.starts_with("/proc") || real.starts_with("/sys") {
        return Err(ReadError::NotAFile("a kernel pseudo-file (/proc or /sys)"));
    }
    Ok(())
}

fn describe(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `a/./b/../c` → `a/c`, without the file system (so a `..` after a symlink is taken lexically;
/// the canonical check after it is what decides).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn confines_and_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let root_dir = dir.path().join("repo");
        std::fs::create_dir_all(root_dir.join("sub")).unwrap();
        std::fs::write(dir.path().join("outside.js"), "x").unwrap();
        std::fs::write(root_dir.join("in.js"), "12345").unwrap();
        let root = Root::at(&root_dir);
        let sub = root_dir.join("sub");
        assert!(root.resolve(&sub, "../in.js").is_ok());
        assert!(matches!(
            root.resolve(&sub, "../../outside.js"),
            Err(ReadError::OutsideRoot { .. })
        ));
        assert!(matches!(
            root.resolve(&sub, "/etc/hostname"),
            Err(ReadError::OutsideRoot { .. })
        ));
        assert_eq!(root.resolve(&sub, "nope.js"), Err(ReadError::NotFound));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("outside.js"), sub.join("link.js")).unwrap();
            assert!(matches!(
                root.resolve(&sub, "link.js"),
                Err(ReadError::OutsideRoot { .. })
            ));
            assert_eq!(
                read_capped(Path::new("/dev/zero"), 10),
                Err(ReadError::NotAFile("a character device"))
            );
        }
        let path = root.resolve(&sub, "../in.js").unwrap();
        assert_eq!(read_capped(&path, 4), Err(ReadError::TooLarge { cap: 4 }));
        assert_eq!(read_capped(&path, 5).unwrap(), b"12345");
        assert_eq!(read_capped(&sub, 5), Err(ReadError::NotAFile("a folder")));
        assert_eq!(human_size(YAML_CAP), "1 MiB");
        // A folder walk lists matching files once, skips hidden ones and survives a loop.
        std::fs::create_dir_all(sub.join("pipes/.hidden")).unwrap();
        std::fs::write(sub.join("pipes/a.pipe"), "x").unwrap();
        std::fs::write(sub.join("pipes/.hidden/b.pipe"), "x").unwrap();
        std::fs::write(sub.join("pipes/c.txt"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&sub, sub.join("pipes/loop")).unwrap();
        let listed = root.list_files(&sub, &[".pipe"]).unwrap();
        assert_eq!(listed, [sub.join("pipes/a.pipe")]);
        assert_eq!(human_size(SECRET_CAP), "64 KiB");
    }
}
