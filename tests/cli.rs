//! The headless commands of the real binary: output shapes, and clear errors on bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::{BIN, code, err, ok};

#[test]
fn doctor_tells_where_things_live_and_that_the_sandbox_answers() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["--no-demo", "doctor"]);
    assert!(
        out.contains(&format!("data dir:      {}", dir.path().display())),
        "{out}"
    );
    let version = zopdeck::backend::engine::store::SCHEMA_VERSION;
    assert!(out.contains(&format!("schema version {version}")), "{out}");
    assert!(
        out.contains("sandbox") && out.contains("reachable (simulated cluster)"),
        "{out}"
    );
    assert!(
        out.contains("demo") && out.contains("0 deployment(s)"),
        "{out}"
    );
}

#[test]
fn first_run_seeds_a_living_demo_environment() {
    let dir = tempfile::tempdir().unwrap();
    let list: Value =
        serde_json::from_str(&ok(dir.path(), &["deployments", "list", "-o", "json"])).unwrap();
    let deps = list.as_array().unwrap();
    let mut names: Vec<&str> = deps.iter().map(|d| d["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["api", "postgres", "web", "worker"]);
    let mut positions: Vec<String> = deps
        .iter()
        .map(|d| d["canvasPosition"].to_string())
        .collect();
    positions.sort();
    positions.dedup();
    assert_eq!(positions.len(), 4, "distinct canvas positions");
    // The demo really rolls out: web reaches its third revision.
    ok(
        dir.path(),
        &["deployments", "wait", "web", "--wait-timeout", "60"],
    );
    let revs: Value =
        serde_json::from_str(&ok(dir.path(), &["revisions", "web", "-o", "json"])).unwrap();
    assert_eq!(revs.as_array().unwrap().len(), 3);
    assert_eq!(revs[0]["status"], "active");
}

#[test]
fn create_patch_rollback_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = &["--no-demo"];
    let create = [
        d as &[&str],
        &[
            "deployments",
            "create",
            "--name",
            "shop",
            "--image",
            "nginx:1.27",
            "-o",
            "json",
        ],
    ]
    .concat();
    let dep: Value = serde_json::from_str(&ok(dir.path(), &create)).unwrap();
    assert_eq!(dep["status"], "active");
    ok(dir.path(), &["configs", "shop", r#"{"replicas": 2}"#]);
    ok(dir.path(), &["rollback", "shop", "--to", "1"]);
    let revs: Value =
        serde_json::from_str(&ok(dir.path(), &["revisions", "shop", "-o", "json"])).unwrap();
    let revs = revs.as_array().unwrap();
    assert_eq!(revs.len(), 3);
    assert_eq!(revs[0]["trigger"], "rollback");
    assert_eq!(revs[0]["rollbackOf"], revs[2]["id"]);
    assert_eq!(revs[0]["status"], "active");
    let table = ok(dir.path(), &["revisions", "shop"]);
    assert!(table.contains("rollback of #1"), "{table}");
    let e = err(dir.path(), &["rollback", "shop", "--to", "3"]);
    assert!(e.contains("already the current revision"), "{e}");
    let e = err(dir.path(), &["deployments", "delete", "nope"]);
    assert!(e.contains("no deployment named \"nope\""), "{e}");
    ok(dir.path(), &["deployments", "delete", "shop"]);
    assert_eq!(
        ok(dir.path(), &["deployments", "list", "-o", "json"]).trim(),
        "[]"
    );
}

#[test]
fn bad_input_gets_a_clear_error_and_changes_nothing() {
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
            "nginx:1.27",
        ],
    );
    let e = err(dir.path(), &["configs", "shop", "{bad"]);
    assert!(e.contains("not valid JSON"), "{e}");
    let e = err(dir.path(), &["configs", "shop", r#"{"port": 70000}"#]);
    assert!(e.contains("configs.port") && e.contains("65535"), "{e}");
    let e = err(
        dir.path(),
        &[
            "deployments",
            "create",
            "--name",
            "Bad_Name",
            "--image",
            "x:1",
        ],
    );
    assert!(e.contains("DNS-1123"), "{e}");
    let e = err(dir.path(), &["events", "shop", "--after", "nonsense"]);
    assert!(e.contains("after"), "{e}");
    let revs: Value =
        serde_json::from_str(&ok(dir.path(), &["revisions", "shop", "-o", "json"])).unwrap();
    assert_eq!(revs.as_array().unwrap().len(), 1, "nothing was written");
}

#[test]
fn read_only_refuses_changes_but_reads() {
    let dir = tempfile::tempdir().unwrap();
    let e = err(
        dir.path(),
        &[
            "--read-only",
            "--no-demo",
            "deployments",
            "create",
            "--name",
            "x",
            "--image",
            "x:1",
        ],
    );
    assert!(e.contains("read-only"), "{e}");
    ok(dir.path(), &["--read-only", "deployments", "list"]);
}

#[test]
fn config_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let e = err(
        dir.path(),
        &["--config", missing.to_str().unwrap(), "doctor"],
    );
    assert!(e.contains("missing.toml"), "{e}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[sandbox]\nspeed = \"fast\"\n").unwrap();
    let e = err(dir.path(), &["--config", bad.to_str().unwrap(), "doctor"]);
    assert!(e.contains("bad.toml") && e.contains("speed"), "{e}");
}

#[test]
fn the_tui_without_a_terminal_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = err(dir.path(), &[]);
    assert!(e.contains("needs a terminal"), "{e}");
}

#[test]
fn one_process_runs_the_workers_of_a_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["--no-demo", "doctor"]);
    let mut slow = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "deployments",
            "create",
            "--name",
            "slow",
            "--image",
            "nginx:1",
            "--configs",
            r#"{"replicas": 3}"#,
        ])
        .env("ZOPDECK_SANDBOX_SPEED", "0.05")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first process holds the lock (its deployment exists).
    let mut listed = String::new();
    for _ in 0..100 {
        listed = ok(dir.path(), &["deployments", "list"]);
        if listed.contains("slow") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        listed.contains("slow"),
        "reads work beside the running engine: {listed}"
    );
    let e = err(dir.path(), &["deployments", "wait", "slow"]);
    assert!(e.contains("another zopdeck (pid"), "{e}");
    slow.kill().unwrap();
    slow.wait().unwrap();
}

#[test]
fn exit_codes_say_what_kind_of_failure_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "--no-demo",
            "deployments",
            "create",
            "--name",
            "shop",
            "--image",
            "nginx:1.27",
        ],
    );
    let cases: &[(&[&str], i32, &str)] = &[
        // 2: usage and invalid input
        (&["deployments", "frobnicate"], 2, "unrecognized subcommand"),
        (&["configs", "shop", "{bad"], 2, "not valid JSON"),
        (
            &["configs", "shop", r#"{"port": 70000}"#],
            2,
            "configs.port",
        ),
        (
            &[
                "deployments",
                "create",
                "--name",
                "x",
                "--image",
                "x:1",
                "--configs",
                "[1",
            ],
            2,
            "--configs is not valid JSON",
        ),
        // 3: not found
        (
            &["deployments", "get", "ghost"],
            3,
            "no deployment named \"ghost\"",
        ),
        (&["deployments", "get", "dep_unknown"], 3, "not found"),
        (&["rollback", "shop", "--to", "9"], 3, "no revision"),
        (
            &["deployments", "list", "--env", "nowhere"],
            3,
            "no environment",
        ),
        // 4: refused
        (
            &["--read-only", "configs", "shop", r#"{"replicas": 2}"#],
            4,
            "read-only",
        ),
        // 5: conflict — a rollback onto the revision that is current
        (&["rollback", "shop", "--to", "1"], 5, ""),
        // 1: the rollout failed
        (
            &[
                "deployments",
                "create",
                "--name",
                "crashy",
                "--image",
                "ghcr.io/acme/app:1.0-crashloop",
            ],
            1,
            "failed",
        ),
    ];
    for (args, want, says) in cases {
        let (got, stderr) = code(d, args);
        assert_eq!(got, *want, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        if !stderr.contains("Usage:") {
            // clap's own usage errors add the usage lines; ours end with one line that says
            // it all (after the rollout's lines, when one was followed).
            let last = stderr.trim().lines().last().unwrap_or_default();
            assert!(
                last.starts_with("zopdeck: ") && last.contains(says),
                "{stderr}"
            );
        }
    }
    // 6: the server cannot be reached.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = Command::new(BIN)
        .args([
            "--api-url",
            &format!("http://127.0.0.1:{port}/api"),
            "deployments",
            "list",
        ])
        .env("ZOPNIGHT_TOKEN", "zn_pat_test")
        .env("HOME", d)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The codes are documented in --help.
    let help = ok(d, &["--help"]);
    assert!(
        help.contains("Exit codes: 0 ok") && help.contains("6 server or"),
        "{help}"
    );
}

#[test]
fn yaml_and_name_outputs_carry_what_json_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "--no-demo",
            "deployments",
            "create",
            "--name",
            "shop",
            "--image",
            "nginx:1.27",
        ],
    );
    ok(d, &["configs", "shop", r#"{"replicas": 2}"#]);
    for what in [
        &["deployments", "list"][..],
        &["revisions", "shop"],
        &["environments"],
        &["spaces"],
        &["deployments", "get", "shop"],
    ] {
        let json: Value = serde_json::from_str(&ok(d, &[what, &["-o", "json"]].concat())).unwrap();
        let yaml: Value = serde_saphyr::from_str(&ok(d, &[what, &["-o", "yaml"]].concat()))
            .unwrap_or_else(|e| panic!("{what:?} -o yaml: {e}"));
        assert_eq!(yaml, json, "{what:?}");
        let names = ok(d, &[what, &["-o", "name"]].concat());
        let items = json
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![json.clone()]);
        let want: Vec<&str> = items
            .iter()
            .map(|i| {
                i.get("name")
                    .or_else(|| i.get("id"))
                    .unwrap()
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(names.lines().collect::<Vec<_>>(), want, "{what:?}");
    }
}
