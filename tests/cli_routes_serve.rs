//! The headless commands against the real `zopdeck serve` (`--api-url` and a token): a
//! representative set of the contract's routes with their outputs parsed, every exit code
//! from the server's answers, `events --follow` over the live stream, and `login`/`logout`
//! through a terminal. (On the embedded engine: `cli_routes.rs`, `cli_routes_spaces.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

#[path = "support/cli.rs"]
mod cli;
#[path = "support/pty.rs"]
mod pty;
#[path = "support/real_serve.rs"]
mod real_serve;
use cli::{CREATE_SHOP, Cli, EXPOSED};
use real_serve::RealServe;

const FAST: &[(&str, &str)] = &[("ZOPDECK_SANDBOX_SPEED", "50")];

/// A token of `role` on the server's data dir.
fn token(data: &Path, role: &str) -> String {
    real_serve::zopdeck(data, &["token", "create", "--name", role, "--role", role])
        .trim()
        .to_string()
}

/// A server on `dir/server` with an admin token; the client's own dir is `dir/client`.
fn serve(dir: &Path) -> (RealServe, String) {
    let data = dir.join("server");
    let admin = real_serve::admin_token(&data);
    (RealServe::start(&data, &[], FAST), admin)
}

#[test]
fn a_tour_of_the_routes_against_serve() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = serve(dir.path());
    let client = dir.path().join("client");
    let z = Cli::remote(&client, &server.base, &admin);

    let envs = z.formats_agree(&["environments"]);
    assert_eq!(z.json(&["environments", "get", "demo"]), envs[0]);
    let create = ["envs", "create", "--name", "staging", "--space", "sandbox"];
    let staging = z.json(&[&create[..], &["--namespace", "staging"]].concat());
    assert_eq!(z.json(&["environments", "get", "staging"]), staging);

    let create = CREATE_SHOP;
    let run = z.run(&[&create[..], &["--configs", EXPOSED, "-o", "json"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("#1 rolling_out succeeded"),
        "{}",
        run.stderr
    );
    let dep: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(dep["status"], "active");
    assert!(
        dep["configs"].is_string(),
        "the contract's opaque string: {dep}"
    );
    let id = dep["id"].as_str().unwrap();
    assert_eq!(z.formats_agree(&["deployments", "get", "shop"]), dep);
    assert_eq!(z.json(&["deployments", "get", id]), dep);
    assert_eq!(z.names(&["deployments", "list", "--env", "demo"]), ["shop"]);

    assert_eq!(z.json(&["configs", "get", "shop"])["port"], 8080);
    z.ok(&["configs", "patch", "shop", r#"{"replicas": 2}"#]);
    let run = z.run_with_stdin(&["configs", "shop", "-"], r#"{"replicas": 3}"#);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(z.json(&["configs", "get", "shop"])["replicas"], 3);
    let pos = z.json(&["position", "set", "shop", "320", "180"]);
    assert_eq!(pos, json!({"x": 320.0, "y": 180.0}));
    assert_eq!(
        z.json(&["deployments", "get", "shop"])["canvasPosition"],
        pos
    );
    assert!(!z.names(&["analyze", "shop"]).is_empty());

    let revs = z.formats_agree(&["revisions", "shop"]);
    assert_eq!(revs.as_array().unwrap().len(), 3);
    let first = &revs[2];
    assert_eq!(&z.json(&["revisions", "get", "shop", "#1"]), first);
    assert_eq!(
        &z.json(&["revisions", "get", "shop", first["id"].as_str().unwrap()]),
        first
    );
    let rev = z.json(&[
        "revisions",
        "create",
        "shop",
        "--image",
        "nginx:1.28",
        "--note",
        "ci",
    ]);
    assert_eq!(
        (&rev["number"], &rev["status"]),
        (&json!(4), &json!("active"))
    );
    let back = z.json(&["rollback", "shop", "--to", "#1"]);
    assert_eq!(back["trigger"], "rollback");
    assert_eq!(back["rollbackOf"], first["id"]);
    assert_eq!(back["status"], "active");

    let events = z.formats_agree(&["events", "shop"]);
    let events = events.as_array().unwrap();
    let after = z.json(&[
        "events",
        "shop",
        "--after",
        events[0]["id"].as_str().unwrap(),
    ]);
    assert_eq!(after.as_array().unwrap()[..], events[1..]);
    let address = z.names(&["lb", "shop", "--wait", "--timeout", "1m"]);
    assert_eq!(address, ["shop.demo.sandbox.zopdeck.test"]);
    assert_eq!(z.json(&["lb", "shop"])["status"], "ready");

    let spaces = z.formats_agree(&["spaces"]);
    assert_eq!(z.json(&["spaces", "get", "sandbox"]), spaces[0]);
    let on = [
        "--account",
        "ca_sandbox",
        "--cluster",
        "sandbox",
        "--region",
        "local",
    ];
    let east = z.json(
        &[
            &["spaces", "create", "--name", "east", "--provider", "aws"][..],
            &on,
        ]
        .concat(),
    );
    assert_eq!(east["provider"], "aws");
    assert_eq!(
        z.json(&["spaces", "status", "east", "inactive"])["status"],
        "inactive"
    );
    z.ok(&["spaces", "delete", "east"]);
    assert_eq!(z.names(&["spaces"]), ["sandbox"]);
    assert_eq!(
        z.json(&["namespaces", "create", "sandbox", "team-a"])["managedByZopnight"],
        true
    );
    assert!(
        z.names(&["namespaces", "list", "sandbox"])
            .contains(&"team-a".to_string())
    );
    assert_eq!(
        z.formats_agree(&["clusters", "list", "ca_sandbox"])[0]["accessRegistered"],
        true
    );
    z.ok(&["access", "revoke", "ca_sandbox", "local", "sandbox"]);
    assert_eq!(
        z.json(&["clusters", "list", "ca_sandbox"])[0]["accessRegistered"],
        false
    );
    assert_eq!(
        z.json(&["access", "grant", "ca_sandbox", "local", "sandbox"])["accessRegistered"],
        true
    );

    let doctor = z.ok(&["doctor"]);
    assert!(
        doctor.contains(&format!("backend:       remote API {}", server.base)),
        "{doctor}"
    );
    assert!(doctor.contains("live stream:   yes (/ws)"), "{doctor}");

    let run = z.run(&["deployments", "delete", "shop"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("shop: torn down and deleted"),
        "{}",
        run.stderr
    );
    let run = z.run(&["deployments", "delete", id]);
    assert_eq!(
        (run.code, run.stderr.trim()),
        (0, format!("{id}: already deleted").as_str())
    );
    assert_eq!(z.json(&["deployments", "list"]), json!([]));
}

#[test]
fn every_exit_code_from_the_servers_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = serve(dir.path());
    let data = dir.path().join("server");
    let client = dir.path().join("client");
    let z = Cli::remote(&client, &server.base, &admin);
    let create = CREATE_SHOP;
    z.ok(&create);

    // 1: the rollout failed.
    let crash = [
        "deployments",
        "create",
        "--name",
        "crashy",
        "--image",
        "ghcr.io/acme/app:1-crashloop",
    ];
    z.fails(&crash, 1, "crashy revision #1 failed");
    // 2: bad input, seen by the client or answered 400 by the server.
    z.fails(
        &["configs", "shop", "{bad"],
        2,
        "the patch is not valid JSON",
    );
    z.fails(
        &["configs", "shop", r#"{"port": 70000}"#],
        2,
        "configs.port",
    );
    z.fails(
        &["namespaces", "create", "sandbox", "Bad_NS"],
        2,
        "DNS-1123",
    );
    let azure = [
        "spaces",
        "create",
        "--name",
        "az",
        "--provider",
        "azure",
        "--account",
        "ca_sandbox",
    ];
    z.fails(
        &[&azure[..], &["--cluster", "sandbox", "--region", "local"]].concat(),
        2,
        "config.resourceGroup is required on azure",
    );
    z.fails(
        &["token", "list"],
        2,
        "run `zopdeck token …` on the server's data dir",
    );
    // 3: unknown names and ids.
    z.fails(
        &["deployments", "get", "ghost"],
        3,
        "no deployment named \"ghost\"",
    );
    z.fails(
        &["deployments", "get", "dep_ghost"],
        3,
        "dep_ghost not found",
    );
    z.fails(&["revisions", "get", "shop", "9"], 3, "no revision \"9\"");
    z.fails(&["spaces", "get", "nowhere"], 3, "no space \"nowhere\"");
    z.fails(&["clusters", "list", "ca_ghost"], 3, "ca_ghost");
    // 4: a token that may not, a bad token, no token, a read-only client or server.
    let viewer = Cli::remote(&client, &server.base, &token(&data, "viewer"));
    viewer.ok(&["deployments", "list"]);
    viewer.fails(
        &["configs", "shop", r#"{"replicas": 2}"#],
        4,
        "a viewer token may not do this",
    );
    let bad = Cli::remote(&client, &server.base, "zn_pat_not_a_token");
    bad.fails(
        &["deployments", "list"],
        4,
        "token rejected — run zopdeck login",
    );
    let none = Cli::on(&client).args(&["--api-url", &server.base]);
    none.fails(&["deployments", "list"], 4, "no token for");
    let ro = Cli::remote(&client, &server.base, &admin).args(&["--read-only"]);
    ro.fails(&["rollback", "shop", "--to", "1"], 4, "read-only mode");
    let ro_data = dir.path().join("ro-server");
    let ro_token = real_serve::admin_token(&ro_data);
    let ro_server = RealServe::start(&ro_data, &["--read-only"], FAST);
    let ro = Cli::remote(&client, &ro_server.base, &ro_token);
    ro.ok(&["spaces"]);
    ro.fails(
        &["namespaces", "create", "sandbox", "team-a"],
        4,
        "read-only",
    );
    // 5: the state forbids it.
    z.fails(
        &["rollback", "shop", "--to", "1"],
        5,
        "already the current revision",
    );
    z.fails(&create, 5, "already exists");
    z.fails(
        &["spaces", "delete", "sandbox"],
        5,
        "space sandbox is not deleted",
    );
    // 6: the server is gone.
    let base = server.base.clone();
    drop(server);
    let gone = Cli::remote(&client, &base, &admin);
    gone.fails(&["deployments", "list"], 6, &base);
}

#[test]
fn events_follow_over_the_live_stream_while_a_change_rolls_out() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = serve(dir.path());
    let client = dir.path().join("client");
    let z = Cli::remote(&client, &server.base, &admin);
    z.ok(&CREATE_SHOP);
    let last = z.names(&["events", "shop"]).pop().unwrap();
    let mut follow = z
        .command(&["events", "shop", "--after", &last, "-f", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = follow.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let rev = z.json(&["configs", "shop", r#"{"replicas": 2}"#])["currentRevisionId"].clone();
    let mut seen: Vec<Value> = Vec::new();
    while !seen.iter().any(|e| e["stage"] == "active") {
        let line = lines
            .recv_timeout(Duration::from_secs(90))
            .expect("streamed events");
        seen.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")));
    }
    follow.kill().unwrap();
    follow.wait().unwrap();
    assert!(seen.iter().all(|e| e["revisionId"] == rev), "{seen:?}");
    assert_eq!(
        z.json(&["events", "shop", "--after", &last]),
        Value::Array(seen)
    );
}

#[test]
fn login_through_a_terminal_then_logout() {
    let dir = tempfile::tempdir().unwrap();
    let (server, admin) = serve(dir.path());
    let client = dir.path().join("client");
    std::fs::create_dir_all(&client).unwrap();
    let config_home = client.join("xdg-config"); // where support/cli.rs points XDG_CONFIG_HOME
    let config_home = config_home.to_str().unwrap();
    let login = |token: &str| {
        let args = ["login", "--api-url", server.base.as_str()];
        let mut tty = pty::Tui::start_with(&client, &args, &[("XDG_CONFIG_HOME", config_home)]);
        tty.wait_for("the prompt", |s| s.contains("(input hidden):"));
        tty.keys(&format!("{token}\r"));
        let status = tty.exit_status();
        (status.exit_code(), tty.contents())
    };
    let z = Cli::on(&client).args(&["--api-url", &server.base]);

    let (code, screen) = login("zn_pat_wrong");
    assert_eq!(code, 4, "{screen}");
    assert!(screen.contains("the token was not accepted"), "{screen}");
    assert!(screen.contains("nothing was stored"), "{screen}");
    assert!(!screen.contains("zn_pat_wrong"), "not echoed: {screen}");
    z.fails(&["deployments", "list"], 4, "no token for");

    let (code, screen) = login(&admin);
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains(&format!("logged in to {}", server.base)),
        "{screen}"
    );
    assert!(!screen.contains(&admin), "not echoed: {screen}");
    assert_eq!(
        z.json(&["deployments", "list"]),
        json!([]),
        "the stored token is used"
    );
    let run = z.run(&["logout"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        format!("the token for {} is forgotten", server.base)
    );
    z.fails(&["deployments", "list"], 4, "no token for");
}
