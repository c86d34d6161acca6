//! Promotion by keyboard in the real binary: staging and prod side by side on the board,
//! `p` on staging's card, prod chosen, the diff read, `y` — and prod's new revision rolls
//! out to active, a `promote` revision noting where it came from.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty.rs"]
mod pty;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use pty::{BIN, Tui};

/// A headless command on the data dir (the sandbox sped up as the TUI's).
fn zopdeck(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .arg("--no-demo")
        .args(args)
        .env("ZOPDECK_SANDBOX_SPEED", "20")
        .env_remove("ZOPDECK_DATA_DIR")
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
fn promote_from_staging_to_prod_by_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for env in ["staging", "prod"] {
        let create = [
            "environments",
            "create",
            "--name",
            env,
            "--space",
            "sandbox",
        ];
        zopdeck(d, &[&create[..], &["--namespace", env]].concat());
        let image = if env == "staging" {
            "ghcr.io/acme/shop:1.4"
        } else {
            "ghcr.io/acme/shop:1.3"
        };
        let configs = r#"{"port":8080,"replicas":2}"#;
        let create = ["deployments", "create", "--env", env, "--name", "shop"];
        zopdeck(
            d,
            &[&create[..], &["--image", image, "--configs", configs]].concat(),
        );
    }
    let mut tui = Tui::start_with(d, &["--no-demo"], &[]);
    tui.wait_for("the empty demo environment", |s| s.contains("env demo"));
    // staging, then the board of all three.
    tui.keys("e");
    tui.wait_for("the switcher", |s| s.contains("switch environment"));
    tui.keys("staging\r");
    tui.wait_for("staging's canvas", |s| {
        s.contains("env staging") && s.contains(" shop")
    });
    tui.keys("E");
    tui.wait_for("the board's choice", |s| s.contains("[x] prod"));
    tui.keys("\r");
    tui.wait_for("three lanes, staging's focused", |s| {
        s.contains("▶ staging") && s.contains("  prod ·") && s.contains("  demo ·")
    });
    // p on shop: prod (the second of the board's other lanes), its diff, y.
    tui.keys("p");
    tui.wait_for("the environments to promote to", |s| {
        s.contains("to which environment?")
    });
    tui.keys("j\r");
    tui.wait_for("the diff", |s| {
        s.contains("- image ghcr.io/acme/shop:1.3") && s.contains("+ image ghcr.io/acme/shop:1.4")
    });
    tui.keys("y");
    tui.wait_for("prod's lane following the new revision", |s| {
        s.contains("shop promoted to prod: revision #2") && s.contains("▶ prod")
    });
    // Active, as the store says, and on screen.
    let deadline = Instant::now() + Duration::from_secs(60);
    let revisions = loop {
        let out = zopdeck(d, &["revisions", "shop", "--env", "prod", "-o", "json"]);
        let list: serde_json::Value = serde_json::from_str(&out).unwrap();
        if list[0]["status"] == "active" {
            break list;
        }
        assert!(Instant::now() < deadline, "never active: {list}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(revisions[0]["number"], 2);
    assert_eq!(revisions[0]["trigger"], "promote");
    assert_eq!(revisions[0]["note"], "from staging #1");
    assert_eq!(revisions[0]["image"], "ghcr.io/acme/shop:1.4");
    tui.wait_for("the card active at #2", |s| {
        s.lines().any(|l| l.contains("#2") && l.contains('●'))
    });
    tui.keys("q");
    tui.wait_exit();
}
