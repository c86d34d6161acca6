//! `zopdeck serve` as a process, and the TUI in a PTY (or a headless command) on it with
//! `--api-url`: the TUI survives a server restart (offline, the move saved after it, a
//! rollback by keyboard); without a stream it polls and shows changes made elsewhere;
//! `zopdeck login`; SIGTERM stops the server gracefully.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty.rs"]
mod pty;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pty::{BIN, Tui};

/// A `zopdeck serve` on its own data dir and port, an admin token for it, and a client data
/// dir. The server is killed when this is dropped, so a failing test leaves nothing running.
struct Remote {
    server_dir: tempfile::TempDir,
    client_dir: tempfile::TempDir,
    token: String,
    port: u16,
    url: String,
    server: Option<Child>,
}

impl Remote {
    /// A server with these `serve` arguments, its sandbox `speed` times real time.
    fn start(extra: &[&str], speed: &str) -> Self {
        let server_dir = tempfile::tempdir().unwrap();
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(server_dir.path())
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
        let mut remote = Self {
            server_dir,
            client_dir: tempfile::tempdir().unwrap(),
            token,
            port,
            url: format!("http://127.0.0.1:{port}/api"),
            server: None,
        };
        remote.serve(extra, speed);
        remote
    }

    /// Starts the server (again) and waits until it listens.
    fn serve(&mut self, extra: &[&str], speed: &str) {
        let child = Command::new(BIN)
            .arg("--data-dir")
            .arg(self.server_dir.path())
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(extra)
            .env("ZOPDECK_SANDBOX_SPEED", speed)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        self.server = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve did not start on {}", self.port);
    }

    fn kill(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }

    /// A headless command on the server; its stdout.
    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(BIN)
            .args(["--api-url", &self.url, "--data-dir"])
            .arg(self.client_dir.path())
            .args(args)
            .env("ZOPNIGHT_TOKEN", &self.token)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn deployment(&self, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.cli(&["deployments", "get", name, "-o", "json"])).unwrap()
    }

    /// The TUI on the server, with the token in the environment.
    fn tui(&self, extra: &[&str]) -> Tui {
        let mut args = vec!["--api-url", &self.url];
        args.extend_from_slice(extra);
        Tui::start_with(
            self.client_dir.path(),
            &args,
            &[("ZOPNIGHT_TOKEN", &self.token)],
        )
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn the_tui_on_a_remote_server_survives_a_restart() {
    let mut remote = Remote::start(&[], "20");
    let mut tui = remote.tui(&[]);
    tui.wait_for("the demo canvas over HTTP", |s| {
        s.contains(" web ") && s.contains("remote ·") && s.contains("#3")
    });

    remote.kill();
    tui.wait_for("the offline state", |s| s.contains("offline — retrying"));
    tui.keys("L"); // a move while the server is down: shown at once, saved later
    let screen = tui.wait_for("the pending move", |s| s.contains("pending"));
    assert!(
        screen.contains(" web "),
        "the last known canvas stays: {screen}"
    );

    remote.serve(&[], "20");
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

    let web = remote.deployment("web");
    assert_eq!(
        web["canvasPosition"]["x"], 72.0,
        "the move made while offline reached the server: {web}"
    );
}

#[test]
fn without_a_stream_the_tui_polls_and_shows_changes_made_elsewhere() {
    let remote = Remote::start(&["--no-websocket"], "20");
    let config = remote.client_dir.path().join("config.toml");
    std::fs::write(&config, "[remote]\npoll_interval_seconds = 1\n").unwrap();
    let mut tui = remote.tui(&["--config", config.to_str().unwrap()]);
    tui.wait_for("the demo canvas, polled", |s| {
        s.contains(" web ") && s.contains("#3") && s.contains("◌ polling · 1 s")
    });
    tui.keys("t");
    tui.wait_for("web's timeline", |s| s.contains("timeline · web"));

    // Changes made by someone else reach the screen with no key pressed: a new card...
    remote.cli(&[
        "deployments",
        "create",
        "--name",
        "shop",
        "--image",
        "ghcr.io/acme/shop:1.0",
        "--no-wait",
    ]);
    tui.wait_for("the new card", |s| s.contains(" shop "));
    // ...and a rollback, whose events appear in the open timeline (events after the last).
    remote.cli(&["rollback", "web", "--to", "1", "--no-wait"]);
    tui.wait_for("web #4 active, in the card and the drawer", |s| {
        s.contains("#4  active      succeeded") && s.contains("#4  rolling_out started")
    });
    tui.keys("q");
    tui.wait_exit();
}

#[test]
fn login_asks_without_echo_checks_the_token_and_keeps_it_private() {
    let remote = Remote::start(&[], "20");
    let config_home = tempfile::tempdir().unwrap();
    let home = config_home.path().to_str().unwrap();
    let credentials = config_home.path().join("zopdeck").join("credentials.json");
    let login = || {
        let tui = Tui::start_with(
            remote.client_dir.path(),
            &["--api-url", &remote.url, "login"],
            &[("XDG_CONFIG_HOME", home)],
        );
        tui.wait_for("the prompt", |s| s.contains("input hidden"));
        tui
    };

    // A wrong token is refused and nothing is stored.
    let mut tui = login();
    tui.keys("zn_pat_wrong\r");
    assert!(!tui.exit_status().success());
    let screen = tui.contents();
    assert!(screen.contains("not accepted"), "{screen}");
    assert!(!screen.contains("zn_pat_wrong"), "never echoed: {screen}");
    assert!(!credentials.exists());

    // The right one is stored, readable by the user only, and used from then on.
    let mut tui = login();
    tui.keys(&format!("{}\r", remote.token));
    tui.wait_exit();
    let screen = tui.contents();
    assert!(screen.contains("logged in"), "{screen}");
    assert!(!screen.contains(&remote.token), "never echoed: {screen}");
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
        .args(["--api-url", &remote.url, "--data-dir"])
        .arg(remote.client_dir.path())
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
    let log =
        std::fs::read_to_string(remote.client_dir.path().join("zopdeck.log")).unwrap_or_default();
    assert!(!log.contains(&remote.token), "the token is never logged");

    // Logging out forgets it: the next command says how to log in again.
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(["--api-url", &remote.url, "--data-dir"])
            .arg(remote.client_dir.path())
            .args(args)
            .env("XDG_CONFIG_HOME", home)
            .env_remove("ZOPNIGHT_TOKEN")
            .output()
            .unwrap()
    };
    assert!(run(&["logout"]).status.success());
    assert!(
        !std::fs::read_to_string(&credentials)
            .unwrap()
            .contains(&remote.token)
    );
    let out = run(&["deployments", "list"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("zopdeck login --api-url"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_serve_gracefully_and_hands_running_jobs_back() {
    // Real-time sandbox: a rollout beyond the cluster's capacity waits for its pods (until
    // the 120 s deadline) and keeps its job running.
    let mut remote = Remote::start(&[], "1");
    remote.cli(&[
        "deployments",
        "create",
        "--name",
        "stuck",
        "--image",
        "ghcr.io/acme/stuck:1.0",
        "--configs",
        "{\"replicas\": 100}",
        "--no-wait",
    ]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while remote.deployment("stuck")["status"] != "rolling_out" {
        assert!(Instant::now() < deadline, "never rolling out");
        std::thread::sleep(Duration::from_millis(100));
    }

    let server = remote.server.take().unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = server.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.contains("shutting down"), "{stderr}");

    let db = rusqlite::Connection::open(remote.server_dir.path().join("zopdeck.db")).unwrap();
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
