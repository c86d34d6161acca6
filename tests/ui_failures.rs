//! Snapshots of failures, first: a failed card saying why in one line (and which revision
//! still serves), the header's counts, the detail panel with the whole reason, and a drawer
//! line wrapped rather than cut — at 80×24 and 160×45, colour off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use crossterm::event::KeyCode;
use fixtures::*;
use zopdeck::app::model::Failure;
use zopdeck::app::{Msg, State, update};
use zopdeck::backend::model::*;

const CRASH: &str = "CrashLoopBackOff: container \"app\" in pod worker-3f2a1 exited with code 1 \
                     (Error), restarted 1 time — image ghcr.io/acme/worker:2.1-crashloop";
const PENDING: &str = "47 pod(s) Pending: Insufficient capacity (sandbox cluster runs 24 \
                       replicas, 20 used by other releases); rollout exceeded its progress \
                       deadline (ProgressDeadlineExceeded)";

/// The demo canvas with `worker` failed (#4, while #3 still serves) and `postgres` failed
/// for want of capacity.
fn failing(w: u16, h: u16) -> State {
    let mut deployments = demo();
    deployments[0].current_revision_id = Some("rev_web".into());
    deployments[2].current_revision_id = Some("rev_w4".into());
    deployments[3].status = DeploymentStatus::Failed;
    let mut s = loaded(deployments, w, h);
    s.model.revision_numbers.insert("rev_w4".into(), 4);
    s.model.failures.insert(
        "dep_worker".into(),
        Failure {
            stage: Stage::RollingOut,
            reason: CRASH.into(),
            serving: Some(3),
            ready: None,
        },
    );
    s.model.failures.insert(
        "dep_postgres".into(),
        Failure {
            stage: Stage::RollingOut,
            reason: PENDING.into(),
            serving: None,
            ready: None,
        },
    );
    s
}

#[test]
fn failed_cards_say_why_at_80x24() {
    insta::assert_snapshot!(render(&failing(80, 24)));
}

#[test]
fn failed_cards_say_why_and_the_header_counts_at_160x45() {
    insta::assert_snapshot!(render(&failing(160, 45)));
}

#[test]
fn the_detail_panel_gives_the_whole_reason() {
    let mut s = failing(100, 30);
    press(&mut s, KeyCode::Char('!'));
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_worker"));
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn a_long_reason_wraps_in_the_drawer_at_80x24_and_160x45() {
    for (w, h) in [(80, 24), (160, 45)] {
        wrapped_in_the_drawer(w, h);
    }
}

fn wrapped_in_the_drawer(w: u16, h: u16) {
    let mut s = failing(w, h);
    press(&mut s, KeyCode::Char('!'));
    press(&mut s, KeyCode::Char('t'));
    let failed = Event {
        id: "ev_9".into(),
        stage: Stage::RollingOut,
        status: EventStatus::Failed,
        meta: serde_json::json!({"reason": CRASH})
            .as_object()
            .cloned()
            .unwrap(),
        revision_id: Some("rev_w4".into()),
        created_at: ts(),
    };
    update(
        &mut s,
        Msg::EventsLoaded {
            id: "dep_worker".into(),
            result: Ok(vec![failed]),
        },
        Instant::now(),
    );
    let screen = render(&s);
    assert!(screen.contains("exited with code 1"), "{screen}");
    assert!(
        screen.contains("ghcr.io/acme/worker:2.1-crashloop"),
        "wrapped, not cut: {screen}"
    );
    insta::assert_snapshot!(
        format!("a_long_reason_wraps_in_the_drawer_at_{w}x{h}"),
        screen
    );
}

#[test]
fn reasons_read_short_on_a_card() {
    use zopdeck::views::card::short_reason;
    let short = |stage, reason: &str| {
        short_reason(&Failure {
            stage,
            reason: reason.into(),
            serving: None,
            ready: None,
        })
    };
    assert_eq!(short(Stage::RollingOut, CRASH), "CrashLoopBackOff: exit 1");
    assert_eq!(
        short(Stage::RollingOut, PENDING),
        "47 Pending: insufficient capacity"
    );
    assert_eq!(
        short(
            Stage::RollingOut,
            "ImagePullBackOff: image \"ghcr.io/acme/nope:1\" cannot be pulled"
        ),
        "ImagePullBackOff"
    );
    assert_eq!(
        short(
            Stage::Building,
            "the build command exited with exit status: 2: error: npm ERR! missing script"
        ),
        "build failed: exit 2"
    );
    assert_eq!(
        short(
            Stage::Deploying,
            "forbidden: create deployments.apps in namespace shop; give the kubeconfig's user the rights (see README)"
        ),
        "forbidden: create deployments.apps in namespace shop"
    );
}

#[test]
fn a_key_jumps_to_the_next_unhealthy_card_in_reading_order() {
    let mut s = failing(160, 45);
    press(&mut s, KeyCode::Char('!'));
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_worker"));
    press(&mut s, KeyCode::Char('!'));
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_postgres"));
    press(&mut s, KeyCode::Char('!'));
    assert_eq!(
        s.canvas.selected.as_deref(),
        Some("dep_worker"),
        "round again"
    );
    // All well: it says so and stays.
    let mut well = loaded(
        vec![deployment(
            "web",
            DeploymentStatus::Active,
            Some((64.0, 64.0)),
        )],
        80,
        24,
    );
    press(&mut well, KeyCode::Char('!'));
    assert_eq!(well.canvas.selected.as_deref(), Some("dep_web"));
    assert!(
        well.message
            .as_ref()
            .is_some_and(|m| m.0.contains("all 1 are well")),
        "{:?}",
        well.message
    );
}

#[test]
fn a_pushed_failure_shows_at_once_and_a_new_rollout_clears_it() {
    use zopdeck::app::Cmd;
    let mut s = loaded(demo(), 100, 30);
    let failed = Event {
        id: "ev_7".into(),
        stage: Stage::RollingOut,
        status: EventStatus::Failed,
        meta: serde_json::json!({"reason": CRASH})
            .as_object()
            .cloned()
            .unwrap(),
        revision_id: Some("rev_api".into()),
        created_at: ts(),
    };
    let (redraw, cmds) = update(
        &mut s,
        Msg::Changed(Change::Event {
            deployment_id: "dep_api".into(),
            data: failed,
        }),
        Instant::now(),
    );
    assert!(redraw);
    assert_eq!(s.model.failures["dep_api"].reason, CRASH);
    assert!(cmds.contains(&Cmd::FetchFailure {
        id: "dep_api".into()
    }));
    let mut api = s.deployment("dep_api").unwrap().clone();
    api.status = DeploymentStatus::Failed;
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(api.clone()),
        }),
        Instant::now(),
    );
    update(
        &mut s,
        Msg::FailureLoaded {
            id: "dep_api".into(),
            failure: Failure {
                stage: Stage::RollingOut,
                reason: CRASH.into(),
                serving: Some(1),
                ready: None,
            },
        },
        Instant::now(),
    );
    assert_eq!(s.model.failures["dep_api"].serving, Some(1));
    api.status = DeploymentStatus::RollingOut;
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(api),
        }),
        Instant::now(),
    );
    assert!(!s.model.failures.contains_key("dep_api"));
}

#[test]
fn cards_and_the_detail_show_the_image_the_current_revision_runs() {
    let mut deployments = demo();
    deployments[0].current_revision_id = Some("rev_web3".into());
    let mut s = loaded(deployments, 120, 40);
    s.model.revision_numbers.insert("rev_web3".into(), 3);
    s.model
        .revision_images
        .insert("rev_web3".into(), "ghcr.io/acme/web:2.3.1".into());
    // 200 %: the card has room for the whole image.
    press(&mut s, KeyCode::Char('+'));
    press(&mut s, KeyCode::Char('+'));
    let card = render(&s);
    assert!(card.contains("ghcr.io/acme/web:2.3.1"), "{card}");
    assert!(card.contains("web · 2.3.1"), "the tag in the title: {card}");
    assert!(card.contains("2/2 ready"), "{card}");
    assert!(
        !card.contains("web:1.0"),
        "not the image it was created with: {card}"
    );
    press(&mut s, KeyCode::Enter);
    let detail = render(&s);
    assert!(
        detail.contains("image      ghcr.io/acme/web:2.3.1"),
        "{detail}"
    );
}

#[test]
fn right_after_a_rollback_the_card_shows_the_new_revision() {
    let mut s = loaded(demo(), 120, 40);
    let rev = Revision {
        id: "rev_web9".into(),
        deployment_id: "dep_web".into(),
        number: 9,
        image: Some("ghcr.io/acme/web:0.9".into()),
        build_id: None,
        note: None,
        configs: "{}".into(),
        trigger: Trigger::Rollback,
        rollback_of: Some("rev_web".into()),
        status: RevisionStatus::Pending,
        created_at: ts(),
    };
    update(
        &mut s,
        Msg::RolledBack {
            id: "dep_web".into(),
            result: Ok(rev),
        },
        Instant::now(),
    );
    let web = s.deployment("dep_web").unwrap();
    assert_eq!(web.current_revision_id.as_deref(), Some("rev_web9"));
    assert_eq!(web.status, DeploymentStatus::Pending);
    let screen = render(&s);
    assert!(screen.contains("○ pending  #9"), "{screen}");
}

#[test]
fn the_quit_question_does_not_count_zero_unsaved_moves() {
    let mut s = loaded(demo(), 100, 30);
    s.overlay = Some(zopdeck::app::state::Overlay::ConfirmQuit);
    let screen = render(&s);
    assert!(!screen.contains("0 position change(s)"), "{screen}");
    assert!(
        screen.contains("Every position change is saved now"),
        "{screen}"
    );
}
