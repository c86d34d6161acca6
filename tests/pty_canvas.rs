//! The real binary in a pseudo-terminal, driven by keys and read back from the screen:
//! move a card by keyboard, quit, start again, and find it where it was left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const BIN: &str = env!("CARGO_BIN_EXE_zopdeck");
const COLS: u16 = 120;
const ROWS: u16 = 30;

struct Tui {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Tui {
    fn start(data_dir: &Path) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.arg("--data-dir");
        cmd.arg(data_dir);
        cmd.env("ZOPDECK_SANDBOX_SPEED", "20");
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("ZOPDECK_DATA_DIR");
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(ROWS).unwrap(),
            std::num::NonZero::new(COLS).unwrap(),
            0,
        )));
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let _master = pty.master; // keep the pty open while reading
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Self {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = self.contents();
            if pred(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&mut self, keys: &str) {
        for b in keys.bytes() {
            self.writer.write_all(&[b]).unwrap();
            self.writer.flush().unwrap();
            // One key at a time, as a person types (and so no two keys read as one sequence).
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn wait_exit(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "zopdeck exited with {status:?}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "zopdeck did not quit; screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

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
