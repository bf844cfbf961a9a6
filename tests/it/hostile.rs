//! Issue 20: a tenant file is untrusted input (it arrives in a pull request). Every path it names
//! stays inside the repository root, only regular files are read, every read is bounded, and no
//! diagnostic or output quotes a file that is not ours. Each case runs the real binary with
//! canary values in the environment and greps every stdout and stderr for them.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{loginflow, texts};

const CLIENT_SECRET: &str = "canary-client-secret-0b5e";
const SECRET_ENV: &str = "canary-secret-env-77c1";
const OUTSIDE: &str = "canary-outside-file-1f9a";
const TOKEN: &str = "canary-token-file-c4d2";
const CANARIES: &[&str] = &[CLIENT_SECRET, SECRET_ENV, OUTSIDE, TOKEN];

/// A temp folder holding `repo/` (with `.git`, the root) and `outside.js` / `outside/` next to it.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("templates")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        let js = format!("exports.onExecutePostLogin = async () => {{ /* {OUTSIDE} */ }};\n");
        std::fs::write(dir.path().join("outside.js"), &js).unwrap();
        std::fs::write(dir.path().join("outside/claims.js.j2"), &js).unwrap();
        std::fs::write(
            repo.join("ok.js"),
            "exports.onExecutePostLogin = async () => {};\n",
        )
        .unwrap();
        std::fs::write(repo.join(".token"), format!("{TOKEN}\nsecond line\n")).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("outside.js"), repo.join("link.js"))
                .unwrap();
            std::os::unix::fs::symlink("/proc/self/environ", repo.join("templates/claims.js.j2"))
                .unwrap();
        }
        Repo { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn outside(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Writes `t.yaml`: line 4 is `extra` (an include or templates line), line 9 the code path.
    fn tenant(&self, extra: &str, code: &str) -> PathBuf {
        let yaml = format!(
            "version: 1\ntenant:\n  domain: local\n{extra}\nsecrets:\n  S: {{ env: HOSTILE_SECRET }}\nactions:\n  legacy:\n    code: {code}\n    kind: custom\n    secrets: [S]\nflow:\n  post-login: [legacy]\n"
        );
        let path = self.root().join("t.yaml");
        std::fs::write(&path, yaml).unwrap();
        path
    }

    /// Runs loginflow in the repo with the canaries in the environment, killed after 10 s.
    fn run(&self, args: &[&str]) -> Output {
        let start = Instant::now();
        let mut child = loginflow()
            .current_dir(self.root())
            .env("AUTH0_CLIENT_ID", "id")
            .env("AUTH0_CLIENT_SECRET", CLIENT_SECRET)
            .env("HOSTILE_SECRET", SECRET_ENV)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .args(args)
            .spawn()
            .unwrap();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("`loginflow {}` ran for more than 10 s", args.join(" "));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }
}

/// Every command a pull request's CI runs on the file: each must fail with `expect` (a
/// `file:line:col: error[code]` prefix) on stderr, and print no canary anywhere.
fn assert_refused(repo: &Repo, file: &Path, expect: &str) {
    let file = file.display().to_string();
    let runs: &[&[&str]] = &[
        &["validate"],
        &["validate", "--format", "json"],
        &["plan", "--format", "human"],
        &["plan", "--format", "markdown"],
        &["plan", "--format", "json"],
        &["render"],
    ];
    for args in runs {
        let mut all: Vec<&str> = args.to_vec();
        all.push(&file);
        let out = repo.run(&all);
        let (stdout, stderr) = texts(&out);
        for canary in CANARIES {
            assert!(
                !stdout.contains(canary) && !stderr.contains(canary),
                "`{}` printed {canary}:\n{stdout}\n{stderr}",
                all.join(" ")
            );
        }
        assert_ne!(out.status.code(), Some(0), "`{}` succeeded", all.join(" "));
        let found = if args[0] == "validate" && args.contains(&"json") {
            // `t.yaml:9:11: error[code]...` → `"code": "code"` in the JSON document.
            let code = expect.split(['[', ']']).nth(1).unwrap_or(expect);
            stdout.contains(&format!("\"code\": \"{code}\""))
        } else {
            stderr.contains(expect)
        };
        assert!(
            found,
            "`{}`: expected `{expect}`:\n{stdout}\n{stderr}",
            all.join(" ")
        );
    }
}

#[test]
fn custom_code_outside_the_root_is_refused_without_leaking() {
    let repo = Repo::new();
    let outside = repo.outside("outside.js");
    for code in ["/proc/self/environ", "../outside.js", &outside, "link.js"] {
        let t = repo.tenant("", code);
        assert_refused(&repo, &t, "t.yaml:9:11: error[path-outside-root]");
    }
}

#[test]
fn includes_outside_the_root_are_refused_without_leaking() {
    let repo = Repo::new();
    let outside = repo.outside("outside.js");
    for inc in ["/proc/self/environ", "../outside.js", &outside, "link.js"] {
        let t = repo.tenant(&format!("include: [\"{inc}\"]"), "ok.js");
        assert_refused(&repo, &t, "t.yaml:4:11: error[path-outside-root]");
    }
}

#[test]
fn templates_outside_the_root_are_refused_without_leaking() {
    let repo = Repo::new();
    let outside = repo.outside("outside");
    for dir in ["../outside", outside.as_str()] {
        let t = repo.tenant(&format!("  templates: \"{dir}\""), "ok.js");
        assert_refused(&repo, &t, "t.yaml:4:14: error[path-outside-root]");
    }
    // A template override that is a symlink out of the folder (here to /proc/self/environ).
    let t = repo.tenant("  templates: templates", "ok.js");
    assert_refused(&repo, &t, "t.yaml:4:14: error[path-outside-root]");
}

#[test]
fn an_include_of_a_token_file_does_not_echo_it() {
    let repo = Repo::new();
    let t = repo.tenant("include: [.token]", "ok.js");
    assert_refused(
        &repo,
        &t,
        ".token: error[type]: file is not a loginflow file",
    );
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_quickly() {
    let repo = Repo::new();
    let fifo = repo.root().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");

    let t = repo.tenant("include: [pipe]", "ok.js");
    let out = repo.run(&["validate", &t.display().to_string()]);
    let (_, stderr) = texts(&out);
    assert!(
        stderr.contains(
            "t.yaml:4:11: error[not-a-file]: included file `pipe` cannot be used: it is a FIFO"
        ),
        "{stderr}"
    );

    let t = repo.tenant("", "pipe");
    let out = repo.run(&["validate", &t.display().to_string()]);
    let (_, stderr) = texts(&out);
    assert!(
        stderr.contains(
            "t.yaml:9:11: error[not-a-file]: code file `pipe` cannot be used: it is a FIFO"
        ),
        "{stderr}"
    );

    // `/dev/zero` as code, with the root widened to `/` so that only its type refuses it.
    let t = repo.tenant("", "/dev/zero");
    let out = repo.run(&["--root", "/", "validate", &t.display().to_string()]);
    let (_, stderr) = texts(&out);
    assert!(stderr.contains("t.yaml:9:11: error[not-a-file]: code file `/dev/zero` cannot be used: it is a character device"), "{stderr}");

    // `/dev/zero` as a mounted secret file: refused when plan reads secrets, before any request.
    let yaml = std::fs::read_to_string(&t)
        .unwrap()
        .replace("code: /dev/zero", "code: ok.js")
        .replace("{ env: HOSTILE_SECRET }", "{ mounted_file: /dev/zero }");
    std::fs::write(&t, yaml).unwrap();
    let out = repo.run(&["plan", &t.display().to_string()]);
    let (stdout, stderr) = texts(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains("file `/dev/zero` cannot be read: it is a character device"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn secret_files_outside_the_root_need_mounted_file() {
    let repo = Repo::new();
    std::fs::write(repo.dir.path().join("mounted"), SECRET_ENV).unwrap();
    let t = repo.tenant("", "ok.js");
    let yaml = std::fs::read_to_string(&t)
        .unwrap()
        .replace("{ env: HOSTILE_SECRET }", "{ file: ../mounted }");
    std::fs::write(&t, &yaml).unwrap();
    assert_refused(&repo, &t, "t.yaml:6:14: error[path-outside-root]");

    // Said explicitly, an absolute path outside the root is read (and never shown).
    let mounted = repo.outside("mounted");
    std::fs::write(
        &t,
        yaml.replace(
            "{ file: ../mounted }",
            &format!("{{ mounted_file: \"{mounted}\" }}"),
        ),
    )
    .unwrap();
    let out = repo.run(&["validate", &t.display().to_string()]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let out = repo.run(&["plan", "--format", "markdown", &t.display().to_string()]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for canary in CANARIES {
        assert!(
            !stdout.contains(canary) && !stderr.contains(canary),
            "{stdout}\n{stderr}"
        );
    }
}
