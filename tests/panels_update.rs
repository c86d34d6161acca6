//! `update` for the deployment panels: LoadBalancer back-off, the rollback flow, the
//! timeline drawer, analysis and teardown. Time is passed in, never slept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::*;
use zopdeck::app::revisions::RevisionsPanel;
use zopdeck::app::state::Overlay;
use zopdeck::app::{Cmd, Msg, State, update};
use zopdeck::backend::model::*;

fn press(state: &mut State, code: KeyCode, now: Instant) -> Vec<Cmd> {
    update(
        state,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        now,
    )
    .1
}

fn exposed(name: &str, status: DeploymentStatus, pos: (f64, f64)) -> Deployment {
    let mut d = deployment(name, status, Some(pos));
    d.configs = r#"{"port":8080,"expose":[{"port":443,"protocol":"http"}]}"#.into();
    d
}

fn polls(cmds: &[Cmd]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Cmd::PollLoadBalancer { .. }))
        .count()
}

fn revision(n: u32, trigger: Trigger, image: &str, replicas: u32) -> Revision {
    Revision {
        id: format!("rev_{n}"),
        deployment_id: "dep_web".into(),
        number: n,
        image: Some(image.into()),
        build_id: None,
        note: None,
        configs: format!(r#"{{"port":8080,"replicas":{replicas}}}"#),
        trigger,
        rollback_of: None,
        status: RevisionStatus::Superseded,
        created_at: ts(),
    }
}

#[test]
fn loadbalancer_is_polled_at_1_2_4_seconds_with_backoff_capped_at_30_and_stops_when_ready() {
    let t0 = Instant::now();
    let mut s = loaded(
        vec![exposed("web", DeploymentStatus::RollingOut, (64.0, 64.0))],
        120,
        40,
    );
    s.model.live = zopdeck::backend::LiveMode::Polling;
    // The rollout completes: the wait for an address begins.
    let active = exposed("web", DeploymentStatus::Active, (64.0, 64.0));
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(active),
        }),
        t0,
    );
    assert!(s.model.waiting_for_address("dep_web"));
    let mut times = Vec::new();
    let mut t = t0;
    let pending = LoadBalancer::pending(vec![]);
    while t < t0 + Duration::from_secs(120) {
        let due = s.next_deadline().unwrap();
        let (_, cmds) = update(&mut s, Msg::Timer, due);
        assert_eq!(polls(&cmds), 1, "one request when due");
        // Still in flight: nothing more is sent, whatever the time.
        let (_, again) = update(&mut s, Msg::Timer, due + Duration::from_secs(100));
        assert_eq!(polls(&again), 0, "never two requests in flight");
        times.push(due.duration_since(t0).as_secs_f64());
        t = due;
        update(
            &mut s,
            Msg::LoadBalancerPolled {
                id: "dep_web".into(),
                result: Ok(pending.clone()),
            },
            t,
        );
    }
    let gaps: Vec<f64> = std::iter::once(times[0])
        .chain(times.windows(2).map(|w| w[1] - w[0]))
        .collect();
    let expected = [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0];
    for (gap, want) in gaps.iter().zip(expected) {
        assert!(
            *gap >= want - 1e-6 && *gap <= want * 1.1 + 1e-6,
            "gaps {gaps:?}"
        );
    }
    let in_first_minute = times.iter().filter(|t| **t <= 60.0).count();
    assert!(
        in_first_minute <= 8,
        "{in_first_minute} requests in 60 s: {times:?}"
    );
    // Ready: polling stops.
    let due = s.next_deadline().unwrap();
    update(&mut s, Msg::Timer, due);
    let ready = LoadBalancer {
        status: LbStatus::Ready,
        address: Some("web.example".into()),
        ports: vec![],
        tls: None,
        pending: None,
    };
    update(
        &mut s,
        Msg::LoadBalancerPolled {
            id: "dep_web".into(),
            result: Ok(ready),
        },
        due,
    );
    assert!(s.next_deadline().is_none());
    assert!(!s.model.waiting_for_address("dep_web"));
}

#[test]
fn an_address_pushed_by_the_backend_stops_the_polling_and_errors_back_off() {
    let t0 = Instant::now();
    let mut s = loaded(
        vec![exposed("web", DeploymentStatus::Active, (64.0, 64.0))],
        120,
        40,
    );
    s.model.live = zopdeck::backend::LiveMode::Polling;
    assert!(
        s.next_deadline().is_some(),
        "an active exposed deployment without address is polled"
    );
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + Duration::from_secs(2));
    assert_eq!(polls(&cmds), 1);
    update(
        &mut s,
        Msg::LoadBalancerPolled {
            id: "dep_web".into(),
            result: Err("connection refused".into()),
        },
        t0 + Duration::from_secs(2),
    );
    assert!(
        s.next_deadline().unwrap() >= t0 + Duration::from_secs(4),
        "errors back off too"
    );
    let ready = LoadBalancer {
        status: LbStatus::Ready,
        address: Some("a".into()),
        ports: vec![],
        tls: None,
        pending: None,
    };
    update(
        &mut s,
        Msg::Changed(Change::Loadbalancer {
            deployment_id: "dep_web".into(),
            data: ready,
        }),
        t0,
    );
    assert!(s.next_deadline().is_none());
}

#[test]
fn a_backend_that_pushes_is_never_asked_for_the_address() {
    let t0 = Instant::now();
    let mut s = loaded(
        vec![exposed("web", DeploymentStatus::Active, (64.0, 64.0))],
        120,
        40,
    );
    for live in [
        zopdeck::backend::LiveMode::Pushed,
        zopdeck::backend::LiveMode::Stream,
    ] {
        s.model.live = live;
        assert!(s.model.waiting_for_address("dep_web"), "the wait is shown");
        assert!(s.next_deadline().is_none(), "nothing to wake up for");
        let (_, cmds) = update(&mut s, Msg::Timer, t0 + Duration::from_secs(600));
        assert_eq!(polls(&cmds), 0, "{live:?}: no request");
    }
    // The stream drops: the client polls from now on.
    s.model.live = zopdeck::backend::LiveMode::Polling;
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + Duration::from_secs(601));
    assert_eq!(polls(&cmds), 1);
}

#[test]
fn rollback_by_keyboard_confirms_then_follows_the_new_revision() {
    let now = Instant::now();
    let mut web = deployment("web", DeploymentStatus::Active, Some((64.0, 64.0)));
    web.current_revision_id = Some("rev_3".into());
    let mut s = loaded(vec![web], 120, 40);
    let cmds = press(&mut s, KeyCode::Char('r'), now);
    assert!(cmds.contains(&Cmd::LoadRevisions {
        id: "dep_web".into()
    }));
    let list = vec![
        revision(3, Trigger::Manual, "app:3", 3),
        revision(2, Trigger::Config, "app:2", 3),
        revision(1, Trigger::Create, "app:1", 2),
    ];
    update(
        &mut s,
        Msg::RevisionsLoaded {
            id: "dep_web".into(),
            result: Ok(list),
        },
        now,
    );
    // Rolling back to the current revision is refused.
    press(&mut s, KeyCode::Enter, now);
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("already the current"),
        "{:?}",
        s.message
    );
    press(&mut s, KeyCode::Char('G'), now);
    press(&mut s, KeyCode::Enter, now);
    assert!(matches!(
        s.overlay,
        Some(Overlay::Revisions(RevisionsPanel {
            confirm: true,
            selected: 2,
            ..
        }))
    ));
    // Anything but y cancels.
    press(&mut s, KeyCode::Char('n'), now);
    assert!(matches!(
        s.overlay,
        Some(Overlay::Revisions(RevisionsPanel { confirm: false, .. }))
    ));
    press(&mut s, KeyCode::Char('R'), now);
    let cmds = press(&mut s, KeyCode::Char('y'), now);
    assert_eq!(
        cmds,
        vec![Cmd::Rollback {
            id: "dep_web".into(),
            to: "rev_1".into()
        }]
    );
    let mut new = revision(4, Trigger::Rollback, "app:1", 2);
    new.rollback_of = Some("rev_1".into());
    let (_, cmds) = update(
        &mut s,
        Msg::RolledBack {
            id: "dep_web".into(),
            result: Ok(new),
        },
        now,
    );
    assert!(s.overlay.is_none());
    assert!(s.message.as_ref().unwrap().0.contains("revision #4"));
    assert_eq!(
        s.drawer.as_ref().map(|t| t.deployment_id.as_str()),
        Some("dep_web"),
        "the drawer follows it"
    );
    assert!(cmds.contains(&Cmd::LoadEvents {
        id: "dep_web".into(),
        after: None
    }));
}

#[test]
fn a_failed_rollback_says_why_and_can_be_retried() {
    let now = Instant::now();
    let mut s = loaded(
        vec![deployment(
            "web",
            DeploymentStatus::Active,
            Some((64.0, 64.0)),
        )],
        120,
        40,
    );
    press(&mut s, KeyCode::Char('r'), now);
    let list = vec![
        revision(2, Trigger::Config, "app:2", 3),
        revision(1, Trigger::Create, "app:1", 2),
    ];
    update(
        &mut s,
        Msg::RevisionsLoaded {
            id: "dep_web".into(),
            result: Ok(list),
        },
        now,
    );
    update(
        &mut s,
        Msg::RolledBack {
            id: "dep_web".into(),
            result: Err("space sandbox is inactive".into()),
        },
        now,
    );
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("space sandbox is inactive")
    );
    assert!(
        matches!(s.overlay, Some(Overlay::Revisions(_))),
        "the panel stays for a retry"
    );
}

#[test]
fn the_drawer_follows_the_tail_unless_scrolled_and_counts_new_events() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    let cmds = press(&mut s, KeyCode::Char('t'), now);
    assert!(cmds.contains(&Cmd::LoadEvents {
        id: "dep_web".into(),
        after: None
    }));
    let ev = |n: i64, stage: Stage, status: EventStatus| Event {
        id: format!("ev_{n}"),
        stage,
        status,
        meta: Default::default(),
        revision_id: Some("rev_web".into()),
        created_at: ts(),
    };
    // Thirty rollouts' starts: thirty lines (progress of one stage would read as one).
    let events: Vec<Event> = (1..=30)
        .map(|n| Event {
            revision_id: Some(format!("rev_{n}")),
            ..ev(n, Stage::RollingOut, EventStatus::Started)
        })
        .collect();
    update(
        &mut s,
        Msg::EventsLoaded {
            id: "dep_web".into(),
            result: Ok(events),
        },
        now,
    );
    assert_eq!(s.drawer.as_ref().unwrap().events.len(), 30);
    press(&mut s, KeyCode::PageUp, now);
    assert!(s.drawer.as_ref().unwrap().scroll.is_some());
    update(
        &mut s,
        Msg::Changed(Change::Event {
            deployment_id: "dep_web".into(),
            data: ev(31, Stage::Active, EventStatus::Succeeded),
        }),
        now,
    );
    assert_eq!(s.drawer.as_ref().unwrap().unseen, 1);
    press(&mut s, KeyCode::End, now);
    assert_eq!(s.drawer.as_ref().unwrap().scroll, None);
    // Selecting another card moves the drawer to it.
    let cmds = press(&mut s, KeyCode::Char('l'), now);
    assert!(cmds.contains(&Cmd::LoadEvents {
        id: "dep_api".into(),
        after: None
    }));
    press(&mut s, KeyCode::Char('t'), now);
    assert!(s.drawer.is_none());
}

#[test]
fn teardown_needs_the_name_typed_and_the_card_leaves() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    press(&mut s, KeyCode::Char('D'), now);
    for c in "wbe".chars() {
        press(&mut s, KeyCode::Char(c), now);
    }
    let cmds = press(&mut s, KeyCode::Enter, now);
    assert!(cmds.is_empty());
    assert!(s.message.as_ref().unwrap().0.contains("type web exactly"));
    for _ in 0..3 {
        press(&mut s, KeyCode::Backspace, now);
    }
    for c in "web".chars() {
        press(&mut s, KeyCode::Char(c), now);
    }
    let cmds = press(&mut s, KeyCode::Enter, now);
    assert_eq!(
        cmds,
        vec![Cmd::TearDown {
            id: "dep_web".into()
        }]
    );
    assert_eq!(
        s.deployment("dep_web").unwrap().status,
        DeploymentStatus::TearingDown
    );
    update(
        &mut s,
        Msg::TornDown {
            id: "dep_web".into(),
            result: Ok(TeardownReport {
                already_clean: false,
            }),
        },
        now,
    );
    assert!(s.deployment("dep_web").is_none());
    assert!(s.canvas.selected.is_some());
}

#[test]
fn read_only_refuses_teardown_and_rollback() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    s.read_only = true;
    press(&mut s, KeyCode::Char('D'), now);
    assert!(s.overlay.is_none());
    assert!(s.message.as_ref().unwrap().0.contains("read-only"));
}

#[test]
fn analysis_lists_warnings() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    let cmds = press(&mut s, KeyCode::Char('a'), now);
    assert_eq!(
        cmds,
        vec![Cmd::Analyze {
            id: "dep_web".into()
        }]
    );
    let w = Warning {
        code: "single_replica".into(),
        severity: Severity::Warning,
        message: "one replica".into(),
        field: Some("configs.replicas".into()),
    };
    update(
        &mut s,
        Msg::Analyzed {
            id: "dep_web".into(),
            result: Ok(vec![w]),
        },
        now,
    );
    assert!(
        matches!(&s.overlay, Some(Overlay::Analysis { warnings: Some(ws), .. }) if ws.len() == 1)
    );
}

#[test]
fn edited_configs_are_checked_diffed_and_sent_as_a_merge_patch() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    let cmds = press(&mut s, KeyCode::Char('c'), now);
    let Some(Cmd::EditConfigs { id, text }) = cmds.first().cloned() else {
        panic!("{cmds:?}")
    };
    assert_eq!(id, "dep_web");
    assert!(
        text.contains("\"replicas\": 2"),
        "the editor gets the configs pretty-printed: {text}"
    );
    // Broken JSON: said where, and the text is kept for the next `c`.
    update(
        &mut s,
        Msg::Edited {
            id: id.clone(),
            result: Ok("{\"port\": ".into()),
        },
        now,
    );
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("not valid JSON (line 1"),
        "{:?}",
        s.message
    );
    let cmds = press(&mut s, KeyCode::Char('c'), now);
    assert_eq!(
        cmds,
        vec![Cmd::EditConfigs {
            id: id.clone(),
            text: "{\"port\": ".into()
        }]
    );
    // A rule broken: the field and the rule.
    update(
        &mut s,
        Msg::Edited {
            id: id.clone(),
            result: Ok(r#"{"port": 99999, "replicas": 2}"#.into()),
        },
        now,
    );
    let msg = s.message.clone().unwrap().0;
    assert!(
        msg.contains("configs.port") && msg.contains("65535"),
        "{msg}"
    );
    // Valid: the diff, then y sends the merge patch.
    update(
        &mut s,
        Msg::Edited {
            id: id.clone(),
            result: Ok(r#"{"port": 9090}"#.into()),
        },
        now,
    );
    assert!(matches!(s.overlay, Some(Overlay::ConfigDiff { .. })));
    let cmds = press(&mut s, KeyCode::Char('y'), now);
    assert_eq!(
        cmds,
        vec![Cmd::PatchConfigs {
            id: id.clone(),
            patch: serde_json::json!({"port": 9090, "replicas": null})
        }]
    );
    // The backend refuses: the draft stays.
    update(
        &mut s,
        Msg::Patched {
            id: id.clone(),
            result: Err("space sandbox is inactive".into()),
        },
        now,
    );
    let cmds = press(&mut s, KeyCode::Char('c'), now);
    assert_eq!(
        cmds,
        vec![Cmd::EditConfigs {
            id: id.clone(),
            text: r#"{"port": 9090}"#.into()
        }]
    );
    update(
        &mut s,
        Msg::Patched {
            id: id.clone(),
            result: Ok(()),
        },
        now,
    );
    assert!(s.drafts.is_empty());
}

#[test]
fn the_create_form_checks_as_you_type_and_places_the_card_near_the_centre() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    press(&mut s, KeyCode::Char('n'), now);
    let form = |s: &State| match &s.overlay {
        Some(Overlay::Create(f)) => (**f).clone(),
        other => panic!("{other:?}"),
    };
    for c in "Shop".chars() {
        press(&mut s, KeyCode::Char(c), now);
    }
    assert!(
        form(&s)
            .errors()
            .iter()
            .any(|(_, m)| m.contains("DNS-1123")),
        "checked as typed"
    );
    for _ in 0..4 {
        press(&mut s, KeyCode::Backspace, now);
    }
    for c in "shop".chars() {
        press(&mut s, KeyCode::Char(c), now);
    }
    // Enter with the image missing goes to that field and says why.
    let cmds = press(&mut s, KeyCode::Enter, now);
    assert!(cmds.is_empty());
    assert_eq!(form(&s).field, zopdeck::app::create_form::Field::Image);
    for c in "nginx:1.27".chars() {
        press(&mut s, KeyCode::Char(c), now);
    }
    let cmds = press(&mut s, KeyCode::Enter, now);
    let Some(Cmd::Create(req)) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert_eq!(req.name, "shop");
    assert_eq!(req.image.as_deref(), Some("nginx:1.27"));
    assert_eq!(
        req.configs,
        Some(
            serde_json::json!({"replicas": 2, "port": 8080, "expose": [{"port": 8080, "protocol": "http"}]})
        )
    );
    let spot = req.canvas_position.unwrap();
    let taken: Vec<_> = s
        .model
        .deployments
        .iter()
        .map(|d| zopdeck::app::geometry::Rect::card(d.canvas_position.unwrap()))
        .collect();
    assert!(
        taken
            .iter()
            .all(|r| !r.overlaps(&zopdeck::app::geometry::Rect::card(spot))),
        "a free spot"
    );
    // A refusal keeps everything typed.
    update(
        &mut s,
        Msg::Created {
            result: Err("a deployment named \"shop\" already exists".into()),
        },
        now,
    );
    assert_eq!(form(&s).name, "shop");
    assert!(!form(&s).submitting);
    let mut created = deployment("shop", DeploymentStatus::Pending, Some((spot.x, spot.y)));
    created.id = "dep_shop".into();
    let (_, cmds) = update(
        &mut s,
        Msg::Created {
            result: Ok(created),
        },
        now,
    );
    assert!(s.overlay.is_none());
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_shop"));
    assert!(
        cmds.contains(&Cmd::LoadEvents {
            id: "dep_shop".into(),
            after: None
        }),
        "its rollout shows in the drawer"
    );
}

#[test]
fn an_unreachable_backend_keeps_the_last_state_and_retries_with_backoff() {
    use zopdeck::app::state::Connection;
    let t0 = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    update(
        &mut s,
        Msg::Unreachable("cannot reach http://127.0.0.1:1/api".into()),
        t0,
    );
    assert_eq!(
        s.link.connection,
        Connection::Offline("retrying in 1 s".into())
    );
    assert_eq!(
        s.model.deployments.len(),
        4,
        "the last known state stays on screen"
    );
    assert_eq!(s.next_deadline(), Some(t0 + Duration::from_secs(1)));
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + Duration::from_secs(1));
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Reload { .. })));
    update(
        &mut s,
        Msg::Unreachable("still down".into()),
        t0 + Duration::from_secs(1),
    );
    assert_eq!(
        s.link.connection,
        Connection::Offline("retrying in 2 s".into())
    );
    let snapshot = zopdeck::app::Snapshot {
        environment: Some(environment("env_demo", "demo")),
        deployments: demo(),
        ..Default::default()
    };
    update(
        &mut s,
        Msg::Loaded(Box::new(snapshot)),
        t0 + Duration::from_secs(3),
    );
    assert_eq!(s.link.connection, Connection::Connected);
    assert!(s.next_deadline().is_none());
}

#[test]
fn relative_times_in_the_drawer_are_redrawn_when_they_would_read_differently() {
    let mut s = loaded(demo(), 120, 40);
    assert_eq!(s.next_clock_change(), None, "no drawer: nothing to redraw");
    press(&mut s, KeyCode::Char('t'), Instant::now());
    let at = |secs_ago: f64| Event {
        id: format!("ev_{secs_ago}"),
        stage: Stage::Active,
        status: EventStatus::Succeeded,
        meta: Default::default(),
        revision_id: None,
        created_at: ts() - chrono::Duration::milliseconds((secs_ago * 1000.0) as i64),
    };
    s.now = ts();
    update(
        &mut s,
        Msg::EventsLoaded {
            id: "dep_web".into(),
            result: Ok(vec![at(310.0)]),
        },
        Instant::now(),
    );
    assert_eq!(
        s.next_clock_change(),
        Some(Duration::from_secs(50)),
        "\"5m ago\" becomes \"6m ago\" in 50 s"
    );
    update(
        &mut s,
        Msg::EventsLoaded {
            id: "dep_web".into(),
            result: Ok(vec![at(12.3)]),
        },
        Instant::now(),
    );
    assert_eq!(
        s.next_clock_change(),
        Some(Duration::from_millis(700)),
        "\"12s ago\" becomes \"13s ago\""
    );
    press(&mut s, KeyCode::Char('T'), Instant::now());
    assert_eq!(s.next_clock_change(), None, "absolute times never change");
}

#[test]
fn a_panel_key_rebound_in_the_config_file_works_there_and_only_there() {
    let now = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "[keys]\ndiff = [\"v\"]\ndrawer_times = [\"ctrl+t\"]\n",
    )
    .unwrap();
    let config = zopdeck::config::Config::load(Some(&file), true).unwrap();
    let mut s = loaded(
        vec![deployment(
            "web",
            DeploymentStatus::Active,
            Some((64.0, 64.0)),
        )],
        120,
        40,
    );
    s.keymap = zopdeck::app::keymap::Keymap::from_config(&config.keys).unwrap();
    press(&mut s, KeyCode::Char('r'), now);
    let list = vec![
        revision(2, Trigger::Config, "app:2", 3),
        revision(1, Trigger::Create, "app:1", 2),
    ];
    update(
        &mut s,
        Msg::RevisionsLoaded {
            id: "dep_web".into(),
            result: Ok(list),
        },
        now,
    );
    let diff = |s: &State| matches!(&s.overlay, Some(Overlay::Revisions(p)) if p.diff);
    press(&mut s, KeyCode::Char('d'), now);
    assert!(!diff(&s), "d no longer diffs");
    press(&mut s, KeyCode::Char('v'), now);
    assert!(diff(&s), "v does");
    press(&mut s, KeyCode::Esc, now);
    // The drawer's key, rebound to a chord.
    press(&mut s, KeyCode::Char('t'), now);
    let absolute = |s: &State| s.drawer.as_ref().is_some_and(|t| t.absolute_times);
    press(&mut s, KeyCode::Char('T'), now);
    assert!(!absolute(&s));
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL)),
        now,
    );
    assert!(absolute(&s));
}

#[test]
fn the_drawer_reads_a_rollouts_progress_as_one_updating_line_and_the_address_as_its_own() {
    use zopdeck::app::timeline::Timeline;
    let ev = |n: i64, stage: Stage, status: EventStatus, meta: serde_json::Value| Event {
        id: format!("ev_{n}"),
        stage,
        status,
        meta: meta.as_object().cloned().unwrap_or_default(),
        revision_id: Some("rev_1".into()),
        created_at: ts(),
    };
    let mut t = Timeline::new("dep_web".into());
    let mut events = vec![ev(
        1,
        Stage::RollingOut,
        EventStatus::Started,
        serde_json::json!({}),
    )];
    for n in 1..=30 {
        events.push(ev(
            n + 1,
            Stage::RollingOut,
            EventStatus::Progress,
            serde_json::json!({"ready": n, "desired": 30, "message": "pods starting"}),
        ));
    }
    events.push(ev(
        32,
        Stage::RollingOut,
        EventStatus::Succeeded,
        serde_json::json!({}),
    ));
    events.push(ev(
        33,
        Stage::Active,
        EventStatus::Succeeded,
        serde_json::json!({}),
    ));
    events.push(ev(
        34,
        Stage::Active,
        EventStatus::Progress,
        serde_json::json!({"address": "web.demo.sandbox.zopdeck.test", "message": "public address ready"}),
    ));
    t.add(events);
    let rows = t.rows();
    assert_eq!(rows.len(), 5, "{rows:#?}");
    assert_eq!(rows[1].updates, 30);
    assert_eq!(rows[1].event.readiness(), Some((30, 30)), "the latest");
    assert_eq!(
        rows[4].event.meta["address"], "web.demo.sandbox.zopdeck.test",
        "the address is a line of its own"
    );
}
