//! `update` when the backend offers no live stream: one list request for the shown
//! environment per interval, the open timeline's events after the last one, changes applied
//! as if pushed, and polling that stops when it cannot help. Time is passed in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::*;
use zopdeck::app::state::Connection;
use zopdeck::app::{Cmd, Msg, PollError, Snapshot, State, update};
use zopdeck::backend::LiveMode;
use zopdeck::backend::model::*;

const INTERVAL: Duration = Duration::from_secs(5);

fn snapshot(deployments: Vec<Deployment>, live: LiveMode) -> Snapshot {
    Snapshot {
        environments: vec![
            environment("env_demo", "demo"),
            environment("env_prod", "prod"),
        ],
        environment: Some(environment("env_demo", "demo")),
        space: Some(space()),
        revision_numbers: deployments
            .iter()
            .filter_map(|d| d.current_revision_id.clone())
            .map(|r| (r, 1))
            .collect(),
        deployments,
        live,
        ..Default::default()
    }
}

/// The demo canvas on a backend that must be polled, loaded at `t0`.
fn polling(t0: Instant) -> State {
    let mut s = empty_state(120, 40);
    s.poll.interval = INTERVAL;
    update(
        &mut s,
        Msg::Loaded(Box::new(snapshot(demo(), LiveMode::Polling))),
        t0,
    );
    s
}

fn polls(cmds: &[Cmd]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Cmd::PollDeployments { .. }))
        .count()
}

fn key(s: &mut State, code: KeyCode, mods: KeyModifiers, at: Instant) -> Vec<Cmd> {
    update(s, Msg::Key(KeyEvent::new(code, mods)), at).1
}

fn polled(s: &mut State, list: Vec<Deployment>, at: Instant) -> (bool, Vec<Cmd>) {
    answered(s, Ok(list), at)
}

fn answered(
    s: &mut State,
    result: Result<Vec<Deployment>, PollError>,
    at: Instant,
) -> (bool, Vec<Cmd>) {
    update(
        s,
        Msg::Polled {
            env_id: "env_demo".into(),
            // The answer to the poll last sent.
            read: s.reads_sent,
            result,
        },
        at,
    )
}

#[test]
fn the_shown_environment_is_listed_once_per_interval_one_request_at_a_time() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    assert_eq!(s.poll.next, Some(t0 + INTERVAL));
    assert!(s.next_deadline().unwrap() <= t0 + INTERVAL);
    let (_, early) = update(&mut s, Msg::Timer, t0 + Duration::from_secs(4));
    assert_eq!(polls(&early), 0, "not before the interval");
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + INTERVAL);
    assert_eq!(
        cmds,
        vec![Cmd::PollDeployments {
            env_id: "env_demo".into(),
            read: 1
        }],
        "one list request, nothing else (no drawer open)"
    );
    // A slow answer: nothing more is asked meanwhile, whatever happens.
    for secs in [6, 10, 30] {
        let (_, cmds) = update(&mut s, Msg::Timer, t0 + Duration::from_secs(secs));
        assert_eq!(polls(&cmds), 0, "still in flight at {secs} s");
    }
    let answered = t0 + Duration::from_secs(31);
    let (redraw, _) = polled(&mut s, demo(), answered);
    assert!(!redraw, "nothing changed: no redraw");
    assert_eq!(
        s.poll.next,
        Some(answered + INTERVAL),
        "the next one is planned"
    );
    // Over a minute of timers, one request per interval.
    let mut sent = 0;
    let mut t = answered;
    while t < answered + Duration::from_secs(60) {
        t += Duration::from_millis(500);
        let (_, cmds) = update(&mut s, Msg::Timer, t);
        if polls(&cmds) > 0 {
            sent += 1;
            polled(&mut s, demo(), t);
        }
    }
    assert_eq!(sent, 12, "60 s / 5 s");
}

#[test]
fn changes_new_cards_and_deletions_are_applied_as_if_pushed() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    update(&mut s, Msg::Timer, t0 + INTERVAL);
    let mut list = demo();
    list.retain(|d| d.name != "worker");
    list[1].status = DeploymentStatus::Active; // api finished its rollout
    list[1].current_revision_id = Some("rev_api_2".into());
    list[0].canvas_position = Some(CanvasPosition { x: 640.0, y: 64.0 }); // moved elsewhere
    list.push(deployment(
        "shop",
        DeploymentStatus::Building,
        Some((64.0, 640.0)),
    ));
    let (redraw, cmds) = polled(&mut s, list, t0 + INTERVAL);
    assert!(redraw);
    assert_eq!(
        s.deployment("dep_api").unwrap().status,
        DeploymentStatus::Active
    );
    assert!(
        cmds.contains(&Cmd::FetchRevision {
            deployment_id: "dep_api".into(),
            revision_id: "rev_api_2".into()
        }),
        "the card's new revision number is looked up"
    );
    assert_eq!(
        s.deployment("dep_web").unwrap().canvas_position,
        Some(CanvasPosition { x: 640.0, y: 64.0 })
    );
    assert!(s.deployment("dep_shop").is_some(), "a new card appears");
    assert!(s.deployment("dep_worker").is_none(), "a deleted one leaves");
}

#[test]
fn a_card_created_while_a_poll_was_in_flight_is_not_taken_for_deleted() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    update(&mut s, Msg::Timer, t0 + INTERVAL);
    // Created by this TUI after the poll was sent: the answer cannot know it yet.
    update(
        &mut s,
        Msg::Created {
            result: Ok(deployment(
                "shop",
                DeploymentStatus::Pending,
                Some((64.0, 640.0)),
            )),
        },
        t0 + INTERVAL,
    );
    polled(&mut s, demo(), t0 + INTERVAL + Duration::from_millis(300));
    assert!(s.deployment("dep_shop").is_some());
}

#[test]
fn a_position_not_saved_yet_wins_over_a_polled_one() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    // Move web right; the write is debounced, so it is still pending at the poll.
    key(
        &mut s,
        KeyCode::Char('L'),
        KeyModifiers::SHIFT,
        t0 + Duration::from_secs(4),
    );
    let moved = s.deployment("dep_web").unwrap().canvas_position;
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + INTERVAL);
    assert_eq!(polls(&cmds), 1);
    // The answer still has the old position, and nothing else changed.
    let (redraw, _) = polled(&mut s, demo(), t0 + INTERVAL);
    assert!(!redraw);
    assert_eq!(s.deployment("dep_web").unwrap().canvas_position, moved);
}

#[test]
fn the_open_timeline_asks_for_events_after_the_last_one_and_shows_progress() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    // Select api (rolling out) and open the drawer.
    key(&mut s, KeyCode::Char('l'), KeyModifiers::NONE, t0);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_api"));
    key(&mut s, KeyCode::Char('t'), KeyModifiers::NONE, t0);
    let ev = |n: u32, ready: u32| Event {
        id: format!("ev_{n}"),
        stage: Stage::RollingOut,
        status: EventStatus::Progress,
        meta: serde_json::json!({"ready": ready, "desired": 3})
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .collect(),
        revision_id: Some("rev_api".into()),
        created_at: ts(),
    };
    update(
        &mut s,
        Msg::EventsLoaded {
            id: "dep_api".into(),
            result: Ok(vec![ev(1, 1)]),
        },
        t0,
    );
    assert_eq!(s.model.progress.get("dep_api"), Some(&(1, 3)));
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + INTERVAL);
    assert_eq!(
        cmds,
        vec![
            Cmd::PollDeployments {
                env_id: "env_demo".into(),
                read: 1
            },
            Cmd::LoadEvents {
                id: "dep_api".into(),
                after: Some("ev_1".into())
            }
        ]
    );
    update(
        &mut s,
        Msg::EventsLoaded {
            id: "dep_api".into(),
            result: Ok(vec![ev(2, 2)]),
        },
        t0 + INTERVAL,
    );
    assert_eq!(s.drawer.as_ref().unwrap().events.len(), 2);
    assert_eq!(
        s.model.progress.get("dep_api"),
        Some(&(2, 3)),
        "the card shows the rollout's readiness"
    );
}

#[test]
fn an_unreachable_server_stops_polling_until_a_reload_succeeds() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    update(&mut s, Msg::Timer, t0 + INTERVAL);
    answered(
        &mut s,
        Err(PollError::Unreachable("cannot reach the server".into())),
        t0 + INTERVAL,
    );
    assert_eq!(
        s.link.connection,
        Connection::Offline("retrying in 1 s".into())
    );
    assert_eq!(
        s.poll.next, None,
        "offline: the reload retries, not the poll"
    );
    assert_eq!(s.model.deployments.len(), 4, "the last known state stays");
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + INTERVAL + Duration::from_secs(1));
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Reload { .. })));
    assert_eq!(polls(&cmds), 0);
    let back = t0 + INTERVAL + Duration::from_secs(2);
    update(
        &mut s,
        Msg::Loaded(Box::new(snapshot(demo(), LiveMode::Polling))),
        back,
    );
    assert_eq!(s.link.connection, Connection::Connected);
    assert_eq!(s.poll.next, Some(back + INTERVAL), "polling resumes");
}

#[test]
fn a_rejected_token_stops_polling_and_other_failures_try_again() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    update(&mut s, Msg::Timer, t0 + INTERVAL);
    answered(
        &mut s,
        Err(PollError::Failed("HTTP 500".into())),
        t0 + INTERVAL,
    );
    assert_eq!(s.poll.next, Some(t0 + INTERVAL * 2));
    update(&mut s, Msg::Timer, t0 + INTERVAL * 2);
    answered(
        &mut s,
        Err(PollError::Refused(
            "token rejected — run zopdeck login".into(),
        )),
        t0 + INTERVAL * 2,
    );
    assert_eq!(s.poll.next, None, "no loop of refused requests");
    let message = &s.message.as_ref().unwrap().0;
    assert!(message.contains("run zopdeck login"), "{message}");
    assert!(message.contains("Ctrl-L"), "{message}");
    assert!(matches!(s.link.connection, Connection::Rejected(_)));
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + INTERVAL * 10);
    assert_eq!(polls(&cmds), 0, "nothing is asked until the user reloads");
    let cmds = key(
        &mut s,
        KeyCode::Char('l'),
        KeyModifiers::CONTROL,
        t0 + INTERVAL * 10,
    );
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Reload { .. })));
}

#[test]
fn a_streaming_or_local_backend_is_never_polled_and_a_switch_changes_that() {
    let t0 = Instant::now();
    let mut s = empty_state(120, 40);
    for live in [LiveMode::Pushed, LiveMode::Stream] {
        update(&mut s, Msg::Loaded(Box::new(snapshot(demo(), live))), t0);
        assert_eq!(s.poll.next, None, "{live:?}");
        let (_, cmds) = update(&mut s, Msg::Timer, t0 + Duration::from_secs(60));
        assert_eq!(polls(&cmds), 0);
    }
    // The stream dropped: the backend says so, the TUI reloads and polls from then on.
    let (_, cmds) = update(&mut s, Msg::Missed, t0);
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Reload { .. })));
    update(
        &mut s,
        Msg::Loaded(Box::new(snapshot(demo(), LiveMode::Polling))),
        t0,
    );
    assert_eq!(s.model.live, LiveMode::Polling);
    assert!(s.poll.next.is_some());
}

#[test]
fn an_answer_for_an_environment_left_meanwhile_is_ignored() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    update(&mut s, Msg::Timer, t0 + INTERVAL);
    let mut prod = snapshot(vec![], LiveMode::Polling);
    prod.environment = Some(environment("env_prod", "prod"));
    update(&mut s, Msg::Loaded(Box::new(prod)), t0 + INTERVAL);
    let (redraw, _) = polled(&mut s, demo(), t0 + INTERVAL);
    assert!(!redraw);
    assert!(
        s.model.deployments.is_empty(),
        "demo's cards stay out of prod"
    );
    assert!(s.poll.next.is_some());
}

#[test]
fn a_position_saved_while_a_poll_was_in_flight_is_not_moved_back() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    key(
        &mut s,
        KeyCode::Char('L'),
        KeyModifiers::SHIFT,
        t0 + Duration::from_millis(4400),
    );
    let moved = s.deployment("dep_web").unwrap().canvas_position.unwrap();
    // The poll and the debounced save go out together; the save succeeds before the poll
    // answers.
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + INTERVAL);
    assert_eq!(polls(&cmds), 1);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::SavePosition { id, .. } if id == "dep_web"))
    );
    update(
        &mut s,
        Msg::Saved {
            id: "dep_web".into(),
            pos: moved,
            result: Ok(()),
        },
        t0 + Duration::from_millis(5100),
    );
    assert!(s.saves.pending.is_empty());
    // The answer was read before the save: it still has the old position.
    polled(&mut s, demo(), t0 + Duration::from_millis(5200));
    assert_eq!(
        s.deployment("dep_web").unwrap().canvas_position,
        Some(moved),
        "the card does not jump back"
    );
    // The next answer has the saved position, and a later move elsewhere is followed again.
    let mut later = demo();
    later[0].canvas_position = Some(CanvasPosition { x: 640.0, y: 64.0 });
    update(&mut s, Msg::Timer, t0 + INTERVAL * 3);
    polled(&mut s, later, t0 + INTERVAL * 3);
    assert_eq!(
        s.deployment("dep_web").unwrap().canvas_position,
        Some(CanvasPosition { x: 640.0, y: 64.0 })
    );
}

#[test]
fn a_position_saved_while_a_reload_was_in_flight_is_not_moved_back() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    key(&mut s, KeyCode::Char('L'), KeyModifiers::SHIFT, t0);
    let moved = s.deployment("dep_web").unwrap().canvas_position.unwrap();
    // Ctrl-L reads everything again; the save completes before that answer arrives.
    let cmds = key(
        &mut s,
        KeyCode::Char('l'),
        KeyModifiers::CONTROL,
        t0 + Duration::from_millis(100),
    );
    let Some(Cmd::Reload { read, .. }) = cmds.iter().find(|c| matches!(c, Cmd::Reload { .. }))
    else {
        panic!("no reload: {cmds:?}")
    };
    let read = *read;
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + Duration::from_millis(600));
    assert!(cmds.iter().any(|c| matches!(c, Cmd::SavePosition { .. })));
    update(
        &mut s,
        Msg::Saved {
            id: "dep_web".into(),
            pos: moved,
            result: Ok(()),
        },
        t0 + Duration::from_millis(700),
    );
    let stale = Snapshot {
        read,
        ..snapshot(demo(), LiveMode::Polling)
    };
    update(
        &mut s,
        Msg::Loaded(Box::new(stale)),
        t0 + Duration::from_millis(800),
    );
    assert_eq!(
        s.deployment("dep_web").unwrap().canvas_position,
        Some(moved),
        "the reload read before the save does not move the card back"
    );
    // A reload sent after the save is believed, whatever it says.
    let Cmd::Reload { read, .. } = s.reload(None) else {
        unreachable!()
    };
    let elsewhere = CanvasPosition { x: 640.0, y: 64.0 };
    let mut fresh = snapshot(demo(), LiveMode::Polling);
    fresh.deployments[0].canvas_position = Some(elsewhere);
    fresh.read = read;
    update(
        &mut s,
        Msg::Loaded(Box::new(fresh)),
        t0 + Duration::from_secs(1),
    );
    assert_eq!(
        s.deployment("dep_web").unwrap().canvas_position,
        Some(elsewhere)
    );
}
