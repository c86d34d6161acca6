//! The building stage of a git deployment: clone `repoUrl`@`branch` with the real `git`,
//! detect the stack, and run the builder command from the config. On a simulated space
//! without a builder, the build itself is simulated (and says so); on a real space, a
//! missing builder is an error that says how to configure one. Unless the settings allow
//! local repositories (the embedded TUI and CLI do; `zopdeck serve` only with
//! `--allow-local-repos`), only remote ones are cloned: `https://`, `ssh://`, `git@host:path`.

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;

use super::EngineSettings;
use crate::backend::runtime::sandbox::Sandbox;

pub struct GitSource<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub repo_url: &'a str,
    pub branch: &'a str,
    pub registry_url: Option<&'a str>,
    pub work_dir: &'a Path,
}

pub struct Built {
    pub image: String,
    pub stack: Option<String>,
    pub commit: Option<String>,
    pub simulated: bool,
}

const CLONE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

pub const NO_BUILDER: &str = "no builder is configured, and git deployments need one to build their image: \
set [builder] command in your zopdeck config, e.g. \
command = \"docker build -t {image} {context} && docker push {image}\"";

/// Whether a repository URL is remote: `https://host/…`, `ssh://host/…` or `git@host:path`.
/// Local paths, `file://` and every other transport are not.
pub fn is_remote_repo(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let host_ok = |host: &str| !host.is_empty() && !host.starts_with('-');
    if let Some(rest) = ["https://", "ssh://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme))
    {
        let authority = rest.split('/').next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        return host_ok(host.split(':').next().unwrap_or_default());
    }
    match url
        .strip_prefix("git@")
        .and_then(|rest| rest.split_once(':'))
    {
        Some((host, path)) => host_ok(host) && !host.contains('/') && !path.is_empty(),
        None => false,
    }
}

/// Refuses a repository the settings do not let this engine clone, saying how to allow it.
pub fn check_repo(url: &str, settings: &EngineSettings) -> Result<(), String> {
    if settings.local_repos || is_remote_repo(url) {
        return Ok(());
    }
    Err(format!(
        "this server does not clone local repositories (got {url:?}): give an https://, \
         ssh:// or git@host:path URL, or start zopdeck serve with --allow-local-repos"
    ))
}

pub async fn build_git(
    src: &GitSource<'_>,
    settings: &EngineSettings,
    sandbox: Option<&Sandbox>,
) -> Result<Built, String> {
    // Deployments written before (or by another process) are held to the same rule.
    check_repo(src.repo_url, settings)?;
    if settings.builder_command.is_none() && sandbox.is_none() {
        return Err(NO_BUILDER.to_string());
    }
    let dir = src.work_dir;
    let _ = tokio::fs::remove_dir_all(dir).await;
    if let Some(parent) = dir.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| {
            format!(
                "cannot create the build directory {}: {e}",
                parent.display()
            )
        })?;
    }
    let result = clone_and_build(src, settings, sandbox).await;
    let _ = tokio::fs::remove_dir_all(dir).await;
    result
}

async fn clone_and_build(
    src: &GitSource<'_>,
    settings: &EngineSettings,
    sandbox: Option<&Sandbox>,
) -> Result<Built, String> {
    let dir = src.work_dir;
    let dir_arg = dir.to_string_lossy().to_string();
    let mut clone = Command::new("git");
    if !settings.local_repos {
        // git itself refuses every other transport (file, ext, plain git and http).
        clone.env("GIT_ALLOW_PROTOCOL", "https:ssh");
    }
    run(
        clone.args([
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--single-branch",
            "--branch",
            src.branch,
            "--",
            src.repo_url,
            &dir_arg,
        ]),
        CLONE_TIMEOUT,
        "git clone",
    )
    .await?;
    let commit = run(
        Command::new("git").args(["-C", &dir_arg, "rev-parse", "HEAD"]),
        CLONE_TIMEOUT,
        "git rev-parse",
    )
    .await?;
    let commit = commit.trim().to_string();
    let short = commit.get(..12).unwrap_or(&commit).to_string();
    let stack = detect_stack(dir);

    match &settings.builder_command {
        Some(command) => {
            let image = match src.registry_url {
                Some(registry) => {
                    format!("{}/{}:{short}", registry.trim_end_matches('/'), src.name)
                }
                None => format!("zopdeck.local/{}/{}:{short}", src.namespace, src.name),
            };
            let command = command
                .replace("{image}", &shell_quote(&image))
                .replace("{context}", &shell_quote(&dir_arg))
                .replace("{stack}", stack);
            run(
                Command::new("sh").args(["-c", &command]).current_dir(dir),
                settings.builder_timeout,
                "the builder",
            )
            .await?;
            Ok(Built {
                image,
                stack: Some(stack.into()),
                commit: Some(commit),
                simulated: false,
            })
        }
        None => {
            let Some(sandbox) = sandbox else {
                return Err(NO_BUILDER.to_string());
            };
            sandbox.simulate_build(true).await;
            let image = format!("sandbox.local/{}/{}:{short}", src.namespace, src.name);
            Ok(Built {
                image,
                stack: Some(stack.into()),
                commit: Some(commit),
                simulated: true,
            })
        }
    }
}

/// Runs a command with a time limit; its stdout, or an error quoting the end of its stderr.
async fn run(cmd: &mut Command, limit: std::time::Duration, what: &str) -> Result<String, String> {
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().map_err(|e| format!("cannot run {what}: {e}"))?;
    let out = match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(format!("{what} failed: {e}")),
        Err(_) => {
            return Err(format!(
                "{what} did not finish within {} s",
                limit.as_secs()
            ));
        }
    };
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = tail[tail.len().saturating_sub(4)..].join(" | ");
    Err(format!("{what} exited with {}: {tail}", out.status))
}

/// What kind of project the repository holds, by its marker files.
pub fn detect_stack(dir: &Path) -> &'static str {
    const MARKERS: [(&str, &str); 7] = [
        ("Dockerfile", "dockerfile"),
        ("Cargo.toml", "rust"),
        ("package.json", "node"),
        ("go.mod", "go"),
        ("pyproject.toml", "python"),
        ("requirements.txt", "python"),
        ("pom.xml", "java"),
    ];
    MARKERS
        .iter()
        .find(|(file, _)| dir.join(file).exists())
        .map_or("unknown", |(_, stack)| stack)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_are_detected_by_marker_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(detect_stack(dir.path()), "unknown");
        std::fs::write(dir.path().join("go.mod"), "module x").unwrap();
        assert_eq!(detect_stack(dir.path()), "go");
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch").unwrap();
        assert_eq!(detect_stack(dir.path()), "dockerfile");
    }

    #[test]
    fn only_https_ssh_and_scp_like_urls_are_remote() {
        for url in [
            "https://github.com/acme/checkout",
            "HTTPS://github.com/acme/checkout.git",
            "https://user@git.example.com:8443/a/b",
            "ssh://git@github.com/acme/checkout.git",
            "git@github.com:acme/checkout.git",
        ] {
            assert!(is_remote_repo(url), "{url}");
        }
        for url in [
            "file:///srv/repo",
            "/srv/repo",
            "./repo",
            "../repo",
            "repo",
            "~/repo",
            "http://github.com/acme/x",
            "git://github.com/acme/x",
            "ext::sh -c touch% /tmp/pwned",
            "https:///etc/repo",
            "https://-oProxyCommand=x/y",
            "ssh://-oProxyCommand=x/y",
            "git@:path",
            "git@host:",
            "git@a/b:c",
            "",
        ] {
            assert!(!is_remote_repo(url), "{url}");
        }
    }

    #[test]
    fn local_repos_are_refused_only_when_not_allowed() {
        let mut settings = EngineSettings::default();
        assert!(
            settings.local_repos,
            "the embedded engine clones local repos"
        );
        assert!(check_repo("file:///srv/repo", &settings).is_ok());
        settings.local_repos = false;
        let e = check_repo("file:///srv/repo", &settings).unwrap_err();
        assert!(e.contains("--allow-local-repos"), "{e}");
        assert!(check_repo("https://github.com/acme/x", &settings).is_ok());
    }

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(shell_quote("a'b"), "'a'\\''b'");
    }
}
