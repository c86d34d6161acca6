//! Git deployments: the engine clones `file://` repositories with the real `git`, detects
//! the stack, and builds (simulated on the sandbox without a builder, or with the configured
//! builder command). These spawn real processes, so they run on tokio's real clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "engine_support.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use serde_json::json;
use support::*;
use zopdeck::backend::Backend;
use zopdeck::backend::engine::EngineSettings;
use zopdeck::backend::model::*;

/// Runs git in `dir` with a throwaway identity; its trimmed stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=zopdeck tests",
            "-c",
            "user.email=tests@zopdeck.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("git is installed");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository on branch `main` with one commit holding `files`; its URL and HEAD.
fn repo(dir: &Path, files: &[(&str, &str)]) -> (String, String) {
    git(dir, &["init", "--quiet", "-b", "main"]);
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    git(dir, &["add", "."]);
    git(dir, &["commit", "--quiet", "-m", "first"]);
    let head = git(dir, &["rev-parse", "HEAD"]);
    (format!("file://{}", dir.display()), head)
}

const CARGO_TOML: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n";

fn git_dep(env_id: &str, name: &str, repo_url: &str, branch: &str) -> NewDeployment {
    NewDeployment {
        name: name.into(),
        env_id: Some(env_id.into()),
        source_type: Some(SourceType::Git),
        repo_url: Some(repo_url.into()),
        branch: Some(branch.into()),
        configs: Some(json!({"port": 8080})),
        auto_deploy: true,
        integration_id: Some("int_github_001".into()),
        ..Default::default()
    }
}

fn settings_with_builder(command: &str) -> EngineSettings {
    let mut s = fast_settings();
    s.builder_command = Some(command.into());
    s
}

#[tokio::test]
async fn a_git_deployment_is_cloned_and_its_build_simulated_on_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let (url, head) = repo(dir.path(), &[("Cargo.toml", CARGO_TOML)]);
    let engine = engine().await;
    assert_eq!(
        fast_settings().builder_command,
        None,
        "no builder by default"
    );
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(git_dep(&env.id, "rusty", &url, "main"))
        .await
        .unwrap();
    assert_eq!(d.source_type, SourceType::Git);
    assert_eq!(d.repo_url.as_deref(), Some(url.as_str()));
    assert_eq!(d.branch.as_deref(), Some("main"));
    assert_eq!(d.image, None);
    assert!(d.auto_deploy);
    let rev1 = engine.list_revisions(&d.id).await.unwrap()[0].clone();
    assert_eq!(rev1.image, None, "not built yet");

    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(boundaries(&events), HAPPY_PATH);
    let started = find(&events, Stage::Building, EventStatus::Started);
    assert_eq!(meta_str(&started, "source"), "git");
    assert_eq!(meta_str(&started, "repoUrl"), url);
    assert_eq!(meta_str(&started, "branch"), "main");
    let built = find(&events, Stage::Building, EventStatus::Succeeded);
    assert_eq!(built.meta.get("simulated"), Some(&json!(true)));
    assert_eq!(meta_str(&built, "stack"), "rust");
    assert_eq!(meta_str(&built, "commit"), head);
    let image = meta_str(&built, "imageRef").to_string();
    assert_eq!(image, format!("sandbox.local/demo/rusty:{}", &head[..12]));
    let rev1 = engine.get_revision(&d.id, &rev1.id).await.unwrap();
    assert_eq!(
        rev1.image.as_deref(),
        Some(image.as_str()),
        "the build is recorded"
    );
    let active = find(&events, Stage::Active, EventStatus::Succeeded);
    assert_eq!(meta_str(&active, "image"), image);

    // A push builds the branch anew.
    std::fs::write(dir.path().join("README.md"), "second\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "--quiet", "-m", "second"]);
    let head2 = git(dir.path(), &["rev-parse", "HEAD"]);
    let push = engine
        .create_revision(
            &d.id,
            NewRevision {
                delivery_id: Some("gh-delivery-7".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(push.created);
    assert_eq!(push.revision.trigger, Trigger::Push);
    assert_eq!(push.revision.image, None);
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let events = engine.list_events(&d.id, None).await.unwrap();
    let second: Vec<Event> = of_revision(&events, &push.revision.id)
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(boundaries(&second), HAPPY_PATH);
    let built = find(&second, Stage::Building, EventStatus::Succeeded);
    assert_eq!(meta_str(&built, "commit"), head2);
    let image2 = meta_str(&built, "imageRef").to_string();
    assert_eq!(image2, format!("sandbox.local/demo/rusty:{}", &head2[..12]));

    // A config patch reuses the built image instead of building again.
    engine
        .patch_configs(&d.id, json!({"replicas": 2}))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    let revisions = engine.list_revisions(&d.id).await.unwrap();
    assert_eq!(revisions[0].image.as_deref(), Some(image2.as_str()));
    let events = engine.list_events(&d.id, None).await.unwrap();
    let third: Vec<Event> = of_revision(&events, &revisions[0].id)
        .into_iter()
        .cloned()
        .collect();
    let started = find(&third, Stage::Building, EventStatus::Started);
    assert_eq!(meta_str(&started, "source"), "image");
    let built = find(&third, Stage::Building, EventStatus::Succeeded);
    assert!(built.meta.get("commit").is_none());
    assert_eq!(meta_str(&built, "imageRef"), image2);

    // Rolling back to the first build redeploys that image, no rebuild.
    let rb = engine.rollback(&d.id, &rev1.id).await.unwrap();
    assert_eq!(rb.image.as_deref(), Some(image.as_str()));
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(d.current_revision_id.as_deref(), Some(rb.id.as_str()));
}

#[tokio::test]
async fn the_configured_builder_command_runs_with_image_and_stack() {
    let dir = tempfile::tempdir().unwrap();
    let (url, head) = repo(
        dir.path(),
        &[("Cargo.toml", CARGO_TOML), ("src.rs", "fn main() {}\n")],
    );
    let out = tempfile::tempdir().unwrap();
    let marker = out.path().join("built.txt");
    let command = format!(
        "echo built {{image}} > /dev/null && echo {{image}} {{stack}} > '{}'",
        marker.display()
    );
    let engine = engine_with(settings_with_builder(&command)).await;
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(git_dep(&env.id, "built", &url, "main"))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(boundaries(&events), HAPPY_PATH);
    let built = find(&events, Stage::Building, EventStatus::Succeeded);
    assert!(built.meta.get("simulated").is_none(), "{built:?}");
    assert_eq!(meta_str(&built, "stack"), "rust");
    assert_eq!(meta_str(&built, "commit"), head);
    let image = format!("zopdeck.local/demo/built:{}", &head[..12]);
    assert_eq!(meta_str(&built, "imageRef"), image);
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap().trim(),
        format!("{image} rust"),
        "the builder ran with its placeholders filled in"
    );

    // With a registry on the environment, the image is pushed there.
    let space = engine.get_space(&env.space_id).await.unwrap();
    let team = engine
        .create_environment(NewEnvironment {
            name: "team".into(),
            space_id: space.id,
            namespace: "team".into(),
            registry_url: Some("registry.example.com/team/".into()),
        })
        .await
        .unwrap();
    let d = engine
        .create_deployment(git_dep(&team.id, "svc", &url, "main"))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let events = engine.list_events(&d.id, None).await.unwrap();
    let built = find(&events, Stage::Building, EventStatus::Succeeded);
    assert_eq!(
        meta_str(&built, "imageRef"),
        format!("registry.example.com/team/svc:{}", &head[..12])
    );
}

#[tokio::test]
async fn a_failing_builder_fails_the_building_stage_with_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = repo(dir.path(), &[("Dockerfile", "FROM scratch\n")]);
    let engine = engine_with(settings_with_builder(
        "echo 'step 3/7: compile error' >&2; exit 3",
    ))
    .await;
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(git_dep(&env.id, "broken", &url, "main"))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Failed);
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(
        boundaries(&events),
        [
            (Stage::Building, EventStatus::Started),
            (Stage::Building, EventStatus::Failed),
        ]
    );
    let (stage, reason) = failure_reason(&events);
    assert_eq!(stage, Stage::Building);
    assert!(reason.contains("the builder"), "{reason}");
    assert!(reason.contains("compile error"), "{reason}");
    let rev = engine.list_revisions(&d.id).await.unwrap()[0].clone();
    assert_eq!(rev.status, RevisionStatus::Failed);
    assert_eq!(rev.image, None, "nothing was built");
}

#[tokio::test]
async fn an_unreachable_repository_fails_at_building_with_gits_message() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let missing = tempfile::tempdir().unwrap();
    let url = format!("file://{}/no-such-repo.git", missing.path().display());
    let d = engine
        .create_deployment(git_dep(&env.id, "lost", &url, "main"))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Failed);
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(
        boundaries(&events),
        [
            (Stage::Building, EventStatus::Started),
            (Stage::Building, EventStatus::Failed),
        ]
    );
    let (stage, reason) = failure_reason(&events);
    assert_eq!(stage, Stage::Building);
    assert!(reason.contains("git clone"), "{reason}");
    assert!(
        reason.contains("does not appear to be a git repository"),
        "git's own words: {reason}"
    );
    assert!(!events.iter().any(|e| e.stage == Stage::Deploying));

    // A branch that does not exist fails the same way, naming it.
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = repo(dir.path(), &[("package.json", "{}")]);
    let d = engine
        .create_deployment(git_dep(&env.id, "nobranch", &url, "release-9"))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Failed);
    let (stage, reason) = failure_reason(&engine.list_events(&d.id, None).await.unwrap());
    assert_eq!(stage, Stage::Building);
    assert!(reason.contains("release-9"), "{reason}");

    // Pointed at the right branch, it builds (and the stack is node's).
    let fixed = engine
        .create_deployment(git_dep(&env.id, "withbranch", &url, "main"))
        .await
        .unwrap();
    let fixed = settle(&engine, &fixed.id).await;
    assert_eq!(fixed.status, DeploymentStatus::Active);
    let events = engine.list_events(&fixed.id, None).await.unwrap();
    let built = find(&events, Stage::Building, EventStatus::Succeeded);
    assert_eq!(meta_str(&built, "stack"), "node");
}

#[tokio::test]
async fn a_blank_branch_means_main() {
    let dir = tempfile::tempdir().unwrap();
    let (url, head) = repo(dir.path(), &[("go.mod", "module example.com/app\n")]);
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let mut req = git_dep(&env.id, "gopher", &url, "  ");
    req.source_type = None; // inferred from repoUrl
    let d = engine.create_deployment(req).await.unwrap();
    assert_eq!(d.source_type, SourceType::Git);
    assert_eq!(d.branch.as_deref(), Some("main"));
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let events = engine.list_events(&d.id, None).await.unwrap();
    let built = find(&events, Stage::Building, EventStatus::Succeeded);
    assert_eq!(meta_str(&built, "stack"), "go");
    assert_eq!(meta_str(&built, "commit"), head);
}
