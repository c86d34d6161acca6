//! `zopdeck spaces` and `zopdeck environments` from the real binary: the listings (the
//! default of each group), environments bound to a namespace, and `spaces create` on a
//! kubeconfig's context saying what it did and why it could not. (On a live cluster:
//! `tests/k8s_spaces.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

#[path = "support/real_serve.rs"]
mod real_serve;

const BIN: &str = env!("CARGO_BIN_EXE_zopdeck");

fn zopdeck(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(dir)
        .arg("--no-demo")
        .args(args)
        .env_remove("ZOPDECK_DATA_DIR")
        .env_remove("ZOPDECK_API_URL")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = zopdeck(dir, args, &[]);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn err(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = zopdeck(dir, args, env);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(dir, args)).unwrap()
}

/// A kubeconfig with an EKS-looking context and a local one, both at a closed port.
fn kubeconfig(dir: &Path) -> std::path::PathBuf {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let file = dir.join("kubeconfig");
    std::fs::write(
        &file,
        format!(
            r#"apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {{server: "https://127.0.0.1:{port}"}}
users:
- name: u
  user: {{token: not-a-real-token}}
contexts:
- name: dev
  context: {{cluster: local, user: u}}
- name: prod
  context: {{cluster: local, user: u}}
current-context: dev
"#
        ),
    )
    .unwrap();
    file
}

#[test]
fn the_listings_are_the_default_of_their_groups() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let spaces = json(d, &["spaces", "-o", "json"]);
    assert_eq!(spaces, json(d, &["spaces", "list", "-o", "json"]));
    assert_eq!(spaces[0]["name"], "sandbox");
    assert!(
        spaces[0].get("reachability").is_none(),
        "the simulated cluster is not probed"
    );
    let table = ok(d, &["spaces"]);
    assert!(
        table.starts_with("ID") && table.contains("sandbox"),
        "{table}"
    );
    let envs = json(d, &["environments", "-o", "json"]);
    assert_eq!(envs, json(d, &["envs", "list", "-o", "json"]));
    assert_eq!(envs[0]["name"], "demo");
}

#[test]
fn an_environment_binds_a_namespace_of_a_space_named_or_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = zopdeck(
        d,
        &[
            "environments",
            "create",
            "--name",
            "staging",
            "--space",
            "sandbox",
            "--namespace",
            "staging",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(id.starts_with("env_"), "{id}");
    let note = String::from_utf8(out.stderr).unwrap();
    assert!(note.contains("created environment staging"), "{note}");
    assert!(note.contains("namespace staging"), "{note}");

    let space = json(d, &["spaces", "-o", "json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let env = json(
        d,
        &[
            "envs",
            "create",
            "--name",
            "qa",
            "--space",
            &space,
            "--namespace",
            "qa",
            "-o",
            "json",
        ],
    );
    assert_eq!(env["spaceId"], space.as_str());
    assert_eq!(env["namespace"], "qa");
    let e = err(
        d,
        &[
            "envs",
            "create",
            "--name",
            "qa2",
            "--space",
            "sandbox",
            "--namespace",
            "qa",
        ],
        &[],
    );
    assert!(e.contains("already bound to environment qa"), "{e}");
    let e = err(
        d,
        &[
            "envs",
            "create",
            "--name",
            "x",
            "--space",
            "nowhere",
            "--namespace",
            "x",
        ],
        &[],
    );
    assert!(
        e.contains("no space \"nowhere\"; there are: sandbox"),
        "{e}"
    );
}

#[test]
fn spaces_create_registers_the_kubeconfig_and_says_why_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = kubeconfig(d);
    let file_arg = file.to_str().unwrap();

    let e = err(
        d,
        &[
            "spaces",
            "create",
            "--name",
            "p",
            "--context",
            "nope",
            "--kubeconfig",
            file_arg,
        ],
        &[],
    );
    assert!(
        e.contains(&format!("kubeconfig {file_arg} is cloud account ca_kc_")),
        "{e}"
    );
    assert!(e.contains("registered now (2 context(s))"), "{e}");
    assert!(
        e.contains("has no context \"nope\" (it has: dev, prod)"),
        "{e}"
    );

    // The default kubeconfig: the file of $KUBECONFIG that holds the context.
    let list = format!("{}:{file_arg}", d.join("absent").display());
    let e = err(
        d,
        &["spaces", "create", "--name", "p", "--context", "prod"],
        &[("KUBECONFIG", &list)],
    );
    assert!(
        e.contains(&format!("kubeconfig {file_arg} is cloud account")),
        "{e}"
    );
    assert!(
        !e.contains("registered now"),
        "the same file, the same account: {e}"
    );
    // Nothing answers at the closed port: no access, no space.
    assert!(e.contains("cluster prod unreachable"), "{e}");
    assert_eq!(
        json(d, &["spaces", "-o", "json"]).as_array().unwrap().len(),
        1
    );

    let e = err(
        d,
        &[
            "spaces",
            "create",
            "--name",
            "p",
            "--context",
            "dev",
            "--kubeconfig",
            "/nonexistent/kc",
        ],
        &[],
    );
    assert!(
        e.contains("cannot read the kubeconfig /nonexistent/kc"),
        "{e}"
    );
}

#[test]
fn on_a_remote_api_spaces_create_needs_the_servers_account() {
    let dir = tempfile::tempdir().unwrap();
    let e = err(
        dir.path(),
        &[
            "--api-url",
            "http://127.0.0.1:9/api",
            "spaces",
            "create",
            "--name",
            "p",
            "--context",
            "dev",
        ],
        &[("ZOPNIGHT_TOKEN", "zn_pat_test")],
    );
    assert!(e.contains("pass --account ID"), "{e}");
}

#[test]
fn on_a_remote_api_spaces_and_environments_go_through_the_contracts_routes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = kubeconfig(dir.path());
    // The server's kubeconfig account, registered on its data dir.
    let e = err(
        &data,
        &[
            "spaces",
            "create",
            "--name",
            "p",
            "--context",
            "prod",
            "--kubeconfig",
            file.to_str().unwrap(),
        ],
        &[],
    );
    let account = e
        .split_whitespace()
        .find(|w| w.starts_with("ca_kc_"))
        .unwrap()
        .trim_end_matches(',')
        .to_string();
    let token = real_serve::admin_token(&data);
    let serve = real_serve::RealServe::start(&data, &[], &[]);
    let remote = |args: &[&str]| {
        let mut all = vec!["--api-url", serve.base.as_str()];
        all.extend_from_slice(args);
        zopdeck(dir.path(), &all, &[("ZOPNIGHT_TOKEN", &token)])
    };
    let out = remote(&[
        "spaces",
        "create",
        "--name",
        "p",
        "--context",
        "prod",
        "--account",
        &account,
    ]);
    assert!(!out.status.success());
    let e = String::from_utf8(out.stderr).unwrap();
    // The server's refusal, word for word: the closed port.
    assert!(e.contains("cluster prod unreachable"), "{e}");
    let out = remote(&[
        "spaces",
        "create",
        "--name",
        "p",
        "--context",
        "nope",
        "--account",
        &account,
    ]);
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(
        e.contains("has no context \"nope\" (it has: dev, prod)"),
        "{e}"
    );

    let out = remote(&[
        "environments",
        "create",
        "--name",
        "staging",
        "--space",
        "sandbox",
        "--namespace",
        "staging",
        "-o",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(env["namespace"], "staging");
    let out = remote(&["spaces", "-o", "json"]);
    let spaces: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(spaces.as_array().unwrap().len(), 1);
}
