//! `zopdeck serve` as a process and the TUI in a PTY on it with `--api-url`: move a card,
//! kill the server in the middle (the TUI goes offline, keeps the canvas, and recovers by
//! itself when the server is back, saving the move), then roll back by keyboard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty.rs"]
mod pty;

use std::process::{Child, Command, Stdio};

use pty::{BIN, Tui};

fn serve(dir: &std::path::Path, port: u16) -> Child {
    serve_with(dir, port, &[])
}

fn serve_with(dir: &std::path::Path, port: u16, extra: &[&str]) -> Child {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("ZOPDECK_SANDBOX_SPEED", "20")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_port(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("serve did not start on {port}");
}

/// An admin token of a server's data dir, and a free port for it.
fn token_and_port(server_dir: &std::path::Path) -> (String, u16) {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(server_dir)
        .args(["token", "create", "--name", "e2e", "--role", "admin"])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("zn_pat_"), "{token}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    (token, port)
}

/// A headless command on the remote; its stdout.
fn cli(url: &str, token: &str, dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(["--api-url", url, "--data-dir"])
        .arg(dir)
        .args(args)
        .env("ZOPNIGHT_TOKEN", token)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_tui_on_a_remote_server_survives_a_restart() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let (token, port) = token_and_port(server_dir.path());
    let mut server = serve(server_dir.path(), port);
    wait_port(port);
    let url = format!("http://127.0.0.1:{port}/api");

    let mut tui = Tui::start_with(
        client_dir.path(),
        &["--api-url", &url],
        &[("ZOPNIGHT_TOKEN", &token)],
    );
    tui.wait_for("the demo canvas over HTTP", |s| {
        s.contains(" web ") && s.contains("remote ·") && s.contains("#3")
    });

    server.kill().unwrap();
    server.wait().unwrap();
    tui.wait_for("the offline state", |s| s.contains("offline — retrying"));
    tui.keys("L"); // a move while the server is down: shown at once, saved later
    let screen = tui.wait_for("the pending move", |s| s.contains("pending"));
    assert!(
        screen.contains(" web "),
        "the last known canvas stays: {screen}"
    );

    let mut server = serve(server_dir.path(), port);
    wait_port(port);
    tui.wait_for("back online, the move saved", |s| {
        !s.contains("offline") && !s.contains("pending")
    });

    tui.keys("r");
    tui.wait_for("the revisions", |s| s.contains("revisions · web"));
    tui.keys("G\r");
    tui.wait_for("the confirm dialog", |s| {
        s.contains("This creates revision #4")
    });
    tui.keys("y");
    tui.wait_for("revision #4 active", |s| {
        s.contains("#4  active      succeeded")
    });
    tui.keys("q");
    tui.wait_exit();

    let out = cli(
        &url,
        &token,
        client_dir.path(),
        &["deployments", "get", "web", "-o", "json"],
    );
    let dep: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        dep["canvasPosition"]["x"], 72.0,
        "the move made while offline reached the server: {dep}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn without_a_stream_the_tui_polls_and_shows_changes_made_elsewhere() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let (token, port) = token_and_port(server_dir.path());
    let mut server = serve_with(server_dir.path(), port, &["--no-websocket"]);
    wait_port(port);
    let url = format!("http://127.0.0.1:{port}/api");
    let config = client_dir.path().join("config.toml");
    std::fs::write(&config, "[remote]\npoll_interval_seconds = 1\n").unwrap();

    let mut tui = Tui::start_with(
        client_dir.path(),
        &["--api-url", &url, "--config", config.to_str().unwrap()],
        &[("ZOPNIGHT_TOKEN", &token)],
    );
    tui.wait_for("the demo canvas, polled", |s| {
        s.contains(" web ") && s.contains("#3") && s.contains("◌ polling · 1 s")
    });
    tui.keys("t");
    tui.wait_for("web's timeline", |s| s.contains("timeline · web"));

    // Changes made by someone else reach the screen with no key pressed: a new card...
    cli(
        &url,
        &token,
        client_dir.path(),
        &[
            "deployments",
            "create",
            "--name",
            "shop",
            "--image",
            "ghcr.io/acme/shop:1.0",
            "--no-wait",
        ],
    );
    tui.wait_for("the new card", |s| s.contains(" shop "));
    // ...and a rollback, whose events appear in the open timeline (events after the last).
    cli(
        &url,
        &token,
        client_dir.path(),
        &["rollback", "web", "--to", "1", "--no-wait"],
    );
    tui.wait_for("web #4 active, in the card and the drawer", |s| {
        s.contains("#4") && s.contains("rolling_out") && s.contains("active")
    });
    tui.keys("q");
    tui.wait_exit();
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn login_asks_without_echo_checks_the_token_and_keeps_it_private() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let config_home = tempfile::tempdir().unwrap();
    let home = config_home.path().to_str().unwrap();
    let (token, port) = token_and_port(server_dir.path());
    let mut server = serve(server_dir.path(), port);
    wait_port(port);
    let url = format!("http://127.0.0.1:{port}/api");
    let credentials = config_home.path().join("zopdeck").join("credentials.json");

    // A wrong token is refused and nothing is stored.
    let mut login = Tui::start_with(
        client_dir.path(),
        &["--api-url", &url, "login"],
        &[("XDG_CONFIG_HOME", home)],
    );
    login.wait_for("the prompt", |s| s.contains("input hidden"));
    login.keys("zn_pat_wrong\r");
    assert!(!login.exit_status().success());
    let screen = login.contents();
    assert!(screen.contains("not accepted"), "{screen}");
    assert!(!screen.contains("zn_pat_wrong"), "never echoed: {screen}");
    assert!(!credentials.exists());

    // The right one is stored, readable by the user only, and used from then on.
    let mut login = Tui::start_with(
        client_dir.path(),
        &["--api-url", &url, "login"],
        &[("XDG_CONFIG_HOME", home)],
    );
    login.wait_for("the prompt", |s| s.contains("input hidden"));
    login.keys(&format!("{token}\r"));
    login.wait_exit();
    let screen = login.contents();
    assert!(screen.contains("logged in"), "{screen}");
    assert!(!screen.contains(&token), "never echoed: {screen}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&credentials)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let out = Command::new(BIN)
        .args(["--api-url", &url, "--data-dir"])
        .arg(client_dir.path())
        .args(["deployments", "list", "-o", "json"])
        .env("XDG_CONFIG_HOME", home)
        .env_remove("ZOPNIGHT_TOKEN")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list.as_array().unwrap().iter().any(|d| d["name"] == "web"));
    let log = std::fs::read_to_string(client_dir.path().join("zopdeck.log")).unwrap_or_default();
    assert!(!log.contains(&token), "the token is never logged");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[cfg(unix)]
#[test]
fn sigterm_stops_serve_gracefully_and_hands_running_jobs_back() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let (token, port) = token_and_port(server_dir.path());
    // Real-time sandbox: a rollout that never gets ready keeps its job running.
    let server = Command::new(BIN)
        .arg("--data-dir")
        .arg(server_dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ZOPDECK_SANDBOX_SPEED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_port(port);
    let url = format!("http://127.0.0.1:{port}/api");
    cli(
        &url,
        &token,
        client_dir.path(),
        &[
            "deployments",
            "create",
            "--name",
            "stuck",
            "--image",
            "ghcr.io/acme/stuck:crashloop",
            "--no-wait",
        ],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let out = cli(
            &url,
            &token,
            client_dir.path(),
            &["deployments", "get", "stuck", "-o", "json"],
        );
        let d: serde_json::Value = serde_json::from_str(&out).unwrap();
        if d["status"] == "rolling_out" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never rolling out: {d}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = server.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.contains("shutting down"), "{stderr}");

    let db = rusqlite::Connection::open(server_dir.path().join("zopdeck.db")).unwrap();
    let (state, lease): (String, i64) = db
        .query_row(
            "SELECT state, lease_expires_at FROM jobs ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (state.as_str(), lease),
        ("running", 0),
        "the worker handed its job back instead of leaving it leased"
    );
}
