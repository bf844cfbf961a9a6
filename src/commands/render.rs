//! `loginflow render [FILE...] [--out DIR]`: the generated Actions, for review. With `--out`,
//! writes `DIR/<tenant>/<action>.js`; without, prints every action to stdout after a
//! `// ==> file` line. Secret fingerprints render as `unset`: no secret value is read.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::pipeline::load_valid;
use crate::state::build::render_all;

/// What `render` needs, resolved from the command line by `cli`.
#[derive(Debug)]
pub struct Settings {
    pub files: Vec<PathBuf>,
    /// Write `DIR/<tenant>/<action>.js` instead of printing.
    pub out: Option<PathBuf>,
}

/// Runs `render`.
pub fn run(args: &Settings) -> Result<u8> {
    let mut out = String::new();
    let mut written = 0usize;
    for file in &args.files {
        let tenant = load_valid(file)?;
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (action, _) in render_all(&tenant, None)? {
            let name = format!("{}.js", safe_file_name(&action.name));
            match &args.out {
                Some(dir) => {
                    write(&dir.join(&stem), &name, &action.code)?;
                    written += 1;
                }
                None => out.push_str(&format!("// ==> {}/{name}\n{}", stem, action.code)),
            }
        }
    }
    match &args.out {
        Some(dir) => {
            crate::output::status(&format!("wrote {written} action(s) to `{}`", dir.display()))
        }
        None => crate::output::data(&out),
    }
    Ok(0)
}

fn write(dir: &Path, name: &str, code: &str) -> Result<()> {
    let io = |action, path: PathBuf| {
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io("create", dir.to_path_buf()))?;
    let path = dir.join(name);
    std::fs::write(&path, code).map_err(io("write", path.clone()))
}

/// An action name as a file name: path separators and control characters become `_`.
pub fn safe_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() || c == ':' {
                '_'
            } else {
                c
            }
        })
        .collect();
    if s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}
