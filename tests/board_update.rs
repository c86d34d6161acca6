//! The board and what works across environments, through `update`: lanes opened, loaded,
//! kept live and moved between; promote (a plan, y, the target's lane following it, a
//! missing target created); copying a layout (preview, apply as one undo step, cancel);
//! connections followed by `>` and redrawn where a moved card goes; the rollouts drawer; the
//! table view; and both one-key fixes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/board.rs"]
mod board;
#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use board::*;
use crossterm::event::KeyCode;
use fixtures::*;
use zopdeck::app::promote::Plan;
use zopdeck::app::state::Overlay;
use zopdeck::app::{Cmd, Msg, State, update};
use zopdeck::backend::model::*;

fn shown_env(s: &State) -> &str {
    s.model.environment.as_ref().map_or("", |e| e.name.as_str())
}

fn selected(s: &State) -> &str {
    s.canvas.selected.as_deref().unwrap_or("")
}

#[test]
fn lanes_open_load_and_take_the_keys_in_turn() {
    let mut s = board(160, 45);
    let b = s.board.as_ref().unwrap();
    assert_eq!(b.lanes.len(), 3);
    assert_eq!(b.focus, 0);
    assert!(b.lanes.iter().all(|l| l.loaded));
    assert_eq!(shown_env(&s), "demo");
    // ] gives the keys to staging, whose own selection starts at its first card.
    press(&mut s, KeyCode::Char(']'));
    assert_eq!(shown_env(&s), "staging");
    assert_eq!(selected(&s), "dep_staging_web");
    // Its cards are the state's now; demo's are parked in its lane, unchanged.
    assert_eq!(s.model.deployments.len(), 2);
    assert_eq!(
        s.board.as_ref().unwrap().lanes[0].model.deployments.len(),
        2
    );
    // Moving right past the lane's last card: the next lane.
    press(&mut s, KeyCode::Char('l'));
    assert_eq!(selected(&s), "dep_staging_api");
    press(&mut s, KeyCode::Char('l'));
    assert_eq!(shown_env(&s), "prod");
    assert_eq!(selected(&s), "dep_prod_web");
    // [ goes back; from the first lane it wraps to the last.
    press(&mut s, KeyCode::Char('['));
    assert_eq!(shown_env(&s), "staging");
    press(&mut s, KeyCode::Char('['));
    press(&mut s, KeyCode::Char('['));
    assert_eq!(shown_env(&s), "prod");
    // E closes the board; the focused lane's environment stays shown.
    press(&mut s, KeyCode::Char('E'));
    assert!(s.board.is_none());
    assert_eq!(shown_env(&s), "prod");
}

#[test]
fn a_parked_lane_follows_pushed_changes() {
    let mut s = board(160, 45);
    let mut api = card(
        "staging",
        "api",
        DeploymentStatus::RollingOut,
        (304.0, 64.0),
    );
    api.current_revision_id = Some("rev_staging_api_2".into());
    let (redraw, cmds) = update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(api),
        }),
        Instant::now(),
    );
    assert!(redraw, "a parked lane shows it");
    assert!(cmds.contains(&Cmd::FetchRevision {
        deployment_id: "dep_staging_api".into(),
        revision_id: "rev_staging_api_2".into(),
    }));
    let lane = &s.board.as_ref().unwrap().lanes[1];
    let parked = lane.model.deployment("dep_staging_api").unwrap();
    assert_eq!(parked.status, DeploymentStatus::RollingOut);
    assert!(
        s.model.deployment("dep_staging_api").is_none(),
        "not demo's"
    );
    // A card created in prod appears in prod's lane, on a free spot.
    let new = card("prod", "cache", DeploymentStatus::Pending, (304.0, 176.0));
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(new),
        }),
        Instant::now(),
    );
    let prod = &s.board.as_ref().unwrap().lanes[2].model;
    let cache = prod.deployment("dep_prod_cache").unwrap().canvas_position;
    assert_ne!(
        cache,
        prod.deployment("dep_prod_web").unwrap().canvas_position
    );
}

#[test]
fn a_press_in_another_lane_gives_it_the_keys() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut s = board(160, 45);
    let lanes = s.lane_canvases();
    let prod = lanes[2];
    // Prod's web card is at (304, 176): after fitting, somewhere in its lane; press on it.
    let v = s.board.as_ref().unwrap().lanes[2].canvas.viewport;
    let (col, row) = v.to_cell(304.0 + 16.0, 176.0 + 16.0);
    let press = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: prod.x + col as u16,
        row: prod.y + row as u16,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut s, Msg::Mouse(press), Instant::now());
    assert_eq!(shown_env(&s), "prod");
    assert_eq!(selected(&s), "dep_prod_web");
}

/// `p` on staging's web, prod chosen: the plan the backend answered.
fn promoting(s: &mut State, target: Option<(Deployment, Option<Revision>)>) {
    press(s, KeyCode::Char(']'));
    assert_eq!(selected(s), "dep_staging_web");
    press(s, KeyCode::Char('p'));
    let Some(Overlay::Promote(panel)) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    let targets: Vec<&str> = panel.targets.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(targets, ["demo", "prod"], "the board's lanes, in order");
    press(s, KeyCode::Char('j'));
    let cmds = press(s, KeyCode::Enter);
    assert!(
        matches!(&cmds[..], [Cmd::LoadPromotion { source, to_env }]
            if source.id == "dep_staging_web" && to_env.name == "prod"),
        "{cmds:?}"
    );
    let plan = Plan {
        from: revision(
            "rev_staging_web",
            18,
            "ghcr.io/acme/web:1.1",
            r#"{"replicas":3}"#,
        ),
        to_env: environment("env_prod", "prod"),
        target,
    };
    update(
        s,
        Msg::PromotionLoaded {
            source_id: "dep_staging_web".into(),
            result: Ok(Box::new(plan)),
        },
        Instant::now(),
    );
}

#[test]
fn promote_asks_then_the_target_lane_follows_its_new_revision() {
    let mut s = board(160, 45);
    let current = revision(
        "rev_prod_web",
        12,
        "ghcr.io/acme/web:1.0",
        r#"{"replicas":2}"#,
    );
    promoting(&mut s, Some((prod()[0].clone(), Some(current))));
    let screen = render(&s);
    assert!(screen.contains("- image ghcr.io/acme/web:1.0"), "{screen}");
    assert!(screen.contains("+ image ghcr.io/acme/web:1.1"), "{screen}");
    assert!(screen.contains("y promote"), "{screen}");
    let cmds = press(&mut s, KeyCode::Char('y'));
    assert_eq!(
        cmds,
        [Cmd::Promote {
            target_id: "dep_prod_web".into(),
            env_id: "env_prod".into(),
            from_revision_id: "rev_staging_web".into(),
        }]
    );
    assert!(press(&mut s, KeyCode::Char('y')).is_empty(), "sent once");
    let mut new = revision("rev_prod_web_13", 13, "ghcr.io/acme/web:1.1", "{}");
    new.trigger = Trigger::Promote;
    let (_, cmds) = update(
        &mut s,
        Msg::Promoted {
            target_id: "dep_prod_web".into(),
            env_id: "env_prod".into(),
            result: Ok(new),
        },
        Instant::now(),
    );
    assert!(s.overlay.is_none());
    assert_eq!(shown_env(&s), "prod", "the target's lane has the keys");
    assert_eq!(selected(&s), "dep_prod_web");
    let web = s.model.deployment("dep_prod_web").unwrap();
    assert_eq!(web.current_revision_id.as_deref(), Some("rev_prod_web_13"));
    assert_eq!(web.status, DeploymentStatus::Pending);
    assert_eq!(s.model.revision_number(web), Some(13));
    assert_eq!(
        s.drawer.as_ref().map(|t| t.deployment_id.as_str()),
        Some("dep_prod_web"),
        "its rollout followed in the drawer"
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::LoadEvents { id, .. } if id == "dep_prod_web"))
    );
}

#[test]
fn promote_creates_a_missing_target_after_asking_and_refuses_what_is_there_already() {
    let mut s = board(160, 45);
    promoting(&mut s, None);
    assert!(render(&s).contains("prod has no web: create it there"));
    let cmds = press(&mut s, KeyCode::Char('y'));
    let [Cmd::PromoteNew { env_id, req }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(env_id, "env_prod");
    assert_eq!(req.name, "web");
    assert_eq!(req.env_id.as_deref(), Some("env_prod"));
    assert_eq!(req.image.as_deref(), Some("ghcr.io/acme/web:1.1"));
    assert_eq!(req.configs, Some(serde_json::json!({"replicas": 3})));
    // A failure says so, and y may try again.
    update(
        &mut s,
        Msg::PromotedNew {
            env_id: "env_prod".into(),
            result: Err("space sandbox is inactive".into()),
        },
        Instant::now(),
    );
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("space sandbox is inactive")
    );
    assert_eq!(press(&mut s, KeyCode::Char('y')).len(), 1);

    // The same image and configs: nothing to promote.
    let mut s = board(160, 45);
    let same = revision(
        "rev_prod_web",
        12,
        "ghcr.io/acme/web:1.1",
        r#"{"replicas":3}"#,
    );
    promoting(&mut s, Some((prod()[0].clone(), Some(same))));
    assert!(press(&mut s, KeyCode::Char('y')).is_empty());
    assert!(s.message.as_ref().unwrap().0.contains("already runs"));
    // Read-only: refused before anything is asked.
    let mut s = board(160, 45);
    s.read_only = true;
    press(&mut s, KeyCode::Char('p'));
    assert!(s.overlay.is_none());
    assert!(s.message.as_ref().unwrap().0.contains("read-only"));
}

#[test]
fn copying_a_layout_previews_then_places_as_one_undo_step() {
    let mut s = board(160, 45);
    press(&mut s, KeyCode::Char(']'));
    press(&mut s, KeyCode::Char(']'));
    assert_eq!(shown_env(&s), "prod");
    let before = s.model.deployment("dep_prod_web").unwrap().canvas_position;
    press(&mut s, KeyCode::Char('C'));
    press(&mut s, KeyCode::Char('j'));
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(
        cmds,
        [Cmd::LoadLayout {
            env_id: "env_staging".into()
        }]
    );
    let places = vec![
        ("web".to_string(), CanvasPosition { x: 64.0, y: 64.0 }),
        ("api".to_string(), CanvasPosition { x: 304.0, y: 64.0 }),
    ];
    let (_, cmds) = update(
        &mut s,
        Msg::LayoutLoaded {
            env_id: "env_staging".into(),
            result: Ok(places.clone()),
        },
        Instant::now(),
    );
    // Shown there, nothing saved yet.
    let web = |s: &State| s.model.deployment("dep_prod_web").unwrap().canvas_position;
    assert_eq!(web(&s), Some(CanvasPosition { x: 64.0, y: 64.0 }));
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::SavePosition { .. })));
    assert!(render(&s).contains("1 card(s) go to their places in staging"));
    // Any other key puts it back.
    press(&mut s, KeyCode::Char('n'));
    assert_eq!(web(&s), before);
    assert!(s.overlay.is_none());
    // Again, and y: placed (saved after the debounce), undone in one step.
    press(&mut s, KeyCode::Char('C'));
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Msg::LayoutLoaded {
            env_id: "env_staging".into(),
            result: Ok(places),
        },
        Instant::now(),
    );
    press(&mut s, KeyCode::Char('y'));
    assert_eq!(web(&s), Some(CanvasPosition { x: 64.0, y: 64.0 }));
    assert!(s.saves.pending.contains_key("dep_prod_web"));
    assert_eq!(s.canvas.undo.last().map(Vec::len), Some(1));
    press(&mut s, KeyCode::Char('u'));
    assert_eq!(web(&s), before);
}

#[test]
fn an_undo_step_of_several_moves_is_undone_and_redone_at_once() {
    use zopdeck::app::state::Move;
    let mut s = loaded(demo(), 120, 40);
    let at = |x, y| CanvasPosition { x, y };
    let moves = vec![
        Move {
            id: "dep_web".into(),
            from: at(64.0, 64.0),
            to: at(640.0, 64.0),
        },
        Move {
            id: "dep_api".into(),
            from: at(384.0, 64.0),
            to: at(640.0, 320.0),
        },
    ];
    s.canvas.record_step(moves);
    press(&mut s, KeyCode::Char('u'));
    let pos = |s: &State, id| s.model.deployment(id).unwrap().canvas_position.unwrap();
    assert_eq!(pos(&s, "dep_web"), at(64.0, 64.0));
    assert_eq!(pos(&s, "dep_api"), at(384.0, 64.0));
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("undone: 2 card moves")
    );
    use crossterm::event::{KeyEvent, KeyModifiers};
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
        Instant::now(),
    );
    assert_eq!(pos(&s, "dep_web"), at(640.0, 64.0));
    assert_eq!(pos(&s, "dep_api"), at(640.0, 320.0));
}

#[test]
fn connections_are_walked_with_the_arrow_keys_and_follow_a_moved_card() {
    let mut s = connected(120, 30);
    s.canvas.selected = Some("dep_api".into());
    press(&mut s, KeyCode::Char('>'));
    assert_eq!(selected(&s), "dep_db");
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("api → db (DATABASE_URL) · 1 of 3")
    );
    press(&mut s, KeyCode::Char('>'));
    assert_eq!(selected(&s), "dep_web");
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("api ← web (API_URL) · 2 of 3")
    );
    press(&mut s, KeyCode::Char('>'));
    assert_eq!(selected(&s), "dep_worker");
    press(&mut s, KeyCode::Char('<'));
    assert_eq!(selected(&s), "dep_web");
    // From elsewhere the walk begins anew.
    s.canvas.selected = Some("dep_db".into());
    press(&mut s, KeyCode::Char('>'));
    assert_eq!(selected(&s), "dep_api");

    // The line leaves web at the middle of its right side; moved down two rows, it leaves
    // from there.
    s.canvas.selected = Some("dep_web".into());
    let beside_web = |s: &State| {
        let p = s
            .model
            .deployment("dep_web")
            .unwrap()
            .canvas_position
            .unwrap();
        let v = s.canvas.viewport;
        let (col, row) = v.to_cell(p.x, p.y);
        let (cw, ch) = v.card_cells();
        let (x, y) = (col + i64::from(cw), row + i64::from(ch) / 2);
        let screen = render(s);
        // Below the header; each line of the rendering is quoted.
        let line = screen.lines().nth(y as usize + 1).unwrap().to_string();
        line.chars().nth(x as usize + 1).unwrap()
    };
    assert_eq!(beside_web(&s), '━', "{}", render(&s));
    press(&mut s, KeyCode::Char('J'));
    press(&mut s, KeyCode::Char('J'));
    assert!(['━', '┓', '┛'].contains(&beside_web(&s)), "{}", render(&s));
    // Unselected, the line is light; to the failing db it is dashed.
    s.canvas.selected = Some("dep_worker".into());
    let screen = render(&s);
    assert!(screen.contains('┆') || screen.contains('┄'), "{screen}");
}

#[test]
fn the_rollouts_drawer_follows_every_rollout_of_the_board() {
    let mut s = board(160, 45);
    let now = ts();
    let push = |s: &mut State, mut d: Deployment, secs: i64| {
        d.updated_at = now + chrono::Duration::seconds(secs);
        update(
            s,
            Msg::Changed(Change::Deployment { data: Box::new(d) }),
            Instant::now(),
        );
    };
    push(
        &mut s,
        card("staging", "api", DeploymentStatus::Building, (304.0, 64.0)),
        0,
    );
    push(
        &mut s,
        card("demo", "db", DeploymentStatus::RollingOut, (304.0, 64.0)),
        5,
    );
    push(
        &mut s,
        card("prod", "web", DeploymentStatus::Deploying, (304.0, 176.0)),
        10,
    );
    s.now = now + chrono::Duration::seconds(70);
    press(&mut s, KeyCode::Char('w'));
    assert!(s.rollouts_open);
    let screen = render(&s);
    assert!(
        screen.contains("rollouts · 3 in progress · 0 ended"),
        "{screen}"
    );
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("building") || l.contains("rolling out") || l.contains("deploying"))
        .collect();
    assert!(rows[rows.len() - 3].contains("api") && rows[rows.len() - 3].contains("1m10s"));
    // Ended: it stays below, with how long it took.
    push(
        &mut s,
        card("staging", "api", DeploymentStatus::Active, (304.0, 64.0)),
        40,
    );
    let screen = render(&s);
    assert!(screen.contains("2 in progress · 1 ended"), "{screen}");
    assert!(screen.contains("took 40s"), "{screen}");
    // t opens the timeline in its place.
    press(&mut s, KeyCode::Char('t'));
    assert!(!s.rollouts_open && s.drawer.is_some());
}

#[test]
fn the_table_lists_every_lane_failures_first_and_moves_across_lanes() {
    let mut s = board(160, 45);
    let failed = card("prod", "web", DeploymentStatus::Failed, (304.0, 176.0));
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(failed),
        }),
        Instant::now(),
    );
    press(&mut s, KeyCode::Char('v'));
    let rows = zopdeck::app::table::rows(&s);
    let names: Vec<String> = rows
        .iter()
        .map(|r| format!("{}/{}", r.env, r.d.name))
        .collect();
    assert_eq!(names[0], "prod/web", "failures first: {names:?}");
    assert_eq!(names.len(), 5);
    // ↓ from the first row in demo's lane: the rows are in the table's order.
    s.canvas.selected = Some("dep_demo_db".into());
    let at = names.iter().position(|n| n == "demo/db").unwrap();
    press(&mut s, KeyCode::Down);
    let next = &names[at + 1];
    assert_eq!(
        format!(
            "{}/{}",
            shown_env(&s),
            s.selected_deployment().unwrap().name
        ),
        *next
    );
    // Sorted by name, then the other way.
    press(&mut s, KeyCode::Char('o'));
    let by_name: Vec<String> = zopdeck::app::table::rows(&s)
        .iter()
        .map(|r| r.d.name.clone())
        .collect();
    assert_eq!(by_name, ["api", "db", "web", "web", "web"]);
    press(&mut s, KeyCode::Char('O'));
    assert_eq!(zopdeck::app::table::rows(&s)[0].d.name, "web");
    // Moving cards is the canvas's.
    press(&mut s, KeyCode::Char('J'));
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("works on the canvas")
    );
    press(&mut s, KeyCode::Char('v'));
    assert!(s.table.is_none());
}

/// `worker` failed as #4 while #3 still serves; why is `reason`, with `ready` pods up.
#[test]
fn a_crash_is_fixed_by_rolling_back_to_the_revision_that_was_active() {
    let mut s = failed_worker("CrashLoopBackOff: exit 1", None);
    let cmds = press(&mut s, KeyCode::Char('x'));
    assert_eq!(
        cmds,
        [Cmd::LoadRevisions {
            id: "dep_worker".into()
        }]
    );
    let list = vec![
        revision("rev_4", 4, "ghcr.io/acme/worker:2", "{}"),
        revision("rev_3", 3, "ghcr.io/acme/worker:1", "{}"),
    ];
    update(
        &mut s,
        Msg::RevisionsLoaded {
            id: "dep_worker".into(),
            result: Ok(list),
        },
        Instant::now(),
    );
    let Some(Overlay::Revisions(panel)) = &s.overlay else {
        panic!()
    };
    assert_eq!(panel.target().map(|r| r.number), Some(3));
    assert!(
        panel.diff && panel.confirm,
        "the diff shown, the question asked"
    );
    let cmds = press(&mut s, KeyCode::Char('y'));
    assert_eq!(
        cmds,
        [Cmd::Rollback {
            id: "dep_worker".into(),
            to: "rev_3".into()
        }]
    );
}

#[test]
fn pods_without_room_are_fixed_by_scaling_to_what_fits() {
    let reason = "31 pod(s) Pending: Insufficient capacity (sandbox cluster runs 24 replicas, \
                  15 used by other releases)";
    let mut s = failed_worker(reason, Some(6));
    press(&mut s, KeyCode::Char('x'));
    let screen = render(&s);
    assert!(screen.contains("roll back to #3"), "{screen}");
    assert!(screen.contains("scale to 9 replica(s) (fits)"), "{screen}");
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    let Some(Overlay::ConfigDiff { patch, .. }) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(*patch, serde_json::json!({"replicas": 9}));
    let screen = render(&s);
    assert!(screen.contains("any other key cancels"), "{screen}");
    // Declined: nothing sent, and no draft promised (x offers the fix again).
    let mut declined = s.clone();
    assert!(press(&mut declined, KeyCode::Char('n')).is_empty());
    let screen = render(&declined);
    assert!(screen.contains("x offers the fix again"), "{screen}");
    assert!(declined.drafts.is_empty());
    let cmds = press(&mut s, KeyCode::Char('y'));
    assert_eq!(
        cmds,
        [Cmd::PatchConfigs {
            id: "dep_worker".into(),
            patch: serde_json::json!({"replicas": 9})
        }]
    );
    // Where the cluster does not say its room: the pods that were ready fit.
    let s = failed_worker(
        "Unschedulable: 0/3 nodes are available: 3 Insufficient memory.",
        Some(6),
    );
    let d = s.selected_deployment().unwrap();
    let fixes = zopdeck::app::fix::fixes(d, s.model.failures.get(&d.id));
    assert_eq!(
        fixes,
        [
            zopdeck::app::fix::Fix::RollBack(3),
            zopdeck::app::fix::Fix::Scale(6)
        ]
    );
    // An active card has nothing to fix.
    let mut s = loaded(demo(), 120, 40);
    s.canvas.selected = Some("dep_web".into());
    press(&mut s, KeyCode::Char('x'));
    assert!(s.message.as_ref().unwrap().0.contains("web is active"));
}
