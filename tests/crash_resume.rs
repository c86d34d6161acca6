//! Kills the real binary with SIGKILL in the middle of a deploy, starts it again, and checks
//! that the deploy finishes with no duplicated events or revisions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_zopdeck");

fn zopdeck(dir: &std::path::Path, speed: &str) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir")
        .arg(dir)
        .arg("--no-demo")
        .env("ZOPDECK_SANDBOX_SPEED", speed)
        .stdin(Stdio::null());
    c
}

fn json_of(dir: &std::path::Path, args: &[&str]) -> Value {
    let out = zopdeck(dir, "1")
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Starts a deploy, kills the process once a line containing `kill_at` is printed, resumes.
fn crash_and_resume(kill_at: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = zopdeck(dir.path(), "0.5")
        .args([
            "deployments",
            "create",
            "--name",
            "crashme",
            "--image",
            "nginx:1.27",
        ])
        .args([
            "--configs",
            r#"{"replicas": 4, "port": 80, "expose": [{"port": 80, "protocol": "http"}]}"#,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no {kill_at:?} in {seen:#?}"));
        let hit = line.contains(kill_at);
        seen.push(line);
        if hit {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    if kill_at.contains("rolling_out") {
        // The release was applied and never finished: doctor says so, and what happens next.
        let doctor = zopdeck(dir.path(), "1").arg("doctor").output().unwrap();
        let text = String::from_utf8_lossy(&doctor.stdout);
        assert!(
            text.contains("crashme in demo (demo): pending-install at revision 1")
                && text.contains("its zopdeck job resumes"),
            "{text}"
        );
    }

    let out = zopdeck(dir.path(), "4")
        .args(["deployments", "wait", "crashme", "--wait-timeout", "120"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "resume failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(dir.path().join("zopdeck.log")).unwrap();
    assert!(
        log.contains("resuming jobs of a previous run"),
        "the dead worker's lease was taken over: {log}"
    );

    let doctor = zopdeck(dir.path(), "1").arg("doctor").output().unwrap();
    assert!(
        String::from_utf8_lossy(&doctor.stdout).contains("stuck releases: none"),
        "no release is left pending once resumed"
    );
    let revisions = json_of(dir.path(), &["revisions", "crashme"]);
    let revisions = revisions.as_array().unwrap();
    assert_eq!(
        revisions.len(),
        1,
        "one revision, not a duplicate: {revisions:#?}"
    );
    assert_eq!(revisions[0]["status"], "active");

    let events = json_of(dir.path(), &["events", "crashme"]);
    let events = events.as_array().unwrap();
    let keys: Vec<String> = events
        .iter()
        .map(|e| {
            let m = &e["meta"];
            match e["status"].as_str().unwrap() {
                "progress" => format!(
                    "rolling_out/progress/{}/{}/{}",
                    m["ready"],
                    m["desired"],
                    m["message"].is_string()
                ),
                s => format!("{}/{s}", e["stage"].as_str().unwrap()),
            }
        })
        .collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "duplicated events: {keys:#?}");
    let boundaries: Vec<&str> = keys
        .iter()
        .filter(|k| !k.contains("progress"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        boundaries,
        [
            "building/started",
            "building/succeeded",
            "deploying/started",
            "deploying/succeeded",
            "rolling_out/started",
            "rolling_out/succeeded",
            "active/succeeded"
        ],
        "every stage boundary once, in order"
    );
    let ids: Vec<i64> = events
        .iter()
        .map(|e| {
            e["id"]
                .as_str()
                .unwrap()
                .trim_start_matches("ev_")
                .parse()
                .unwrap()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "events in order");
}

#[test]
fn kill_during_rollout_then_restart_finishes_the_deploy() {
    crash_and_resume("rolling_out progress  ready=1");
}

#[test]
fn kill_during_build_then_restart_finishes_the_deploy() {
    crash_and_resume("building    started");
}

/// How many times the job has been claimed, read straight from the store.
fn claims(dir: &std::path::Path) -> i64 {
    let db = rusqlite::Connection::open(dir.join("zopdeck.db")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.query_row("SELECT COALESCE(MAX(attempts), 0) FROM jobs", [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn many_restarts_do_not_give_a_rollout_up() {
    let dir = tempfile::tempdir().unwrap();
    let created = zopdeck(dir.path(), "0.2")
        .args(["deployments", "create", "--name", "patient"])
        .args(["--image", "nginx:1.27", "--configs", r#"{"replicas": 2}"#])
        .arg("--no-wait")
        .output()
        .unwrap();
    assert!(created.status.success());
    // Seven processes in a row each claim the job and are killed: a lease taken over after
    // a crash is an interruption, not a failed attempt (max_attempts is 5).
    for n in 1..=7 {
        let mut child = zopdeck(dir.path(), "0.2")
            .args(["deployments", "wait", "patient", "--timeout", "60"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while claims(dir.path()) < n {
            assert!(
                std::time::Instant::now() < deadline,
                "run {n} never claimed the job"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let out = zopdeck(dir.path(), "20")
        .args(["deployments", "wait", "patient", "--timeout", "120"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the rollout was given up: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let revisions = json_of(dir.path(), &["revisions", "patient"]);
    assert_eq!(revisions[0]["status"], "active");
}
