//! The environment and space routes of the contract through the real binary on the embedded
//! engine — environments, spaces, namespaces, clusters, access — one subcommand at a time:
//! what it prints (`-o json|yaml|name` parsed and compared, the table), its exit codes, its
//! answer to bad input. (On a kubeconfig's contexts: `cli_spaces.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

#[path = "support/cli.rs"]
mod cli;
use cli::Cli;

/// The space's `config`, a JSON string in the contract, parsed.
fn config_of(space: &Value) -> Value {
    serde_json::from_str(space["config"].as_str().unwrap()).unwrap()
}

#[test]
fn environments_list_get_and_create_by_name_or_id() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path()).args(&["--no-demo"]);
    let envs = z.formats_agree(&["environments", "list"]);
    assert_eq!(envs, z.json(&["environments"]), "list is the default");
    let demo = &envs[0];
    assert_eq!(demo["name"], "demo");
    let id = demo["id"].as_str().unwrap();
    assert!(id.starts_with("env_"), "{id}");
    for key in ["spaceId", "namespace", "registryUrl", "createdAt"] {
        assert!(demo.get(key).is_some(), "{key} in {demo}");
    }
    assert_eq!(&z.formats_agree(&["environments", "get", "demo"]), demo);
    assert_eq!(&z.json(&["environments", "get", id]), demo);
    let table = z.ok(&["environments"]);
    assert!(
        table.starts_with("ID") && table.contains("demo  sandbox"),
        "{table}"
    );
    assert!(
        z.ok(&["environments", "get", "demo"])
            .contains(&format!("id:         {id}"))
    );

    let create = [
        "environments",
        "create",
        "--name",
        "staging",
        "--space",
        "sandbox",
    ];
    let env = z.json(
        &[
            &create[..],
            &["--namespace", "staging", "--registry", "ghcr.io/acme"],
        ]
        .concat(),
    );
    assert_eq!(env["name"], "staging");
    assert_eq!(env["namespace"], "staging");
    assert_eq!(env["registryUrl"], "ghcr.io/acme");
    assert_eq!(env["spaceId"], demo["spaceId"]);
    assert_eq!(z.json(&["environments", "get", "staging"]), env);
    let qa = [
        "environments",
        "create",
        "--name",
        "qa",
        "--space",
        "sandbox",
        "--namespace",
    ];
    assert_eq!(z.names(&[&qa[..], &["qa"]].concat()), ["qa"]);

    z.fails(
        &["environments", "get", "nowhere"],
        3,
        "no environment \"nowhere\"; there are: demo",
    );
    z.fails(&[&qa[..], &["Bad_NS"]].concat(), 2, "DNS-1123");
    z.fails(
        &[&create[..], &["--namespace", "other"]].concat(),
        5,
        "already exists",
    );
    let elsewhere = [
        "environments",
        "create",
        "--name",
        "x",
        "--space",
        "nowhere",
    ];
    z.fails(
        &[&elsewhere[..], &["--namespace", "x"]].concat(),
        3,
        "no space \"nowhere\"",
    );
    z.fails(&["environments", "frobnicate"], 2, "Usage:");
    assert_eq!(z.json(&["environments"]).as_array().unwrap().len(), 3);
}

#[test]
fn spaces_list_get_create_status_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path()).args(&["--no-demo"]);
    let spaces = z.formats_agree(&["spaces", "list"]);
    assert_eq!(spaces, z.json(&["spaces"]), "list is the default");
    let sandbox = &spaces[0];
    assert_eq!(sandbox["name"], "sandbox");
    let id = sandbox["id"].as_str().unwrap();
    assert_eq!(&z.formats_agree(&["spaces", "get", "sandbox"]), sandbox);
    assert_eq!(&z.json(&["spaces", "get", id]), sandbox);
    assert!(
        z.ok(&["spaces", "get", "sandbox"])
            .contains("name:            sandbox")
    );
    z.fails(
        &["spaces", "get", "nowhere"],
        3,
        "no space \"nowhere\"; there are: sandbox",
    );
    z.fails(
        &["spaces", "get", "spc_ghost"],
        3,
        "space spc_ghost not found",
    );

    // A space on a cloud account's cluster; the contract's validation, said as one line.
    let on = ["--account", "ca_sandbox", "--cluster", "sandbox"];
    let aws = |name: &'static str| {
        [
            &["spaces", "create", "--name", name, "--provider", "aws"][..],
            &on,
        ]
        .concat()
    };
    let extra = [
        "--region",
        "local",
        "--space-config",
        r#"{"nodePool": "general"}"#,
    ];
    let space = z.json(&[&aws("east")[..], &extra].concat());
    assert_eq!(space["name"], "east");
    assert_eq!(space["provider"], "aws");
    assert_eq!(space["spaceType"], "kubernetes", "the contract's default");
    assert_eq!(space["status"], "active");
    assert_eq!(space["cloudAccountId"], "ca_sandbox");
    assert_eq!(
        config_of(&space),
        json!({"clusterName": "sandbox", "region": "local", "nodePool": "general"})
    );
    assert!(space.get("caCert").is_none() && space.get("serviceAccountToken").is_none());
    assert_eq!(z.json(&["spaces", "get", "east"]), space);
    let azure = [
        &["spaces", "create", "--name", "az", "--provider", "azure"][..],
        &on,
    ]
    .concat();
    z.fails(
        &[&azure[..], &["--region", "local"]].concat(),
        2,
        "config.resourceGroup is required on azure",
    );
    let az = z.json(
        &[
            &azure[..],
            &["--region", "local", "--resource-group", "rg-1"],
        ]
        .concat(),
    );
    assert_eq!(config_of(&az)["resourceGroup"], "rg-1");
    z.fails(&aws("west"), 2, "config.region is required on aws");
    z.fails(
        &[
            &aws("west")[..],
            &["--region", "local", "--space-config", "[1]"],
        ]
        .concat(),
        2,
        "--space-config must be a JSON object",
    );
    z.fails(
        &[&aws("Bad_Name")[..], &["--region", "local"]].concat(),
        2,
        "DNS-1123",
    );
    z.fails(
        &[&aws("east")[..], &["--region", "local"]].concat(),
        5,
        "already exists",
    );
    z.fails(
        &[
            "spaces",
            "create",
            "--name",
            "x",
            "--provider",
            "nope",
            "--account",
            "ca_sandbox",
            "--cluster",
            "sandbox",
            "--region",
            "local",
        ],
        2,
        "provider must be one of aws, gcp, azure",
    );
    z.fails(
        &[
            "spaces",
            "create",
            "--name",
            "x",
            "--provider",
            "aws",
            "--account",
            "ca_ghost",
            "--cluster",
            "sandbox",
            "--region",
            "local",
        ],
        2,
        "no cloud account \"ca_ghost\"",
    );
    z.fails(
        &["spaces", "create", "--name", "x"],
        2,
        "needs --context CTX",
    );

    // Inactive: nothing deploys there, and the refusal says how to activate it.
    let inactive = z.json(&["spaces", "status", "sandbox", "inactive"]);
    assert_eq!(inactive["status"], "inactive");
    let create = [
        "deployments",
        "create",
        "--name",
        "shop",
        "--image",
        "nginx:1",
    ];
    let says = "space sandbox is inactive and takes no new deploys; \
                `zopdeck spaces status sandbox active` activates it";
    z.fails(&create, 5, says);
    assert_eq!(
        z.names(&["spaces", "status", "sandbox", "active"]),
        ["sandbox"]
    );
    z.ok(&create);
    z.fails(
        &["spaces", "status", "sandbox", "paused"],
        2,
        "invalid value 'paused'",
    );
    z.fails(&["spaces", "status", "nowhere", "active"], 3, "no space");

    // Delete: refused while deployments remain, done once none is left.
    z.fails(
        &["spaces", "delete", "sandbox"],
        5,
        "space sandbox is not deleted",
    );
    let run = z.run(&["spaces", "delete", "east"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("space east ("), "{}", run.stderr);
    z.fails(&["spaces", "get", "east"], 3, "no space \"east\"");
    z.fails(&["spaces", "delete", "east"], 3, "no space \"east\"");
    assert_eq!(z.names(&["spaces"]), ["sandbox", "az"]);
}

#[test]
fn namespaces_list_and_create() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path()).args(&["--no-demo"]);
    let list = z.formats_agree(&["namespaces", "list", "sandbox"]);
    assert_eq!(
        z.names(&["ns", "list", "sandbox"]),
        ["default", "demo", "kube-system"]
    );
    let demo = list
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "demo")
        .unwrap();
    assert_eq!(demo["managedByZopnight"], true);
    assert!(demo["createdAt"].is_string(), "{demo}");
    let ns = z.json(&["namespaces", "create", "sandbox", "team-a"]);
    assert_eq!(ns["name"], "team-a");
    assert_eq!(ns["managedByZopnight"], true);
    let table = z.ok(&["namespaces", "list", "sandbox"]);
    assert!(
        table.starts_with("NAME") && table.contains("team-a       yes"),
        "{table}"
    );
    assert_eq!(
        z.names(&["namespaces", "create", "sandbox", "team-b"]),
        ["team-b"]
    );
    let space = z.id(&["spaces", "get", "sandbox"]);
    assert!(
        z.names(&["namespaces", "list", &space])
            .contains(&"team-b".to_string())
    );

    z.fails(
        &["namespaces", "create", "sandbox", "Team_A"],
        2,
        "DNS-1123",
    );
    z.fails(
        &["namespaces", "create", "sandbox", &"a".repeat(64)],
        2,
        "DNS-1123",
    );
    z.fails(
        &["namespaces", "create", "sandbox", "team-a"],
        5,
        "namespace team-a already exists",
    );
    z.fails(
        &["namespaces", "create", "nowhere", "ok"],
        3,
        "no space \"nowhere\"",
    );
    z.fails(
        &["namespaces", "list", "nowhere"],
        3,
        "no space \"nowhere\"",
    );
    assert_eq!(
        z.json(&["namespaces", "list", "sandbox"])
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn clusters_and_access_grant_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path()).args(&["--no-demo"]);
    let clusters = z.formats_agree(&["clusters", "list", "ca_sandbox"]);
    assert_eq!(
        clusters,
        json!([{"name": "sandbox", "region": "local", "cloudAccountId": "ca_sandbox",
                "accessRegistered": true, "runtime": "sandbox"}])
    );
    let table = z.ok(&["clusters", "list", "ca_sandbox"]);
    assert!(
        table.starts_with("NAME") && table.contains("registered"),
        "{table}"
    );
    z.fails(
        &["clusters", "list", "ca_ghost"],
        3,
        "cloud account ca_ghost not found",
    );

    let run = z.run(&["access", "revoke", "ca_sandbox", "local", "sandbox"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("until `zopdeck access grant ca_sandbox local sandbox`"),
        "{}",
        run.stderr
    );
    assert_eq!(
        z.json(&["clusters", "list", "ca_sandbox"])[0]["accessRegistered"],
        false
    );
    // Spaces on it fail to deploy until access is granted again.
    let create = [
        "deployments",
        "create",
        "--name",
        "shop",
        "--image",
        "nginx:1",
    ];
    z.fails(
        &create,
        1,
        "shop revision #1 failed: access to cluster sandbox (local) on ca_sandbox was revoked",
    );
    let granted = z.json(&["access", "grant", "ca_sandbox", "local", "sandbox"]);
    assert_eq!(granted, clusters[0]);
    assert_eq!(
        z.names(&["access", "grant", "ca_sandbox", "local", "sandbox"]),
        ["sandbox"]
    );
    z.ok(&["configs", "shop", r#"{"replicas": 2}"#]);

    z.fails(
        &["access", "grant", "ca_sandbox", "local", "nope"],
        3,
        "cluster local/nope not found",
    );
    z.fails(
        &["access", "grant", "ca_sandbox", "far", "sandbox"],
        3,
        "cluster far/sandbox not found",
    );
    z.fails(
        &["access", "revoke", "ca_ghost", "local", "sandbox"],
        3,
        "cloud account ca_ghost not found",
    );
    z.fails(&["access", "grant", "ca_sandbox", "local"], 2, "<CLUSTER>");
}
