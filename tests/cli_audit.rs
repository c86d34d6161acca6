//! `zopdeck audit` through the real binary against a real `zopdeck serve`: what a deployer's
//! token changed, filtered by deployment, token and time; refused to a deployer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/cli.rs"]
mod cli;
#[path = "support/real_serve.rs"]
mod real_serve;

use cli::Cli;
use real_serve::RealServe;

#[test]
fn audit_lists_who_changed_what_and_only_for_admins() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let admin = real_serve::admin_token(&data);
    let alice = real_serve::zopdeck(
        &data,
        &["token", "create", "--name", "alice", "--role", "deployer"],
    )
    .trim()
    .to_string();
    let server = RealServe::start(&data, &[], &[("ZOPDECK_SANDBOX_SPEED", "50")]);
    let client = dir.path().join("client");
    let as_alice = Cli::remote(&client, &server.base, &alice);
    as_alice.ok(&[
        "environments",
        "create",
        "--name",
        "staging",
        "--space",
        "sandbox",
        "--namespace",
        "staging",
    ]);
    as_alice.ok(&[
        "deployments",
        "create",
        "--env",
        "staging",
        "--name",
        "shop",
        "--image",
        "nginx:1.27",
        "--no-wait",
    ]);
    as_alice.ok(&[
        "configs",
        "shop",
        "--env",
        "staging",
        r#"{"envVars": {"DB_PASSWORD": "hunter2-secret"}}"#,
        "--no-wait",
    ]);
    let as_admin = Cli::remote(&client, &server.base, &admin);

    let entries = as_admin.json(&["audit", "--deployment", "shop", "--env", "staging"]);
    let entries = entries.as_array().unwrap();
    let what: Vec<(&str, &str, &str, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["tokenName"].as_str().unwrap(),
                e["method"].as_str().unwrap(),
                e["route"].as_str().unwrap(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        what,
        [
            ("alice", "PATCH", "/deployments/{id}/configs", 200),
            ("alice", "POST", "/deployments", 201),
        ],
        "newest first"
    );
    assert!(!entries.iter().any(|e| e.to_string().contains("hunter2")));

    let table = as_admin.ok(&["audit", "--token", "alice"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("AT"), "{table}");
    assert!(
        lines[0].contains("TOKEN") && lines[0].contains("STATUS"),
        "{table}"
    );
    assert_eq!(
        lines.len(),
        4,
        "the environment, the deployment, the patch: {table}"
    );
    assert!(
        lines[1].contains("PATCH") && lines[1].contains("alice"),
        "{table}"
    );
    assert!(
        lines[3].contains("/environments") && lines[3].contains("201"),
        "{table}"
    );
    assert_eq!(
        as_admin
            .ok(&["audit", "--since", "1h", "-o", "name"])
            .lines()
            .count(),
        3
    );
    assert_eq!(
        as_admin.ok(&["audit", "--since", "2999-01-01T00:00:00Z", "-o", "name"]),
        ""
    );
    as_admin.fails(
        &["audit", "--since", "last tuesday"],
        2,
        "--since takes a time",
    );
    as_alice.fails(&["audit"], 4, "the audit log is for admin tokens");
}
