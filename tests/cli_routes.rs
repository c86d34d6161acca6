//! The deployment routes of the contract through the real binary on the embedded engine —
//! deployments, configs, position, analyze, revisions, rollback — one subcommand at a time:
//! what it prints (`-o json|yaml|name` parsed and compared, the table), its exit codes, its
//! answer to bad input. (Events, lb and following a rollout: `cli_routes_follow.rs`;
//! environments and spaces: `cli_routes_spaces.rs`; the other commands: `cli_tools.rs`;
//! against `zopdeck serve`: `cli_routes_serve.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

#[path = "support/cli.rs"]
mod cli;
use cli::{CREATE_SHOP, Cli, EXPOSED, with_shop};

#[test]
fn deployments_create_list_get_wait_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path()).args(&["--no-demo"]);
    let create = CREATE_SHOP;
    let run = z.run(&[&create[..], &["--configs", EXPOSED, "-o", "json"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Not on a terminal: plain lines, in the order of the stages, and no bar.
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\r'),
        "{}",
        run.stderr
    );
    let at = |what: &str| {
        run.stderr
            .find(what)
            .unwrap_or_else(|| panic!("{what}: {}", run.stderr))
    };
    assert!(at("created shop (dep_") < at("#1 building    started"));
    assert!(at("#1 building    started") < at("#1 deploying   succeeded"));
    assert!(at("#1 deploying   succeeded") < at("#1 rolling_out succeeded"));
    assert!(at("#1 rolling_out succeeded") < at("#1 active      succeeded"));
    assert!(
        run.stderr
            .trim_end()
            .ends_with("shop revision #1 is active"),
        "{}",
        run.stderr
    );
    let dep: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(dep["name"], "shop");
    assert_eq!(dep["status"], "active");
    assert_eq!(dep["sourceType"], "image");
    for key in [
        "orgId",
        "envId",
        "spaceId",
        "namespace",
        "currentRevisionId",
        "createdAt",
    ] {
        assert!(dep[key].is_string(), "{key} in {dep}");
    }
    // `configs` is the contract's opaque JSON string.
    let configs: Value = serde_json::from_str(dep["configs"].as_str().unwrap()).unwrap();
    assert_eq!(configs, serde_json::from_str::<Value>(EXPOSED).unwrap());
    let id = dep["id"].as_str().unwrap();

    let list = z.formats_agree(&["deployments", "list"]);
    assert_eq!(list, json!([dep]));
    assert_eq!(z.json(&["deployments", "list", "--env", "demo"]), list);
    let table = z.ok(&["deployments", "list"]);
    assert!(
        table.starts_with("ID") && table.contains("shop  demo  active"),
        "{table}"
    );
    assert_eq!(z.formats_agree(&["deployments", "get", "shop"]), dep);
    assert_eq!(z.json(&["deployments", "get", id]), dep);
    assert_eq!(z.json(&["deployments", "wait", "shop"])["status"], "active");
    assert!(
        z.ok(&["deployments", "get", "shop"])
            .contains(&format!("id:                 {id}"))
    );

    // By name within --env when two environments hold the same name.
    z.ok(&[
        "envs",
        "create",
        "--name",
        "prod",
        "--space",
        "sandbox",
        "--namespace",
        "prod",
    ]);
    let prod = z.json(&[&create[..], &["--env", "prod"]].concat());
    z.fails(
        &["deployments", "get", "shop"],
        2,
        "2 deployments are named \"shop\"; pick one with --env",
    );
    assert_eq!(
        z.json(&["deployments", "get", "shop", "--env", "prod"]),
        prod
    );
    assert_eq!(z.names(&["deployments", "list", "--env", "prod"]), ["shop"]);

    // Bad input, unknown names, a taken name and a failing rollout.
    z.fails(
        &["deployments", "create", "--name", "x"],
        2,
        "needs --image IMAGE",
    );
    z.fails(
        &[
            "deployments",
            "create",
            "--name",
            "Bad_Name",
            "--image",
            "x:1",
        ],
        2,
        "DNS-1123",
    );
    z.fails(
        &[
            "deployments",
            "create",
            "--name",
            "x",
            "--image",
            "x:1",
            "--configs",
            "{",
        ],
        2,
        "--configs is not valid JSON",
    );
    z.fails(
        &[
            "deployments",
            "create",
            "--name",
            "x",
            "--image",
            "x:1",
            "--env",
            "nowhere",
        ],
        3,
        "no environment",
    );
    z.fails(
        &create,
        5,
        "a deployment named \"shop\" already exists in environment demo",
    );
    z.fails(
        &["deployments", "get", "ghost"],
        3,
        "no deployment named \"ghost\"",
    );
    z.fails(
        &["deployments", "get", "dep_ghost"],
        3,
        "deployment dep_ghost not found",
    );
    z.fails(&["deployments", "wait", "ghost"], 3, "no deployment named");
    let crash = [
        "deployments",
        "create",
        "--name",
        "crashy",
        "--image",
        "ghcr.io/acme/app:1-crashloop",
    ];
    z.fails(&crash, 1, "crashy revision #1 failed");

    // A wait that gives up says so and leaves the rollout going.
    z.ok(&[
        "deployments",
        "create",
        "--name",
        "slow",
        "--image",
        "nginx:1",
        "--no-wait",
    ]);
    let slow = Cli::on(dir.path()).env("ZOPDECK_SANDBOX_SPEED", "0.01");
    slow.fails(
        &["deployments", "wait", "slow", "--timeout", "1s"],
        1,
        "gave up waiting after 1s; the rollout goes on",
    );

    // Delete: by name, then the same id again (idempotent), and an id that never was.
    let run = z.run(&["deployments", "delete", "shop", "--env", "demo"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("tearing_down started")
            && run.stderr.contains("shop: torn down and deleted"),
        "{}",
        run.stderr
    );
    z.fails(&["deployments", "get", id], 3, "not found");
    let run = z.run(&["deployments", "delete", id]);
    assert_eq!(
        (run.code, run.stderr.trim()),
        (0, format!("{id}: already deleted").as_str())
    );
    z.fails(&["deployments", "delete", "dep_ghost"], 3, "not found");
    assert_eq!(
        z.names(&["deployments", "list", "--env", "demo"]),
        ["crashy", "slow"]
    );
}

#[test]
fn beside_the_zopdeck_running_the_workers_a_change_is_queued_with_no_wait() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path()).args(&["--no-demo"]);
    // The store is made first: two processes creating a fresh one at once collide in the
    // engine ("table meta already exists"), which is not what this test is about.
    z.ok(&["environments"]);
    let args = [
        "deployments",
        "create",
        "--name",
        "slow",
        "--image",
        "nginx:1",
    ];
    let mut slow = Cli::on(dir.path())
        .args(&["--no-demo"])
        .env("ZOPDECK_SANDBOX_SPEED", "0.05")
        .command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Until the first process holds the data dir (its deployment exists).
    for _ in 0..200 {
        if z.names(&["deployments", "list"]) == ["slow"] {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let patch = ["configs", "slow", r#"{"replicas": 2}"#];
    let e = z.fails(
        &patch,
        5,
        "or pass --no-wait: the zopdeck running there rolls the change out",
    );
    assert!(e.contains("another zopdeck (pid"), "{e}");
    let ro = Cli::on(dir.path()).args(&["--read-only"]);
    ro.fails(&patch, 4, "read-only mode");
    let run = z.run(&[&patch[..], &["--no-wait"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("configs of slow patched: revision #2"),
        "{}",
        run.stderr
    );
    assert_eq!(z.json(&["revisions", "slow"])[0]["trigger"], "config");
    slow.kill().unwrap();
    slow.wait().unwrap();
}

#[test]
fn configs_get_and_patch_and_the_shorthand() {
    let dir = tempfile::tempdir().unwrap();
    let z = with_shop(dir.path());
    let configs = z.json(&["configs", "get", "shop"]);
    assert_eq!(configs, serde_json::from_str::<Value>(EXPOSED).unwrap());
    assert_eq!(z.yaml(&["configs", "get", "shop"]), configs);
    assert_eq!(
        z.names(&["configs", "get", "shop"]),
        ["expose", "port"],
        "the keys"
    );
    let table = z.ok(&["configs", "get", "shop"]);
    assert!(
        table.starts_with("KEY") && table.contains("port    8080"),
        "{table}"
    );

    // patch answers with the deployment (the contract's object), its configs patched.
    let dep = z.json(&[
        "configs",
        "patch",
        "shop",
        r#"{"replicas": 2, "envVars": {"A": "1"}}"#,
    ]);
    assert_eq!(dep["name"], "shop");
    assert_eq!(dep["status"], "active");
    let now = z.json(&["configs", "get", "shop"]);
    assert_eq!(now["replicas"], 2);
    assert_eq!(now["envVars"], json!({"A": "1"}));
    // The shorthand, and a patch from stdin; null removes a key.
    assert_eq!(
        z.names(&["configs", "shop", r#"{"replicas": 3}"#]),
        ["shop"]
    );
    let run = z.run_with_stdin(&["configs", "patch", "shop", "-"], r#"{"envVars": null}"#);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("configs of shop patched: revision #4"),
        "{}",
        run.stderr
    );
    let now = z.json(&["configs", "get", "shop"]);
    assert_eq!(now["replicas"], 3);
    assert!(now.get("envVars").is_none(), "{now}");
    let run = z.run(&["configs", "shop", r#"{"replicas": 3}"#]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("no change"), "{}", run.stderr);

    z.fails(
        &["configs", "patch", "shop", "{bad"],
        2,
        "the patch is not valid JSON",
    );
    z.fails(
        &["configs", "shop", "[1]"],
        2,
        "the patch must be a JSON object",
    );
    z.fails(
        &["configs", "shop", r#"{"port": 70000}"#],
        2,
        "configs.port",
    );
    z.fails(
        &["configs", "patch", "ghost", "{}"],
        3,
        "no deployment named \"ghost\"",
    );
    z.fails(
        &["configs", "get", "ghost"],
        3,
        "no deployment named \"ghost\"",
    );
    z.fails(&["configs", "shop"], 2, "<PATCH>");
    assert_eq!(
        z.json(&["revisions", "shop"]).as_array().unwrap().len(),
        4,
        "no revision from bad input"
    );
}

#[test]
fn position_set_and_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let z = with_shop(dir.path());
    let set = ["position", "set", "shop"];
    assert_eq!(
        z.json(&[&set[..], &["320", "-180.5"]].concat()),
        json!({"x": 320.0, "y": -180.5})
    );
    assert_eq!(
        z.yaml(&[&set[..], &["320", "-180.5"]].concat()),
        json!({"x": 320.0, "y": -180.5})
    );
    assert_eq!(z.names(&[&set[..], &["1", "2"]].concat()), ["shop"]);
    assert_eq!(
        z.ok(&[&set[..], &["64", "32"]].concat()).trim(),
        "shop  64,32"
    );
    assert_eq!(
        z.json(&["deployments", "get", "shop"])["canvasPosition"],
        json!({"x": 64.0, "y": 32.0})
    );
    z.fails(&[&set[..], &["1", "inf"]].concat(), 2, "two finite numbers");
    z.fails(&[&set[..], &["NaN", "1"]].concat(), 2, "two finite numbers");
    z.fails(
        &[&set[..], &["left", "1"]].concat(),
        2,
        "invalid value 'left'",
    );
    z.fails(
        &["position", "set", "ghost", "1", "2"],
        3,
        "no deployment named",
    );

    let report = z.json(&["analyze", "shop"]);
    assert_eq!(z.yaml(&["analyze", "shop"]), report);
    let warnings = report["warnings"].as_array().unwrap();
    assert!(!warnings.is_empty(), "{report}");
    for w in warnings {
        for key in ["code", "severity", "message", "field"] {
            assert!(w[key].is_string(), "{key} in {w}");
        }
    }
    let codes: Vec<&str> = warnings
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"no_liveness_probe"), "{codes:?}");
    assert_eq!(z.names(&["analyze", "shop"]), codes, "-o name: the codes");
    let table = z.ok(&["analyze", "shop"]);
    assert!(
        table.starts_with("SEVERITY") && table.contains("no_liveness_probe"),
        "{table}"
    );
    z.fails(&["analyze", "ghost"], 3, "no deployment named");
    assert_eq!(
        z.json(&["revisions", "shop"]).as_array().unwrap().len(),
        1,
        "analyze creates no revision"
    );
}

#[test]
fn revisions_by_id_or_number_create_and_rollback_to_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let z = with_shop(dir.path());
    z.ok(&["configs", "shop", r#"{"replicas": 2}"#]);
    let revs = z.formats_agree(&["revisions", "list", "shop"]);
    assert_eq!(z.json(&["revisions", "shop"]), revs, "list is the default");
    let numbers: Vec<u64> = revs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1], "newest first");
    let first = &revs[1];
    assert_eq!(first["trigger"], "create");
    let first_id = first["id"].as_str().unwrap();
    for by in ["1", "#1", first_id] {
        assert_eq!(&z.json(&["revisions", "get", "shop", by]), first, "{by}");
    }
    assert_eq!(&z.yaml(&["revisions", "get", "shop", "#1"]), first);
    assert_eq!(z.names(&["revisions", "get", "shop", "1"]), [first_id]);
    let table = z.ok(&["revisions", "shop"]);
    assert!(
        table.lines().nth(1).unwrap().starts_with("*  #2"),
        "{table}"
    );
    z.fails(
        &["revisions", "get", "shop", "9"],
        3,
        "shop has no revision \"9\"",
    );
    z.fails(&["revisions", "get", "shop", "rev_ghost"], 3, "no revision");
    z.fails(&["revisions", "ghost"], 3, "no deployment named");

    // A revision from an image built elsewhere: the revision is the answer.
    let create = [
        "revisions",
        "create",
        "shop",
        "--image",
        "nginx:1.28",
        "--build-id",
        "b42",
    ];
    let rev = z.json(&[&create[..], &["--note", "from CI"]].concat());
    assert_eq!(rev["number"], 3);
    assert_eq!(rev["image"], "nginx:1.28");
    assert_eq!(rev["buildId"], "b42");
    assert_eq!(rev["note"], "from CI");
    assert_eq!(rev["status"], "active");
    assert_eq!(
        z.json(&["deployments", "get", "shop"])["currentRevisionId"],
        rev["id"]
    );
    z.fails(
        &["revisions", "create", "shop", "--image", "NOT AN IMAGE"],
        2,
        "image reference",
    );

    // Rollback to #1: a new revision cloned from it, printed as the answer.
    let run = z.run(&["rollback", "shop", "--to", "#1", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("rollback of shop to #1 created revision #4"),
        "{}",
        run.stderr
    );
    // The lines end with the event that says so (written a moment after the status).
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines[lines.len() - 2].contains("#4 active      succeeded"),
        "{}",
        run.stderr
    );
    assert_eq!(lines[lines.len() - 1], "shop revision #4 is active");
    let back: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(back["number"], 4);
    assert_eq!(back["trigger"], "rollback");
    assert_eq!(back["rollbackOf"], first_id);
    assert_eq!(back["status"], "active");
    assert_eq!(back["configs"], first["configs"]);
    assert!(z.ok(&["revisions", "shop"]).contains("rollback of #1"));
    let queued = z.names(&["rollback", "shop", "--to", first_id, "--no-wait"]);
    let newest = z.json(&["revisions", "shop"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(queued, [newest]);
    z.ok(&["deployments", "wait", "shop"]);
    z.fails(
        &["rollback", "shop", "--to", "5"],
        5,
        "already the current revision",
    );
    z.fails(&["rollback", "shop", "--to", "#9"], 3, "no revision \"#9\"");
    z.fails(&["rollback", "shop"], 2, "--to <TO>");
    assert_eq!(z.json(&["revisions", "shop"]).as_array().unwrap().len(), 5);
}

#[test]
fn the_list_says_what_each_deployment_runs_now() {
    let dir = tempfile::tempdir().unwrap();
    let z = with_shop(dir.path());
    z.ok(&[
        "revisions",
        "create",
        "shop",
        "--image",
        "ghcr.io/acme/shop:2.0",
    ]);
    let table = z.ok(&["deployments", "list"]);
    let row = table
        .lines()
        .find(|l| l.contains(" shop "))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("#2"), "{row}");
    assert!(
        row.contains("ghcr.io/acme/shop:2.0"),
        "the current image: {row}"
    );
    assert!(
        !row.contains("nginx"),
        "not the one it was created with: {row}"
    );
    let header = table.lines().next().unwrap();
    assert!(
        header.contains("REV") && header.contains("IMAGE"),
        "{header}"
    );
}
