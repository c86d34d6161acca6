//! The real binary where things go wrong: a log file or data dir it cannot write, a damaged
//! store, hostile text in the catalog or from a server, servers that answer HTML, redirect
//! nowhere or never answer — and the modes of the files it leaves behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_zopdeck");

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("ZOPDECK_SANDBOX_SPEED", "50")
        .env_remove("ZOPDECK_DATA_DIR")
        .env_remove("ZOPDECK_API_URL")
        .env("ZOPNIGHT_TOKEN", "zn_pat_test")
        .stdin(Stdio::null());
    c
}

fn zopdeck(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> (String, String) {
    let out = zopdeck(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

fn err(dir: &Path, args: &[&str]) -> String {
    let out = zopdeck(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    stderr
}

fn no_panic(stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// ---- read-only paths -------------------------------------------------------------------

/// Makes paths read-only for this process, and writable again on drop: chmod where that is
/// enough, `chattr +i` where chmod is not (root). `None` when neither works here.
struct ReadOnly {
    paths: Vec<PathBuf>,
    immutable: bool,
}

impl ReadOnly {
    fn make(paths: Vec<PathBuf>) -> Option<Self> {
        use std::os::unix::fs::PermissionsExt;
        for p in &paths {
            let mode = if p.is_dir() { 0o500 } else { 0o400 };
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let mut guard = ReadOnly {
            paths,
            immutable: false,
        };
        if guard.holds() {
            return Some(guard);
        }
        // chmod does not stop this process (root): try the immutable attribute.
        let done = Command::new("chattr")
            .arg("+i")
            .args(&guard.paths)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        guard.immutable = done;
        if done && guard.holds() {
            Some(guard)
        } else {
            eprintln!("note: cannot make a path read-only for this process here; case skipped");
            None
        }
    }

    /// Whether writing is really refused: no file can be made in a directory, no file opened
    /// for writing.
    fn holds(&self) -> bool {
        self.paths.iter().all(|p| {
            if p.is_dir() {
                std::fs::write(p.join(".probe"), "x").is_err()
            } else {
                std::fs::OpenOptions::new().append(true).open(p).is_err()
            }
        })
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").args(&self.paths).status();
        }
        for p in &self.paths {
            let mode = if p.is_dir() { 0o700 } else { 0o600 };
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
        }
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_log_path_that_is_a_directory_turns_logging_off_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("zopdeck.log")).unwrap();
    let (out, stderr) = ok(
        dir.path(),
        &["--no-demo", "deployments", "list", "-o", "json"],
    );
    assert_eq!(out.trim(), "[]");
    no_panic(&stderr);
    assert_eq!(stderr.matches("warning").count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot write the log file") && stderr.contains("zopdeck.log"),
        "{stderr}"
    );
    // Changing commands work too: logging is not what they need.
    ok(
        dir.path(),
        &[
            "deployments",
            "create",
            "--name",
            "a",
            "--image",
            "nginx:1",
            "--no-wait",
        ],
    );
}

#[test]
fn a_log_file_that_cannot_be_written_turns_logging_off_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["--no-demo", "doctor"]);
    let log = dir.path().join("zopdeck.log");
    let Some(_ro) = ReadOnly::make(vec![log]) else {
        return;
    };
    let (_, stderr) = ok(dir.path(), &["deployments", "list"]);
    no_panic(&stderr);
    assert_eq!(stderr.matches("warning").count(), 1, "{stderr}");
    assert!(stderr.contains("logging is off"), "{stderr}");
}

/// The data dir's files and the dir itself.
fn data_paths(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = entries(dir)
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    paths.push(dir.to_path_buf());
    paths
}

fn succeeded(args: &[&str], out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    no_panic(&stderr);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the binary with these arguments.
type Run<'a> = dyn Fn(&[&str]) -> Output + 'a;

/// What a read-only data dir (seeded with the demo) allows, with `run` running the binary.
fn reads_but_refuses_changes(dir: &Path, before: &Value, run: &Run<'_>) {
    let files_before = entries(dir);
    let args = ["deployments", "list", "-o", "json"];
    let list = succeeded(&args, &run(&args));
    assert_eq!(&serde_json::from_str::<Value>(&list).unwrap(), before);
    succeeded(&["revisions", "web"], &run(&["revisions", "web"]));
    let doctor = succeeded(&["doctor"], &run(&["doctor"]));
    assert!(doctor.contains("read-only"), "{doctor}");
    assert!(doctor.contains("quick check:   ok"), "{doctor}");
    for args in [
        &[
            "deployments",
            "create",
            "--name",
            "x",
            "--image",
            "nginx:1",
            "--no-wait",
        ][..],
        &["deployments", "create", "--name", "x", "--image", "nginx:1"],
        &["configs", "web", r#"{"replicas": 3}"#, "--no-wait"],
        &["token", "create", "--name", "ci"],
        &["deployments", "wait", "web"],
    ] {
        let out = run(args);
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        no_panic(&e);
        assert!(
            e.contains("is read-only") && e.contains("--data-dir") && e.contains("chmod u+w"),
            "{args:?}: {e}"
        );
    }
    assert_eq!(entries(dir), files_before, "nothing was created");
}

#[test]
fn a_read_only_data_dir_still_reads_and_refuses_changes_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    // A first run seeds the demo; nothing rolls out (no workers), the store is closed cleanly.
    let (list, _) = ok(dir.path(), &["deployments", "list", "-o", "json"]);
    let before: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(before.as_array().unwrap().len(), 4);
    let Some(_ro) = ReadOnly::make(data_paths(dir.path())) else {
        return;
    };
    reads_but_refuses_changes(dir.path(), &before, &|args| zopdeck(dir.path(), args));
}

/// Where this process ignores file permissions (root), the same by permissions alone, as an
/// ordinary user (`nobody`, through setpriv) — SQLite refuses differently there.
#[test]
fn a_data_dir_without_write_permission_still_reads_and_refuses_changes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let probe = dir.path().join("probe");
    std::fs::create_dir(&probe).unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o500)).unwrap();
    let root = std::fs::write(probe.join("x"), "x").is_ok();
    let nobody = |args: &[&str]| {
        command(&data, args)
            .env("HOME", dir.path())
            .env_remove("XDG_CONFIG_HOME")
            .output()
            .unwrap()
    };
    let run: Box<Run<'_>> = if root {
        let setpriv_works = Command::new("setpriv")
            .args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                BIN,
                "--version",
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if !setpriv_works {
            eprintln!("note: root without a working setpriv: case skipped");
            return;
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir(&data).unwrap();
        std::os::unix::fs::chown(&data, Some(65534), Some(65534)).unwrap();
        let (data, home) = (data.clone(), dir.path().to_path_buf());
        Box::new(move |args: &[&str]| {
            Command::new("setpriv")
                .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", BIN])
                .arg("--data-dir")
                .arg(&data)
                .args(args)
                .env("HOME", &home)
                .env_remove("XDG_CONFIG_HOME")
                .env_remove("ZOPDECK_DATA_DIR")
                .env_remove("ZOPDECK_API_URL")
                .stdin(Stdio::null())
                .output()
                .unwrap()
        })
    } else {
        Box::new(nobody)
    };
    let args = ["deployments", "list", "-o", "json"];
    let before: Value = serde_json::from_str(&succeeded(&args, &run(&args))).unwrap();
    for p in data_paths(&data) {
        let mode = if p.is_dir() { 0o500 } else { 0o400 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    reads_but_refuses_changes(&data, &before, run.as_ref());
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
}

// ---- modes -----------------------------------------------------------------------------

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The binary under umask 022, as most shells have it.
fn umask_022(dir: &Path, args: &[&str], speed: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("ZOPDECK_SANDBOX_SPEED", speed)
        .env_remove("ZOPDECK_DATA_DIR")
        .env_remove("ZOPDECK_API_URL")
        .stdin(Stdio::null());
    c
}

fn assert_private(dir: &Path, files: &[&str]) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for f in files {
        let p = dir.join(f);
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), want, "{f}: {:o}", mode(&p));
    }
}

#[test]
fn data_dir_and_files_are_private_whatever_the_umask() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    // A slow rollout keeps the engine (and SQLite's -wal and -shm files) open to look at.
    let mut slow = umask_022(
        &dir,
        &[
            "--no-demo",
            "deployments",
            "create",
            "--name",
            "slow",
            "--image",
            "nginx:1",
        ],
        "0.05",
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Its first event line on stderr says the deployment is recorded: killed before that, the
    // restart below would find no deployment to wait for (seen on a loaded machine).
    let (said, heard) = std::sync::mpsc::channel();
    let stderr = slow.stderr.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines() {
            let _ = said.send(line);
        }
    });
    heard
        .recv_timeout(Duration::from_secs(60))
        .expect("the slow rollout's first event within 60 s")
        .unwrap();
    let open = [
        "zopdeck.db",
        "zopdeck.db-wal",
        "zopdeck.db-shm",
        "sandbox-cluster.db",
        "sandbox-cluster.db-wal",
        "sandbox-cluster.db-shm",
        "zopdeck.log",
        "engine.lock",
        "builds",
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    while !open.iter().all(|f| dir.join(f).exists()) {
        assert!(Instant::now() < deadline, "files seen: {:?}", entries(&dir));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_private(&dir, &open);
    slow.kill().unwrap();
    slow.wait().unwrap();

    // An existing data dir left open to everyone is closed again on the next start.
    use std::os::unix::fs::PermissionsExt;
    let wide = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    wide(&dir, 0o755).unwrap();
    for f in entries(&dir) {
        let p = dir.join(&f);
        wide(&p, if p.is_dir() { 0o755 } else { 0o644 }).unwrap();
    }
    let out = umask_022(
        &dir,
        &["deployments", "wait", "slow", "--wait-timeout", "60"],
        "50",
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_private(
        &dir,
        &[
            "zopdeck.db",
            "sandbox-cluster.db",
            "zopdeck.log",
            "engine.lock",
            "builds",
        ],
    );

    // No credential in plain text anywhere in the data dir.
    for f in entries(&dir) {
        let p = dir.join(&f);
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(6).any(|w| w == b"zn_sa_"),
                "{f} holds a minted cluster credential"
            );
        }
    }
}

// ---- hostile text ----------------------------------------------------------------------

const HOSTILE: &str = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}";

fn assert_inert(what: &str, text: &str) {
    for c in ['\x1b', '\x07', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(c), "{what} prints {c:?} raw: {text:?}");
    }
}

#[test]
fn text_in_the_catalog_reaches_the_terminal_inert_and_json_exact() {
    let dir = tempfile::tempdir().unwrap();
    ok(
        dir.path(),
        &[
            "--no-demo",
            "deployments",
            "create",
            "--name",
            "shop",
            "--image",
            "nginx:1",
            "--no-wait",
        ],
    );
    // Text that slipped in before input was checked (or through another writer).
    let db = rusqlite::Connection::open(dir.path().join("zopdeck.db")).unwrap();
    let image = format!("nginx:1{HOSTILE}");
    db.execute("UPDATE deployments SET image = ?1", [&image])
        .unwrap();
    db.execute(
        "UPDATE revisions SET note = ?1, image = ?2",
        [&format!("note{HOSTILE}"), &image],
    )
    .unwrap();
    let (dep, rev): (String, String) = db
        .query_row("SELECT id, current_revision_id FROM deployments", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let meta = serde_json::json!({ "reason": format!("boom{HOSTILE}") }).to_string();
    db.execute(
        "INSERT INTO events (deployment_id, revision_id, stage, status, meta, created_at)
         VALUES (?1, ?2, 'building', 'failed', ?3, '2026-01-01T00:00:00Z')",
        [&dep, &rev, &meta],
    )
    .unwrap();
    drop(db);

    for args in [
        &["deployments", "list"][..],
        &["deployments", "get", "shop"],
        &["revisions", "shop"],
        &["events", "shop"],
    ] {
        let (out, stderr) = ok(dir.path(), args);
        assert_inert(&format!("{args:?}"), &out);
        assert_inert(&format!("{args:?} (stderr)"), &stderr);
        assert!(
            out.contains("\\u{1b}]0;pwned"),
            "{args:?} shows the escape: {out}"
        );
    }
    let (json, _) = ok(dir.path(), &["deployments", "list", "-o", "json"]);
    assert_inert("-o json", &json);
    let list: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        list[0]["image"],
        image.as_str(),
        "JSON keeps the exact value"
    );
}

// ---- remote servers --------------------------------------------------------------------

/// A one-trick HTTP server: every request gets `answer` (None: no answer at all, the
/// connection held open). Returns the API URL.
fn server(answer: Option<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            match &answer {
                Some(a) => {
                    let _ = stream.write_all(a.as_bytes());
                }
                None => held.push(stream),
            }
        }
    });
    format!("http://127.0.0.1:{port}/api")
}

fn http(status: &str, content_type: &str, body: &str, extra: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn an_html_answer_says_it_was_not_json_and_names_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let api = server(Some(http(
        "200 OK",
        "text/html",
        "<!doctype html><html><body>Sign in</body></html>",
        "",
    )));
    let e = err(dir.path(), &["--api-url", &api, "deployments", "list"]);
    assert!(e.contains("not JSON"), "{e}");
    assert!(e.contains(&format!("{api}/deployments")), "{e}");
    assert!(e.contains("text/html"), "{e}");
}

#[test]
fn a_redirect_to_an_unreachable_place_names_that_place() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let api = server(Some(http(
        "302 Found",
        "text/plain",
        "",
        &format!("Location: http://127.0.0.1:{port}/elsewhere/api/deployments\r\n"),
    )));
    let e = err(dir.path(), &["--api-url", &api, "deployments", "list"]);
    assert!(
        e.contains(&format!("127.0.0.1:{port}/elsewhere")) && e.contains("redirected"),
        "{e}"
    );
}

#[test]
fn a_server_that_never_answers_times_out_as_told_and_says_what_timed_out() {
    let dir = tempfile::tempdir().unwrap();
    let api = server(None);
    let start = Instant::now();
    let e = err(
        dir.path(),
        &[
            "--api-url",
            &api,
            "--request-timeout",
            "2",
            "deployments",
            "list",
        ],
    );
    let took = start.elapsed();
    assert!(took < Duration::from_secs(8), "took {took:?}: {e}");
    assert!(took >= Duration::from_secs(2), "took {took:?}: {e}");
    assert!(
        e.contains(&format!("GET {api}/deployments?limit=500 timed out")) && e.contains("2 s"),
        "{e}"
    );
    let (help, _) = ok(dir.path(), &["--help"]);
    assert!(
        help.contains("--request-timeout <DURATION>") && help.contains("[default: 30s]"),
        "{help}"
    );
}

#[test]
fn error_messages_from_a_server_reach_the_terminal_inert() {
    let dir = tempfile::tempdir().unwrap();
    let body = serde_json::json!({"error": {"message": format!("bad{HOSTILE}"), "code": "validation_failed"}})
        .to_string();
    let api = server(Some(http("400 Bad Request", "application/json", &body, "")));
    let e = err(dir.path(), &["--api-url", &api, "deployments", "list"]);
    assert_inert("the error", &e);
    assert!(e.contains("bad\\u{1b}]0;pwned"), "{e}");
}

// ---- messages --------------------------------------------------------------------------

#[test]
fn a_configs_patch_that_changes_nothing_says_no_change() {
    let dir = tempfile::tempdir().unwrap();
    ok(
        dir.path(),
        &[
            "--no-demo",
            "deployments",
            "create",
            "--name",
            "shop",
            "--image",
            "nginx:1",
            "--no-wait",
        ],
    );
    let (_, first) = ok(
        dir.path(),
        &["configs", "shop", r#"{"replicas": 2}"#, "--no-wait"],
    );
    assert!(first.contains("patched: revision #2"), "{first}");
    // Revision #2 is still on its way (no workers ran): the same patch again is no change.
    let (_, again) = ok(
        dir.path(),
        &["configs", "shop", r#"{"replicas": 2}"#, "--no-wait"],
    );
    assert!(again.contains("no change"), "{again}");
    assert!(!again.contains("patched"), "{again}");
    let (revs, _) = ok(dir.path(), &["revisions", "shop", "-o", "json"]);
    let revs: Value = serde_json::from_str(&revs).unwrap();
    assert_eq!(revs.as_array().unwrap().len(), 2);
}

#[test]
fn token_names_must_be_given_and_printable() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["--no-demo", "doctor"]);
    for name in ["", "   ", "ci\x1b[2J", "ci\u{202e}"] {
        let e = err(dir.path(), &["token", "create", "--name", name]);
        assert!(e.contains("name"), "{name:?}: {e}");
        assert_inert("the refusal", &e);
    }
    let (list, _) = ok(dir.path(), &["token", "list", "-o", "json"]);
    assert_eq!(list.trim(), "[]");
    ok(dir.path(), &["token", "create", "--name", "ci"]);
}

#[test]
fn a_damaged_store_is_refused_at_start_and_doctor_reports_the_check() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["deployments", "list"]);
    let path = dir.path().join("zopdeck.db");
    let (page_size, root): (i64, i64) = {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let page_size = db.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        let root = db
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'revisions'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (page_size, root)
    };
    // Garbage over the revisions table's b-tree page, past its header.
    let mut bytes = std::fs::read(&path).unwrap();
    let at = usize::try_from((root - 1) * page_size + 8).unwrap();
    bytes[at..at + 64].fill(0xA5);
    std::fs::write(&path, bytes).unwrap();

    let e = err(dir.path(), &["deployments", "wait", "web"]);
    assert!(
        e.contains("damaged") && e.contains("restore a backup"),
        "{e}"
    );
    let out = zopdeck(dir.path(), &["doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("quick check:   FAILED"), "{stdout}");
    assert!(!out.status.success(), "doctor says the store is damaged");
}
