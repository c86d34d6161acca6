//! Two TUIs on one data dir: the second follows the first (no workers of its own) instead of
//! refusing, shows the first's changes, and takes the workers over once the first quits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty.rs"]
mod pty;

use pty::Tui;

#[test]
fn a_second_tui_follows_the_first_then_takes_over() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Tui::start(dir.path());
    first.wait_for("the demo canvas", |s| {
        s.contains(" web ") && s.contains("● live ")
    });
    let mut second = Tui::start(dir.path());
    let screen = second.wait_for("the viewer", |s| {
        s.contains("● live · viewer") && s.contains(" web ")
    });
    assert!(screen.contains("another zopdeck runs the jobs"), "{screen}");

    // A card created in the viewer is rolled out by the first's workers.
    second.keys("n");
    second.wait_for("the create form", |s| s.contains("new deployment"));
    second.keys("fromviewer\t\tghcr.io/acme/from-viewer:1.0\r");
    first.wait_for("the first to see it", |s| s.contains(" fromviewer "));
    second.wait_for("it active in the viewer", |s| {
        s.lines()
            .skip_while(|l| !l.contains(" fromviewer "))
            .take(3)
            .any(|l| l.contains("● active"))
    });

    // The first quits: the second runs the jobs from now on.
    first.keys("q");
    first.wait_exit();
    second.wait_for("the viewer to take over", |s| {
        s.contains("● live ") && !s.contains("· viewer")
    });
    second.keys("q");
    second.wait_exit();
}
