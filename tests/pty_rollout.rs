//! The whole lifecycle from the canvas, in a pseudo-terminal on the sandbox: create with `n`,
//! watch it reach active in the drawer, patch its configs with `c` (a scripted EDITOR), roll
//! back to revision #1 with `r` + Enter + `y`, and see revision #3 "rollback of #1" go active.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty.rs"]
mod pty;

use pty::Tui;

#[test]
fn create_watch_patch_and_roll_back_by_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/\"replicas\": 2/\"replicas\": 3/' \"$1\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let editor = editor.to_str().unwrap();
    let mut tui = Tui::start_with(
        dir.path(),
        &["--no-demo"],
        &[("EDITOR", editor), ("VISUAL", "")],
    );
    tui.wait_for("the empty canvas", |s| {
        s.contains("No deployments in this environment yet")
    });

    // n: the form; name, then Tab Tab to the image.
    tui.keys("n");
    tui.wait_for("the form", |s| s.contains("new deployment"));
    tui.keys("shop\t\tnginx:1.27\r");
    tui.wait_for("revision #1 active in the drawer", |s| {
        s.contains("#1  active      succeeded")
    });

    // c: the scripted editor sets replicas 3; the diff; y sends it.
    tui.keys("c");
    tui.wait_for("the configs diff", |s| {
        s.contains("configs change") && s.contains("+   \"replicas\": 3")
    });
    tui.keys("y");
    tui.wait_for("revision #2 active", |s| {
        s.contains("#2  active      succeeded")
    });

    // r: revisions, newest first; j to #1, Enter, the confirm dialog, y.
    tui.keys("r");
    tui.wait_for("the revisions", |s| {
        s.contains("revisions · shop") && s.contains("#1")
    });
    tui.keys("j\r");
    tui.wait_for("the confirm dialog", |s| {
        s.contains("Roll back shop to revision #1? This creates revision #3.")
    });
    tui.keys("y");
    tui.wait_for("revision #3 active", |s| {
        s.contains("#3  active      succeeded")
    });
    tui.keys("r");
    let screen = tui.wait_for("the rollback in the list", |s| s.contains("rollback of #1"));
    let row = screen
        .lines()
        .find(|l| l.contains("#3"))
        .unwrap_or_default();
    assert!(
        row.contains("rollback of #1") && row.contains("active") && row.contains("●"),
        "{screen}"
    );
    tui.keys("\x1b");
    std::thread::sleep(std::time::Duration::from_millis(300));
    tui.keys("q");
    tui.wait_exit();
}
