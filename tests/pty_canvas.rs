//! The real binary in a pseudo-terminal, driven by keys and read back from the screen:
//! move a card by keyboard, quit, start again, and find it where it was left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty.rs"]
mod pty;

use pty::{BIN, Tui};

/// The column of the card titled `name` (its left border), if on screen.
fn card_column(screen: &str, name: &str) -> Option<usize> {
    screen.lines().find_map(|line| {
        let at = line.find(&format!(" {name} "))?;
        Some(line[..at].chars().count() - 1)
    })
}

#[test]
fn a_card_moved_by_keyboard_stays_where_it_was_left() {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::start(dir.path());
    let screen = tui.wait_for("the demo canvas", |s| {
        s.contains(" web ") && s.contains(" postgres ")
    });
    assert_eq!(
        card_column(&screen, "web"),
        Some(8),
        "web starts at x 64 = column 8:\n{screen}"
    );

    tui.keys("LLLLL"); // the selected card (web, top-left) moves five cells right
    let screen = tui.wait_for("the save", |s| s.contains(" saved"));
    assert_eq!(
        card_column(&screen, "web"),
        Some(13),
        "moved on screen at once:\n{screen}"
    );
    tui.keys("q");
    tui.wait_exit();

    let out = std::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["deployments", "get", "web", "-o", "json"])
        .output()
        .unwrap();
    let dep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        dep["canvasPosition"]["x"], 104.0,
        "saved through the backend: {dep}"
    );
    assert_eq!(dep["canvasPosition"]["y"], 64.0);

    let mut again = Tui::start(dir.path());
    let screen = again.wait_for("the canvas again", |s| s.contains(" web "));
    assert_eq!(
        card_column(&screen, "web"),
        Some(13),
        "found where it was left:\n{screen}"
    );
    again.keys("q");
    again.wait_exit();
}
