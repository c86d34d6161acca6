//! `promote` and `layout copy` through the real binary: on the embedded engine (a missing
//! target created only with --create, the promoted revision followed to active, what cannot be
//! promoted refused with its exit code) and against the real `zopdeck serve`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/real_serve.rs"]
mod real_serve;

use cli::Cli;
use real_serve::RealServe;

/// A data dir without the demo, with `staging` and `prod` environments and `shop` rolled out
/// in staging.
fn two_environments(dir: &std::path::Path) -> Cli<'_> {
    let z = Cli::on(dir).args(&["--no-demo"]);
    staged(&z);
    z
}

fn staged(z: &Cli) {
    for env in ["staging", "prod"] {
        let create = [
            "environments",
            "create",
            "--name",
            env,
            "--space",
            "sandbox",
        ];
        z.ok(&[&create[..], &["--namespace", env]].concat());
    }
    z.ok(&[
        "deployments",
        "create",
        "--env",
        "staging",
        "--name",
        "shop",
        "--image",
        "ghcr.io/acme/shop:1.4",
        "--configs",
        r#"{"port": 8080, "replicas": 2}"#,
    ]);
}

#[test]
fn promote_creates_only_when_asked_then_rolls_out_a_promote_revision() {
    let dir = tempfile::tempdir().unwrap();
    let z = two_environments(dir.path());
    let promote = ["promote", "shop", "--from", "staging", "--to", "prod"];
    z.fails(
        &promote,
        3,
        "prod has no deployment named shop; add --create",
    );
    let out = z.run(&[&promote[..], &["--create"]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("created shop in prod from staging #1"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("shop revision #1 is active"),
        "{}",
        out.stderr
    );
    let prod = z.json(&["deployments", "get", "shop", "--env", "prod"]);
    assert_eq!(prod["status"], "active");
    assert_eq!(prod["configs"], r#"{"port":8080,"replicas":2}"#);

    // The same revision again: nothing to do (409).
    z.fails(
        &promote,
        5,
        "shop in prod already runs the image and configs of staging #1",
    );
    // A new staging revision goes over, as revision #2 of prod noting where it came from.
    z.ok(&["configs", "shop", "--env", "staging", r#"{"replicas": 3}"#]);
    let rev = z.json(&promote);
    assert_eq!(rev["number"], 2);
    assert_eq!(rev["trigger"], "promote");
    assert_eq!(rev["note"], "from staging #2");
    assert_eq!(rev["status"], "active");
    assert_eq!(rev["configs"], r#"{"port":8080,"replicas":3}"#);
    // An older one by number, and --wait said aloud.
    let again = [&promote[..], &["--revision", "#1", "--wait", "-o", "name"]].concat();
    assert_eq!(z.ok(&again).trim().len(), "rev_".len() + 16);
    let revs = z.json(&["revisions", "shop", "--env", "prod"]);
    assert_eq!(revs[0]["note"], "from staging #1");
    assert_eq!(revs[0]["status"], "active");
    assert_eq!(revs[0]["configs"], r#"{"port":8080,"replicas":2}"#);
}

#[test]
fn what_cannot_be_promoted_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let z = two_environments(dir.path());
    let to_prod = ["promote", "shop", "--from", "staging", "--to", "prod"];
    z.fails(
        &["promote", "shop", "--from", "staging", "--to", "staging"],
        2,
        "--to names another environment",
    );
    z.fails(
        &["promote", "shop", "--to", "nowhere"],
        3,
        "no environment \"nowhere\"",
    );
    z.fails(
        &["promote", "ghost", "--to", "prod"],
        3,
        "no deployment named \"ghost\"",
    );
    z.fails(
        &[&to_prod[..], &["--revision", "9"]].concat(),
        3,
        "shop has no revision \"9\"",
    );
    z.fails(&["promote", "shop", "--from", "staging"], 2, "--to");
    z.fails(
        &[&to_prod[..], &["--wait", "--no-wait"]].concat(),
        2,
        "cannot be used with",
    );
    // A revision that failed and nothing active: named, it may go; by default, none serves.
    let crash = [
        "deployments",
        "create",
        "--env",
        "staging",
        "--name",
        "crashy",
        "--image",
        "ghcr.io/acme/app:1-crashloop",
    ];
    z.fails(&crash, 1, "crashy revision #1 failed");
    let to_prod = [
        "promote", "crashy", "--from", "staging", "--to", "prod", "--create",
    ];
    z.fails(
        &to_prod,
        5,
        "crashy has no active revision in staging to promote",
    );
    let read_only = Cli::on(dir.path()).args(&["--no-demo", "--read-only"]);
    read_only.fails(
        &["promote", "shop", "--to", "prod", "--create"],
        4,
        "read-only",
    );
}

#[test]
fn layout_copy_moves_the_namesakes_and_dry_run_moves_none() {
    let dir = tempfile::tempdir().unwrap();
    let z = two_environments(dir.path());
    z.ok(&[
        "promote", "shop", "--from", "staging", "--to", "prod", "--create",
    ]);
    z.ok(&["position", "set", "shop", "640", "320", "--env", "staging"]);
    z.ok(&["position", "set", "shop", "64", "64", "--env", "prod"]);
    let copy = ["layout", "copy", "--from", "staging", "--to", "prod"];
    let preview = z.json(&[&copy[..], &["--dry-run"]].concat());
    assert_eq!(preview[0]["name"], "shop");
    assert_eq!(
        preview[0]["from"],
        serde_json::json!({"x": 64.0, "y": 64.0})
    );
    assert_eq!(
        preview[0]["to"],
        serde_json::json!({"x": 640.0, "y": 320.0})
    );
    let prod = z.json(&["deployments", "get", "shop", "--env", "prod"]);
    assert_eq!(
        prod["canvasPosition"],
        serde_json::json!({"x": 64.0, "y": 64.0})
    );
    let run = z.run(&copy);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("moved 1 of 1 card(s) of prod"),
        "{}",
        run.stderr
    );
    let prod = z.json(&["deployments", "get", "shop", "--env", "prod"]);
    assert_eq!(
        prod["canvasPosition"],
        serde_json::json!({"x": 640.0, "y": 320.0})
    );
    assert_eq!(z.names(&copy), Vec::<String>::new(), "nothing left to move");
    z.fails(
        &["layout", "copy", "--from", "prod", "--to", "prod"],
        2,
        "name two environments",
    );
    Cli::on(dir.path())
        .args(&["--read-only"])
        .fails(&copy, 4, "read-only");
    Cli::on(dir.path())
        .args(&["--read-only"])
        .ok(&[&copy[..], &["--dry-run"]].concat());
}

#[test]
fn promote_and_layout_copy_against_serve() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let admin = real_serve::admin_token(&data);
    let server = RealServe::start(&data, &[], &[("ZOPDECK_SANDBOX_SPEED", "50")]);
    let client = dir.path().join("client");
    let z = Cli::remote(&client, &server.base, &admin);
    staged(&z);
    z.ok(&[
        "promote", "shop", "--from", "staging", "--to", "prod", "--create",
    ]);
    z.ok(&["configs", "shop", "--env", "staging", r#"{"replicas": 1}"#]);
    let rev = z.json(&["promote", "shop", "--from", "staging", "--to", "prod"]);
    assert_eq!(
        (rev["trigger"].as_str(), rev["status"].as_str()),
        (Some("promote"), Some("active"))
    );
    z.ok(&["position", "set", "shop", "320", "160", "--env", "staging"]);
    z.ok(&["layout", "copy", "--from", "staging", "--to", "prod"]);
    let prod = z.json(&["deployments", "get", "shop", "--env", "prod"]);
    assert_eq!(
        prod["canvasPosition"],
        serde_json::json!({"x": 320.0, "y": 160.0})
    );
}
