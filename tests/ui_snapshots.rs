//! Snapshots of every screen, rendered with ratatui's `TestBackend` (colour off, so the
//! snapshots show what a NO_COLOR user sees: symbols and words, never colour alone).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use fixtures::*;
use zopdeck::app::{Msg, State, update};
use zopdeck::backend::model::*;

fn demo_state() -> State {
    let mut s = loaded(demo(), 100, 30);
    s.model.progress.insert("dep_api".into(), (1, 3));
    s.model.loadbalancers.insert(
        "dep_web".into(),
        lb(LbStatus::Ready, Some("web.demo.sandbox.zopdeck.test")),
    );
    s
}

#[test]
fn loading() {
    insta::assert_snapshot!(render(&empty_state(80, 14)));
}

#[test]
fn empty_environment() {
    insta::assert_snapshot!(render(&loaded(vec![], 80, 14)));
}

#[test]
fn demo_canvas() {
    insta::assert_snapshot!(render(&demo_state()));
}

#[test]
fn waiting_for_public_address() {
    let mut s = demo_state();
    s.model
        .loadbalancers
        .insert("dep_web".into(), lb(LbStatus::Pending, None));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn another_card_selected() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('j'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn card_being_dragged() {
    let mut s = demo_state();
    let ev = |kind, column, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(
        &mut s,
        ev(MouseEventKind::Down(MouseButton::Left), 10, 6),
        Instant::now(),
    );
    update(
        &mut s,
        ev(MouseEventKind::Drag(MouseButton::Left), 30, 11),
        Instant::now(),
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn filtered_canvas() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('/'));
    for c in "act".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!(render(&s));
}

#[test]
fn zoom_50() {
    let mut s = demo_state();
    // 100 → 75 → 50 %.
    press(&mut s, KeyCode::Char('-'));
    press(&mut s, KeyCode::Char('-'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn zoom_200() {
    let mut s = demo_state();
    // 100 → 150 → 200 %.
    press(&mut s, KeyCode::Char('+'));
    press(&mut s, KeyCode::Char('+'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn card_half_off_screen() {
    let mut deps = demo();
    deps.push(deployment(
        "edge",
        DeploymentStatus::Active,
        Some((700.0, 400.0)),
    ));
    let s = loaded(deps, 100, 30);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn help_overlay() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('?'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn command_palette() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char(':'));
    for c in "zoom".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!(render(&s));
}

#[test]
fn environment_switcher() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('e'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn an_unreachable_cluster_in_the_header_and_the_detail_panel() {
    let mut s = demo_state();
    let mut space = space();
    space.name = "kube-test".into();
    space.cloud_account_id = "ca_kc_test".into();
    space.reachability = Some(Reachability {
        status: ReachabilityStatus::Unreachable,
        message: Some(
            "cluster kube-test unreachable: connection refused — check the kubeconfig context"
                .into(),
        ),
        checked_at: ts(),
    });
    s.model.space = Some(space);
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn detail_panel() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

/// The end of the detail panel: who did what to the deployment (the audit log), a refusal
/// in red; and why there is nothing when the token may not read the log.
#[test]
fn detail_panel_who_did_what() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Enter);
    let Some(zopdeck::app::state::Overlay::Detail { id, .. }) = s.overlay.clone() else {
        panic!("no detail panel");
    };
    let at = |min: i64| ts() + chrono::Duration::minutes(min);
    let entry =
        |n: u32, min: i64, who: &str, role: &str, method: &str, route: &str, status| AuditEntry {
            id: format!("aud_{n}"),
            at: at(min),
            token_name: who.into(),
            role: role.into(),
            method: method.into(),
            route: route.into(),
            target: Some(id.clone()),
            deployment_id: Some(id.clone()),
            status,
        };
    let entries = vec![
        entry(
            5,
            40,
            "ci-bot",
            "deployer",
            "POST",
            "/deployments/{id}/rollback",
            201,
        ),
        entry(
            4,
            30,
            "val",
            "viewer",
            "PATCH",
            "/deployments/{id}/configs",
            403,
        ),
        entry(
            3,
            20,
            "alice",
            "deployer",
            "PATCH",
            "/deployments/{id}/configs",
            200,
        ),
        entry(
            2,
            10,
            "alice",
            "deployer",
            "PUT",
            "/deployments/{id}/canvas-position",
            200,
        ),
        entry(1, 0, "alice", "deployer", "POST", "/deployments", 201),
    ];
    update(
        &mut s,
        Msg::HistoryLoaded {
            id: id.clone(),
            result: Ok(entries),
        },
        Instant::now(),
    );
    press(&mut s, KeyCode::End);
    let loaded = render(&s);
    update(
        &mut s,
        Msg::HistoryLoaded {
            id,
            result: Err("the audit log is for admin tokens; this token may not read it".into()),
        },
        Instant::now(),
    );
    insta::assert_snapshot!(format!("{loaded}\n{}", render(&s)));
}

/// A release changed by hand with `helm rollback`: the card and its detail say so.
fn drifted_state() -> State {
    let mut deps = demo();
    deps[0].drift = Some(Drift {
        helm_revision: 5,
        description: "Rollback to 2".into(),
    });
    let mut s = loaded(deps, 100, 30);
    s.model.loadbalancers.insert(
        "dep_web".into(),
        lb(LbStatus::Ready, Some("web.demo.sandbox.zopdeck.test")),
    );
    s
}

#[test]
fn a_card_changed_outside_zopdeck() {
    insta::assert_snapshot!(render(&drifted_state()));
}

#[test]
fn detail_of_a_deployment_changed_outside_zopdeck() {
    let mut s = drifted_state();
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn quit_with_unsaved_moves() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('L'));
    press(&mut s, KeyCode::Char('q'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn read_only_with_an_error_message() {
    let mut s = demo_state();
    s.read_only = true;
    press(&mut s, KeyCode::Char('L'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn terminal_too_small() {
    let mut s = demo_state();
    s.screen = (40, 8);
    insta::assert_snapshot!(render(&s));
}

// ---- issue 5: the deployment panels --------------------------------------------------

fn event(
    n: i64,
    secs: i64,
    stage: Stage,
    status: EventStatus,
    meta: serde_json::Value,
    rev: &str,
) -> Event {
    Event {
        id: format!("ev_{n}"),
        stage,
        status,
        meta: meta.as_object().cloned().unwrap_or_default(),
        revision_id: Some(rev.into()),
        created_at: ts() + chrono::Duration::seconds(secs),
    }
}

fn rollout_events(fail: bool) -> Vec<Event> {
    use serde_json::json;
    let mut v = vec![
        event(
            1,
            0,
            Stage::Building,
            EventStatus::Started,
            json!({"source": "image"}),
            "rev_web",
        ),
        event(
            2,
            2,
            Stage::Building,
            EventStatus::Succeeded,
            json!({"imageRef": "ghcr.io/acme/web:1.0"}),
            "rev_web",
        ),
        event(
            3,
            2,
            Stage::Deploying,
            EventStatus::Started,
            json!({}),
            "rev_web",
        ),
        event(
            4,
            3,
            Stage::Deploying,
            EventStatus::Succeeded,
            json!({"helmRevision": 1}),
            "rev_web",
        ),
        event(
            5,
            3,
            Stage::RollingOut,
            EventStatus::Started,
            json!({"ready": 0, "desired": 3}),
            "rev_web",
        ),
        event(
            6,
            6,
            Stage::RollingOut,
            EventStatus::Progress,
            json!({"ready": 1, "desired": 3}),
            "rev_web",
        ),
    ];
    if fail {
        v.push(event(
            7,
            40,
            Stage::RollingOut,
            EventStatus::Failed,
            json!({"reason": "CrashLoopBackOff: container app keeps exiting (exit code 1)"}),
            "rev_web",
        ));
    }
    v
}

fn with_drawer(events: Option<Vec<Event>>) -> State {
    let mut s = demo_state();
    s.now = ts() + chrono::Duration::seconds(45);
    press(&mut s, KeyCode::Char('t'));
    if let Some(events) = events {
        update(
            &mut s,
            Msg::EventsLoaded {
                id: "dep_web".into(),
                result: Ok(events),
            },
            Instant::now(),
        );
    }
    s
}

#[test]
fn drawer_empty() {
    let s = with_drawer(Some(vec![]));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn drawer_mid_rollout() {
    let s = with_drawer(Some(rollout_events(false)));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn drawer_failed() {
    let s = with_drawer(Some(rollout_events(true)));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn drawer_scrolled_with_new_events() {
    let mut s = with_drawer(Some(rollout_events(false)));
    press(&mut s, KeyCode::PageUp);
    let late = event(
        9,
        44,
        Stage::RollingOut,
        EventStatus::Progress,
        serde_json::json!({"ready": 2, "desired": 3}),
        "rev_web",
    );
    update(
        &mut s,
        Msg::Changed(Change::Event {
            deployment_id: "dep_web".into(),
            data: late,
        }),
        Instant::now(),
    );
    insta::assert_snapshot!(render(&s));
}

fn revisions_state() -> State {
    let mut s = demo_state();
    s.now = ts() + chrono::Duration::hours(2);
    s.model.deployments[0].current_revision_id = Some("rev_3".into());
    press(&mut s, KeyCode::Char('r'));
    let rev = |n: u32,
               trigger: Trigger,
               image: &str,
               replicas: u32,
               rollback_of: Option<&str>,
               status: RevisionStatus| Revision {
        id: format!("rev_{n}"),
        deployment_id: "dep_web".into(),
        number: n,
        image: Some(image.into()),
        build_id: None,
        note: (n == 3).then(|| "fix: cache headers".into()),
        configs: format!(r#"{{"port":8080,"replicas":{replicas}}}"#),
        trigger,
        rollback_of: rollback_of.map(str::to_string),
        status,
        created_at: ts() + chrono::Duration::minutes(i64::from(n) * 10),
    };
    let list = vec![
        rev(
            3,
            Trigger::Rollback,
            "ghcr.io/acme/web:1.0",
            2,
            Some("rev_1"),
            RevisionStatus::Active,
        ),
        rev(
            2,
            Trigger::Config,
            "ghcr.io/acme/web:1.1",
            3,
            None,
            RevisionStatus::Superseded,
        ),
        rev(
            1,
            Trigger::Create,
            "ghcr.io/acme/web:1.0",
            2,
            None,
            RevisionStatus::Superseded,
        ),
    ];
    update(
        &mut s,
        Msg::RevisionsLoaded {
            id: "dep_web".into(),
            result: Ok(list),
        },
        Instant::now(),
    );
    s
}

#[test]
fn revisions_list() {
    insta::assert_snapshot!(render(&revisions_state()));
}

#[test]
fn revisions_diff() {
    let mut s = revisions_state();
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Char('d'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn rollback_dialog() {
    let mut s = revisions_state();
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn loadbalancer_pending() {
    let mut s = demo_state();
    s.model
        .loadbalancers
        .insert("dep_web".into(), lb(LbStatus::Pending, None));
    press(&mut s, KeyCode::Char('b'));
    insta::assert_snapshot!(render(&s));
}

/// A LoadBalancer a cluster keeps waiting, with the Service's latest event.
fn stuck_lb() -> LoadBalancer {
    let mut pending = lb(LbStatus::Pending, None);
    pending.pending = Some(LbPending {
        since: Some(ts() - chrono::Duration::seconds(150)),
        reason: Some("SyncLoadBalancerFailed: Error syncing load balancer: quota exceeded".into()),
    });
    pending
}

#[test]
fn loadbalancer_pending_with_the_clusters_reason() {
    let mut s = demo_state();
    s.now = ts();
    s.model.loadbalancers.insert("dep_web".into(), stuck_lb());
    press(&mut s, KeyCode::Char('b'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn drawer_waiting_for_an_address_says_how_long_and_why() {
    let mut s = with_drawer(Some(rollout_events(false)));
    s.model.loadbalancers.insert("dep_web".into(), stuck_lb());
    insta::assert_snapshot!(render(&s));
}

#[test]
fn loadbalancer_ready() {
    let mut s = demo_state();
    let mut ready = lb(LbStatus::Ready, Some("web.demo.sandbox.zopdeck.test"));
    ready.tls = Some(Tls {
        issuer: "zopdeck sandbox CA (simulated)".into(),
        expires_at: ts() + chrono::Duration::days(90),
    });
    s.model.loadbalancers.insert("dep_web".into(), ready);
    press(&mut s, KeyCode::Char('b'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn analysis_list() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('a'));
    let w = |code: &str, severity, field: &str, message: &str| Warning {
        code: code.into(),
        severity,
        message: message.into(),
        field: Some(field.into()),
    };
    let warnings = vec![
        w(
            "literal_secret_env",
            Severity::Error,
            "configs.envVars.DB_PASSWORD",
            "DB_PASSWORD holds a literal value; move it to secretRefs",
        ),
        w(
            "no_liveness_probe",
            Severity::Warning,
            "configs.liveness",
            "no liveness probe: a hung process keeps receiving traffic",
        ),
        w(
            "single_replica",
            Severity::Warning,
            "configs.replicas",
            "a single replica means downtime on every rollout",
        ),
    ];
    update(
        &mut s,
        Msg::Analyzed {
            id: "dep_web".into(),
            result: Ok(warnings),
        },
        Instant::now(),
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn teardown_dialog() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('D'));
    press(&mut s, KeyCode::Char('w'));
    press(&mut s, KeyCode::Char('e'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn create_form_with_validation_errors() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('n'));
    for c in "Shop_1".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!(render(&s));
}

#[test]
fn config_diff() {
    let mut s = demo_state();
    update(
        &mut s,
        Msg::Edited {
            id: "dep_web".into(),
            result: Ok(r#"{"port": 9090, "replicas": 3}"#.into()),
        },
        Instant::now(),
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn offline_with_the_last_known_state() {
    let mut s = demo_state();
    update(
        &mut s,
        Msg::Unreachable("cannot reach http://127.0.0.1:8787/api: connection refused".into()),
        Instant::now(),
    );
    insta::assert_snapshot!(render(&s));
}

/// On a remote: the header says how changes arrive.
fn remote_state(live: zopdeck::backend::LiveMode) -> State {
    let mut s = demo_state();
    s.backend_label = "remote · http://127.0.0.1:8787/api".into();
    s.model.live = live;
    s
}

#[test]
fn remote_with_a_live_stream() {
    insta::assert_snapshot!(render(&remote_state(zopdeck::backend::LiveMode::Stream)));
}

#[test]
fn remote_polling_without_a_stream() {
    insta::assert_snapshot!(render(&remote_state(zopdeck::backend::LiveMode::Polling)));
}

#[test]
fn remote_token_rejected() {
    let mut s = remote_state(zopdeck::backend::LiveMode::Stream);
    update(
        &mut s,
        Msg::Rejected(
            "token rejected — run zopdeck login (the token is unknown or revoked)".into(),
        ),
        Instant::now(),
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn config_diff_of_long_configs_folds_unchanged_lines() {
    let mut s = demo_state();
    let env_vars: serde_json::Map<String, serde_json::Value> = (1..=20)
        .map(|i| {
            (
                format!("VAR_{i:02}"),
                serde_json::json!(format!("value-{i}")),
            )
        })
        .collect();
    let before = serde_json::json!({"envVars": env_vars, "port": 8080, "replicas": 2});
    s.model.deployments[0].configs = before.to_string();
    let mut after = before.clone();
    after["envVars"]["VAR_10"] = serde_json::json!("changed");
    update(
        &mut s,
        Msg::Edited {
            id: "dep_web".into(),
            result: Ok(after.to_string()),
        },
        Instant::now(),
    );
    insta::assert_snapshot!(render(&s));
}
