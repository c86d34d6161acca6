//! Running the real binary's headless commands on a data dir (the embedded engine, rollouts
//! sped up) or against an API, with the exit code, stdout and stderr at hand (shared by the
//! `cli*` tests).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_zopdeck");

/// The command for `args` on the data dir `dir`: rollouts sped up, nothing of this machine's
/// own zopdeck (its data dir, API, token or config file) taken along.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("ZOPDECK_SANDBOX_SPEED", "50")
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .env_remove("ZOPDECK_DATA_DIR")
        .env_remove("ZOPDECK_API_URL")
        .env_remove("ZOPNIGHT_TOKEN")
        .stdin(Stdio::null());
    c
}

pub fn zopdeck(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

/// Stdout of a command that must succeed.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = zopdeck(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Stderr of a command that must fail.
pub fn err(dir: &Path, args: &[&str]) -> String {
    let out = zopdeck(dir, args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

/// The exit code and stderr of a command.
pub fn code(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = zopdeck(dir, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(out: Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }
}

/// The headless commands of one data dir, or of one API (`--api-url` with a token).
pub struct Cli<'a> {
    dir: &'a Path,
    prefix: Vec<String>,
    env: Vec<(String, String)>,
}

impl<'a> Cli<'a> {
    /// The embedded engine on `dir`.
    pub fn on(dir: &'a Path) -> Self {
        Self {
            dir,
            prefix: Vec::new(),
            env: Vec::new(),
        }
    }

    /// The API at `base` with `token` (`dir` is the client's own data dir).
    pub fn remote(dir: &'a Path, base: &str, token: &str) -> Self {
        Self::on(dir)
            .args(&["--api-url", base])
            .env("ZOPNIGHT_TOKEN", token)
    }

    /// Global flags put before every command (`--no-demo`, `--read-only` …).
    pub fn args(mut self, args: &[&str]) -> Self {
        self.prefix.extend(args.iter().map(|a| a.to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let prefix: Vec<&str> = self.prefix.iter().map(String::as_str).collect();
        let mut c = command(self.dir, &[&prefix[..], args].concat());
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args).output().unwrap())
    }

    /// Like `run`, with `input` on stdin.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        Run::of(child.wait_with_output().unwrap())
    }

    /// Stdout of a command that must succeed (exit 0, no panic).
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "{args:?} failed: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        run.stdout
    }

    /// Stderr of a command that must end with exit code `code` and say `says`; our own
    /// errors (not clap's, which begin with `error:`) end with one line `zopdeck: …` saying
    /// it, and print nothing on stdout.
    pub fn fails(&self, args: &[&str], code: i32, says: &str) -> String {
        let run = self.run(args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        if !run.stderr.starts_with("error:") {
            let last = run.stderr.trim().lines().last().unwrap_or_default();
            assert!(
                last.starts_with("zopdeck: ") && last.contains(says),
                "{args:?}: {}",
                run.stderr
            );
            assert_eq!(run.stdout, "", "{args:?}: nothing on stdout");
        }
        run.stderr
    }

    /// `args -o json`, parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(&[args, &["-o", "json"]].concat());
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} -o json: {e}: {out}"))
    }

    /// `args -o yaml`, parsed.
    pub fn yaml(&self, args: &[&str]) -> Value {
        let out = self.ok(&[args, &["-o", "yaml"]].concat());
        serde_saphyr::from_str(&out).unwrap_or_else(|e| panic!("{args:?} -o yaml: {e}: {out}"))
    }

    /// `args -o name`, one name per line.
    pub fn names(&self, args: &[&str]) -> Vec<String> {
        let out = self.ok(&[args, &["-o", "name"]].concat());
        out.lines().map(str::to_string).collect()
    }

    /// `args -o json`, checked to be what `-o yaml` carries and what `-o name` names.
    pub fn formats_agree(&self, args: &[&str]) -> Value {
        let json = self.json(args);
        assert_eq!(self.yaml(args), json, "{args:?}");
        assert_eq!(self.names(args), names_of(&json), "{args:?}");
        json
    }

    /// The `id` of what `args -o json` prints.
    pub fn id(&self, args: &[&str]) -> String {
        self.json(args)["id"].as_str().unwrap().to_string()
    }
}

/// Configs exposing port 80 over http: a deployment with a LoadBalancer.
pub const EXPOSED: &str = r#"{"port": 8080, "expose": [{"port": 80, "protocol": "http"}]}"#;

/// `deployments create` of `shop` (nginx:1.27); add `--configs` and the like behind it.
pub const CREATE_SHOP: [&str; 6] = [
    "deployments",
    "create",
    "--name",
    "shop",
    "--image",
    "nginx:1.27",
];

/// A data dir without the demo deployments, and `shop` (exposing http) rolled out on it.
pub fn with_shop(dir: &Path) -> Cli<'_> {
    let z = Cli::on(dir).args(&["--no-demo"]);
    let args = CREATE_SHOP;
    z.ok(&[&args[..], &["--configs", EXPOSED]].concat());
    z
}

/// The `name` (else `id`) of each object of a JSON answer, as `-o name` prints them.
pub fn names_of(value: &Value) -> Vec<String> {
    let items = value
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![value.clone()]);
    items
        .iter()
        .map(|i| {
            i.get("name")
                .or_else(|| i.get("id"))
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        })
        .collect()
}
