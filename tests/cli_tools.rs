//! The real binary's commands around the routes: `--read-only` on every changing command,
//! `token`, `login`/`logout` without a terminal, `completions` and `man`. (`doctor`:
//! `cli.rs`; login through a terminal against `zopdeck serve`: `cli_routes_serve.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::Cli;

/// Everything a changing command could have changed, as JSON.
fn state(z: &Cli) -> Vec<Value> {
    [
        &["environments"][..],
        &["deployments", "list"],
        &["deployments", "get", "shop"],
        &["revisions", "shop"],
        &["events", "shop"],
        &["spaces"],
        &["namespaces", "list", "sandbox"],
        &["clusters", "list", "ca_sandbox"],
        &["token", "list"],
    ]
    .iter()
    .map(|args| z.json(args))
    .collect()
}

#[test]
fn read_only_refuses_every_changing_command_and_answers_every_read() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path()).args(&["--no-demo"]);
    z.ok(&[
        "deployments",
        "create",
        "--name",
        "shop",
        "--image",
        "nginx:1",
    ]);
    z.ok(&["token", "create", "--name", "ci"]);
    let before = state(&z);
    let ro = Cli::on(dir.path()).args(&["--read-only"]);
    let on = ["ca_sandbox", "local", "sandbox"];
    let changing: &[&[&str]] = &[
        &[
            "environments",
            "create",
            "--name",
            "x",
            "--space",
            "sandbox",
            "--namespace",
            "x",
        ],
        &["deployments", "create", "--name", "x", "--image", "nginx:1"],
        &["deployments", "delete", "shop"],
        &["configs", "patch", "shop", r#"{"replicas": 2}"#],
        &["configs", "shop", r#"{"replicas": 2}"#],
        &["position", "set", "shop", "1", "2"],
        &["revisions", "create", "shop", "--image", "nginx:2"],
        &["rollback", "shop", "--to", "1"],
        &[
            "spaces",
            "create",
            "--name",
            "x",
            "--provider",
            "aws",
            "--account",
            "ca_sandbox",
            "--cluster",
            "sandbox",
            "--region",
            "local",
        ],
        &["spaces", "status", "sandbox", "inactive"],
        &["spaces", "delete", "sandbox"],
        &["namespaces", "create", "sandbox", "x"],
        &[&["access", "grant"][..], &on].concat(),
        &[&["access", "revoke"][..], &on].concat(),
        &["token", "create", "--name", "x"],
        &["token", "revoke", "ci"],
    ];
    for args in changing {
        ro.fails(args, 4, "zopdeck is in read-only mode");
    }
    let reads: &[&[&str]] = &[
        &["doctor"],
        &["environments", "get", "demo"],
        &["deployments", "get", "shop"],
        &["deployments", "wait", "shop"],
        &["configs", "get", "shop"],
        &["analyze", "shop"],
        &["revisions", "get", "shop", "1"],
        &["events", "shop"],
        &["lb", "shop"],
        &["spaces", "get", "sandbox"],
        &["namespaces", "list", "sandbox"],
        &["clusters", "list", "ca_sandbox"],
        &["token", "list"],
    ];
    for args in reads {
        ro.ok(args);
    }
    assert_eq!(state(&z), before, "nothing changed");
}

#[test]
fn tokens_are_created_shown_once_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path()).args(&["--no-demo"]);
    let run = z.run(&["token", "create", "--name", "ci", "--role", "viewer"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let secret = run.stdout.trim();
    assert_eq!(run.stdout.lines().count(), 1, "only the secret on stdout");
    assert!(secret.starts_with("zn_pat_"), "{secret}");
    assert!(
        run.stderr.contains("(viewer) created; it is shown once"),
        "{}",
        run.stderr
    );
    z.ok(&["token", "create", "--name", "deploy"]);

    let list = z.formats_agree(&["token", "list"]);
    let ci = &list[0];
    let keys: Vec<&str> = ci.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["createdAt", "id", "name", "revoked", "role"]);
    assert_eq!(
        (&ci["name"], &ci["role"], &ci["revoked"]),
        (&"ci".into(), &"viewer".into(), &false.into())
    );
    assert_eq!(list[1]["role"], "deployer", "the default role");
    for format in ["table", "json", "yaml"] {
        let out = z.ok(&["token", "list", "-o", format]);
        assert!(!out.contains(&secret[7..]), "never the secret: {out}");
    }
    let run = z.run(&["token", "revoke", "ci"]);
    assert_eq!((run.code, run.stderr.trim()), (0, "token ci revoked"));
    let id = list[1]["id"].as_str().unwrap();
    z.ok(&["token", "revoke", id]);
    assert_eq!(z.json(&["token", "list"])[0]["revoked"], true);
    assert!(z.ok(&["token", "list"]).contains("revoked"));
    z.fails(&["token", "revoke", "ci"], 3, "no active token \"ci\"");
    z.fails(
        &["token", "revoke", "ghost"],
        3,
        "no active token \"ghost\"",
    );
    z.fails(
        &["token", "create", "--name", "x", "--role", "root"],
        2,
        "invalid value 'root'",
    );
    z.fails(&["token", "create"], 2, "--name <NAME>");
}

/// `args` run in a session of their own: no terminal to ask on, even when the tests run in
/// one. `None` where `setsid` is missing.
fn without_a_terminal(z: &Cli, args: &[&str]) -> Option<cli::Run> {
    let which = Command::new("setsid").arg("--version").output();
    if !which.is_ok_and(|o| o.status.success()) {
        eprintln!("note: no setsid here; the no-terminal case is skipped");
        return None;
    }
    let c = z.command(args);
    let mut detached = Command::new("setsid");
    detached
        .arg("--wait")
        .arg(c.get_program())
        .args(c.get_args());
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => detached.env(k, v),
            None => detached.env_remove(k),
        };
    }
    Some(cli::Run::of(
        detached.stdin(Stdio::null()).output().unwrap(),
    ))
}

#[test]
fn login_and_logout_name_the_api_and_login_needs_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path());
    let api = "http://127.0.0.1:9/api";
    z.fails(
        &["login"],
        2,
        "login needs the API: zopdeck login --api-url",
    );
    z.fails(
        &["logout"],
        2,
        "logout needs the API: zopdeck logout --api-url",
    );
    let run = z.run(&["logout", "--api-url", api]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr.trim(), format!("no token was stored for {api}"));
    if let Some(run) = without_a_terminal(&z, &["login", "--api-url", api]) {
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("login asks for the token on a terminal"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("set ZOPNIGHT_TOKEN instead"),
            "{}",
            run.stderr
        );
    }
    // Nothing stored: a command on that API has no token.
    z.fails(
        &["--api-url", api, "deployments", "list"],
        4,
        "no token for http://127.0.0.1:9/api: run `zopdeck login",
    );
}

#[test]
fn completions_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path());
    let nouns = [
        "environments",
        "deployments",
        "configs",
        "revisions",
        "rollback",
        "events",
        "lb",
        "spaces",
        "namespaces",
        "clusters",
        "access",
        "completions",
        "man",
    ];
    for (shell, marker) in [
        ("bash", "complete -F _zopdeck"),
        ("zsh", "#compdef zopdeck"),
        ("fish", "complete -c zopdeck"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'zopdeck'",
        ),
        ("elvish", "edit:completion:arg-completer[zopdeck]"),
    ] {
        let script = z.ok(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {marker}");
        for noun in nouns {
            assert!(script.contains(noun), "{shell}: {noun}");
        }
    }
    // bash reads the script, and completes with it.
    let script = dir.path().join("zopdeck.bash");
    std::fs::write(&script, z.ok(&["completions", "bash"])).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let complete = |words: &str| {
        let line = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _zopdeck zopdeck \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
             echo \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = Command::new("bash").arg("-c").arg(line).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(complete("zopdeck rollb"), "rollback");
    assert_eq!(complete("zopdeck rollback --t"), "--to --timeout");
    z.fails(&["completions", "tcsh"], 2, "invalid value 'tcsh'");
}

#[test]
fn man_prints_a_page_or_writes_one_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let z = Cli::on(dir.path());
    let page = z.ok(&["man"]);
    assert!(page.contains(".TH zopdeck 1"), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH SUBCOMMANDS",
        "Exit codes: 0 ok",
    ] {
        assert!(page.contains(section), "{section}");
    }
    let pages = dir.path().join("man");
    let run = z.run(&["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("man pages written to"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(pages.join("zopdeck.1")).unwrap(),
        page
    );
    for name in [
        "deployments-create",
        "configs-patch",
        "rollback",
        "events",
        "spaces-status",
        "access-grant",
        "man",
    ] {
        let sub = std::fs::read_to_string(pages.join(format!("zopdeck-{name}.1"))).unwrap();
        let title = format!(
            ".TH zopdeck-{name} 1  \"zopdeck {}\"",
            env!("CARGO_PKG_VERSION")
        );
        assert!(
            sub.contains(&title),
            "{name}: {}",
            &sub[..200.min(sub.len())]
        );
    }
    let count = std::fs::read_dir(&pages).unwrap().count();
    assert!(count > 40, "a page per command: {count}");
    // A place that cannot be a directory (a file is in the way).
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let below = file.join("man");
    z.fails(
        &["man", "--dir", below.to_str().unwrap()],
        1,
        "pick a directory you can write",
    );
}
