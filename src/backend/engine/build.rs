//! The building stage of a git deployment: clone `repoUrl`@`branch` with the real `git`,
//! detect the stack, and run the builder command from the config. On a simulated space
//! without a builder, the build itself is simulated (and says so); on a real space, a
//! missing builder is an error that says how to configure one.

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

pub async fn build_git(
    src: &GitSource<'_>,
    settings: &EngineSettings,
    sandbox: Option<&Sandbox>,
) -> Result<Built, String> {
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
    run(
        Command::new("git").args([
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
    fn quoting_survives_quotes() {
        assert_eq!(shell_quote("a'b"), "'a'\\''b'");
    }
}
