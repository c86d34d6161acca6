//! What the real binary prints while things happen, on the embedded engine: a rollout on a
//! terminal (a bar) and not (plain lines), `events` with `--after` and `--follow` (NDJSON
//! while another process rolls a change out), a reader that goes away, and `lb` with
//! `--wait`. (The same against `zopdeck serve`: `cli_routes_serve.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

#[path = "support/cli.rs"]
mod cli;
#[path = "support/pty.rs"]
mod pty;
use cli::{EXPOSED, with_shop};

#[test]
fn on_a_terminal_a_rollout_shows_a_bar_over_the_same_lines() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--no-demo",
        "deployments",
        "create",
        "--name",
        "shop",
        "--image",
        "nginx:1",
    ];
    let all = [&args[..], &["--configs", r#"{"replicas": 3}"#]].concat();
    let mut tty = pty::Tui::start_with(dir.path(), &all, &[("ZOPDECK_SANDBOX_SPEED", "2")]);
    let bar = tty.wait_for("the bar counting ready pods", |s| s.contains("ready ·"));
    assert!(bar.contains("shop #1") && bar.contains("/3 ready"), "{bar}");
    let done = tty.wait_for("the end", |s| s.contains("shop revision #1 is active"));
    assert_eq!(tty.exit_status().exit_code(), 0, "{done}");
    let end = tty.contents();
    assert!(
        end.contains("#1 rolling_out succeeded ready=3 desired=3"),
        "{end}"
    );
    assert!(
        !end.contains("ready ·"),
        "the bar is cleared at the end: {end}"
    );
}

#[test]
fn events_in_order_after_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let z = with_shop(dir.path());
    let events = z.json(&["events", "shop"]);
    assert_eq!(z.yaml(&["events", "shop"]), events);
    let events = events.as_array().unwrap();
    let ids: Vec<String> = events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(z.names(&["events", "shop"]), ids);
    let stages: Vec<&str> = events
        .iter()
        .map(|e| e["stage"].as_str().unwrap())
        .collect();
    let first_of = |s: &str| stages.iter().position(|x| *x == s).unwrap();
    assert!(first_of("building") < first_of("deploying"));
    assert!(first_of("deploying") < first_of("rolling_out"));
    assert!(first_of("rolling_out") < first_of("active"));
    assert_eq!(events.last().unwrap()["stage"], "active");
    let after = z.json(&["events", "shop", "--after", &ids[2]]);
    assert_eq!(after.as_array().unwrap()[..], events[3..]);
    let table = z.ok(&["events", "shop"]);
    assert_eq!(table.lines().count(), events.len());
    assert!(table.contains("#1 active      succeeded"), "{table}");
    z.fails(
        &["events", "shop", "--after", "nonsense"],
        2,
        "after must be an event id",
    );
    z.fails(&["events", "ghost"], 3, "no deployment named");
}

/// Lines of a child's stdout, as they come.
fn lines_of(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn events_follow_streams_ndjson_while_a_change_rolls_out() {
    let dir = tempfile::tempdir().unwrap();
    let z = with_shop(dir.path());
    let last = z.names(&["events", "shop"]).pop().unwrap();
    let mut follow = z
        .command(&["events", "shop", "--after", &last, "--follow", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut follow);
    // Another process patches (and runs the rollout): the follower sees its events.
    let dep = z.json(&["configs", "shop", r#"{"replicas": 2}"#]);
    let rev = dep["currentRevisionId"].as_str().unwrap();
    let mut seen: Vec<Value> = Vec::new();
    while !seen
        .iter()
        .any(|e| e["stage"] == "active" && e["status"] == "succeeded")
    {
        let line = lines
            .recv_timeout(Duration::from_secs(90))
            .expect("the follower's events");
        seen.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")));
    }
    follow.kill().unwrap();
    follow.wait().unwrap();
    let numbers: Vec<u64> = seen
        .iter()
        .map(|e| e["id"].as_str().unwrap()[3..].parse().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    assert!(
        numbers[0] > last[3..].parse().unwrap(),
        "only events after --after"
    );
    assert_eq!(
        z.json(&["events", "shop", "--after", &last]),
        Value::Array(seen.clone()),
        "streamed as listed"
    );
    // The address of the first revision may be noticed by the process that patches (its own
    // event, of that revision); every other event is the patch's.
    let of_patch: Vec<&Value> = seen
        .iter()
        .filter(|e| e["meta"].get("address").is_none() || e["status"] != "progress")
        .collect();
    assert!(of_patch.iter().all(|e| e["revisionId"] == rev), "{seen:?}");
    assert_eq!(of_patch[0]["stage"], "building");
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let z = with_shop(dir.path());
    let mut follow = z
        .command(&["events", "shop", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // As `| head -1` does: one line read, then the reader is gone — before anything new is
    // written, so that the next line meets a closed pipe.
    let mut reader = BufReader::new(follow.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.contains("#1 building"), "{first}");
    drop(reader);
    z.ok(&["configs", "shop", r#"{"replicas": 2}"#]);
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while follow.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            follow.kill().unwrap();
            panic!("events --follow went on writing into a closed pipe");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = follow.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

#[test]
fn lb_shows_and_waits_for_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let z = with_shop(dir.path());
    // The address comes a moment after the rollout (as a cloud's LoadBalancer does).
    let lb = z.json(&["lb", "shop", "--wait"]);
    assert_eq!(z.yaml(&["lb", "shop"]), lb);
    assert_eq!(lb["status"], "ready");
    assert_eq!(lb["address"], "shop.demo.sandbox.zopdeck.test");
    assert_eq!(lb["ports"], json!([{"port": 80, "protocol": "http"}]));
    assert!(
        lb["tls"]["issuer"].is_string() && lb["tls"]["expiresAt"].is_string(),
        "{lb}"
    );
    assert_eq!(
        z.names(&["lb", "shop"]),
        ["shop.demo.sandbox.zopdeck.test"],
        "-o name: the address"
    );
    let table = z.ok(&["lb", "shop", "--wait", "--timeout", "5m"]);
    assert!(
        table.contains("status:   ready") && table.contains("ports:    80/http"),
        "{table}"
    );

    z.ok(&[
        "deployments",
        "create",
        "--name",
        "quiet",
        "--image",
        "nginx:1",
    ]);
    assert_eq!(z.json(&["lb", "quiet"])["status"], "none");
    assert_eq!(z.names(&["lb", "quiet"]), Vec::<String>::new());
    z.fails(&["lb", "quiet", "--wait"], 1, "quiet exposes nothing");
    z.fails(&["lb", "shop", "--timeout", "5s"], 2, "--wait");
    z.fails(&["lb", "shop", "--wait", "--timeout", "soon"], 2, "5m");
    z.fails(&["lb", "ghost"], 3, "no deployment named");

    // Queued, with no zopdeck running the workers: the wait gives up when told.
    let create = [
        "deployments",
        "create",
        "--name",
        "site",
        "--image",
        "nginx:1",
        "--no-wait",
    ];
    z.ok(&[&create[..], &["--configs", EXPOSED]].concat());
    z.fails(
        &["lb", "site", "--wait", "--timeout", "1s"],
        1,
        "site has no public address after 1s",
    );
    // Another process rolls it out: the waiting one sees the address come.
    let wait = z
        .command(&["lb", "site", "--wait", "--timeout", "2m", "-o", "name"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    z.ok(&["deployments", "wait", "site"]);
    let out = wait.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "site.demo.sandbox.zopdeck.test\n"
    );
}
