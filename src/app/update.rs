//! `update`: the only place the TUI's state changes. Pure: no I/O; time comes in as `now`;
//! returns whether to redraw and the `Cmd`s to run. Each message goes to the feature it
//! concerns; what that feature asks of the others comes back as effects, carried out here in
//! order (an effect's own effects first).

use std::collections::HashMap;
use std::time::Instant;

use super::canvas::{self, Cards};
use super::effect::{Effect, Effects};
use super::msg::{Cmd, Msg, Snapshot};
use super::state::{MessageKind, Overlay, State};
use super::{configs_edit, create_form, drawer, input, model, panels, poll, revisions, spaces};
use crate::backend::LiveMode;
use crate::backend::model::*;

/// Applies a message; returns whether the screen must be redrawn and what to do next.
pub fn update(state: &mut State, msg: Msg, now: Instant) -> (bool, Vec<Cmd>) {
    let (redraw, effects) = route(state, msg, now);
    let mut cmds = Vec::new();
    apply(state, effects, now, &mut cmds);
    // The open drawer follows the selected card.
    let follow = drawer::follow(&mut state.drawer, state.canvas.selected.as_deref(), false);
    apply(state, follow, now, &mut cmds);
    cmds.extend(state.saves.flush_due(now));
    if state.link.connected() {
        // Offline, the reload retries; rejected, nothing is asked until the user reloads.
        cmds.extend(state.lb.due(state.model.live == LiveMode::Polling, now));
        cmds.extend(poll_due(state, now));
        cmds.extend(lane_reloads_due(state, now));
    }
    (redraw, cmds)
}

/// The message, to the feature it concerns.
fn route(state: &mut State, msg: Msg, now: Instant) -> (bool, Effects) {
    match msg {
        Msg::Key(key) => input::on_key(state, key),
        Msg::Mouse(m) => input::on_mouse(state, m),
        Msg::Resize(w, h) => {
            state.screen = (w, h);
            (true, vec![])
        }
        Msg::Loaded(snapshot) => (true, on_loaded(state, *snapshot, now)),
        Msg::LaneLoaded(snapshot) => {
            let mut cmds = vec![];
            let shown = on_lane_loaded(state, *snapshot, now, &mut cmds);
            (shown, cmds.into_iter().map(Effect::Cmd).collect())
        }
        Msg::Changed(change) => {
            let mut cmds = vec![];
            let parked = lanes_change(state, &change, now, &mut cmds);
            let (shown, mut effects) = on_change(state, change);
            effects.extend(cmds.into_iter().map(Effect::Cmd));
            (shown || parked, effects)
        }
        Msg::Missed => (false, vec![Effect::Reload(None)]),
        Msg::Polled {
            env_id,
            read,
            result,
        } => {
            let (saves, canvas) = (&state.saves, &state.canvas);
            let effects = poll::on_polled(
                &mut state.poll,
                &state.model,
                saves,
                |id| saves.unsaved(id) || canvas.dragging(id),
                &env_id,
                read,
                result,
                now,
            );
            (!effects.is_empty(), effects)
        }
        Msg::Revision(r) => {
            state.model.know_revision(&r);
            for lane in state.board.iter_mut().flat_map(|b| b.lanes.iter_mut()) {
                lane.model.know_revision(&r);
            }
            (true, vec![])
        }
        Msg::FailureLoaded { id, failure } => {
            let lanes = state.board.iter_mut().flat_map(|b| b.lanes.iter_mut());
            let mut failed = false;
            for model in std::iter::once(&mut state.model).chain(lanes.map(|l| &mut l.model)) {
                if model
                    .deployment(&id)
                    .is_some_and(|d| d.status == DeploymentStatus::Failed)
                {
                    model.failures.insert(id.clone(), failure.clone());
                    failed = true;
                }
            }
            (failed, vec![])
        }
        Msg::OutboxLoaded(saved) => {
            let n = saved.len();
            let mut effects = state.saves.restore(saved, now);
            if n > 0 {
                effects.push(Effect::info(format!(
                    "sending {n} position change(s) left from the last run"
                )));
            }
            (n > 0, effects)
        }
        Msg::Saved { id, pos, result } => (
            true,
            state
                .saves
                .on_saved(&id, pos, result, now, state.reads_sent),
        ),
        Msg::Failed(message) => (true, vec![Effect::error(message)]),
        Msg::Tick => {
            state.spinner = state.spinner.wrapping_add(1);
            (state.animating(), vec![])
        }
        Msg::Timer => {
            if state.message_until.is_some_and(|at| at <= now) {
                // Read by now: the footer shows its keys again.
                state.message = None;
                state.message_until = None;
            }
            let retry = state.link.retry_due(now).then_some(Effect::Reload(None));
            (true, retry.into_iter().collect())
        }
        Msg::Unreachable(why) => (true, vec![Effect::Offline(why)]),
        Msg::Rejected(why) => (true, vec![Effect::Rejected(why)]),
        Msg::EventsLoaded { id, result } => {
            if let Ok(events) = &result
                && let Some(p) = events.iter().rev().find_map(Event::readiness)
                && state
                    .deployment(&id)
                    .is_some_and(|d| d.status == DeploymentStatus::RollingOut)
            {
                // The latest readiness of a rollout (events fetched by a poll carry it too).
                state.model.progress.insert(id.clone(), p);
            }
            (true, drawer::on_events(&mut state.drawer, &id, result))
        }
        Msg::RevisionsLoaded { id, result } => (true, on_revisions(state, &id, result)),
        Msg::RolledBack { id, result } => {
            let mut effects = Vec::new();
            if let Ok(rev) = &result {
                state.model.know_revision(rev);
                // The card shows the new revision at once (unless the backend said more).
                if let Some(d) = state
                    .deployment(&id)
                    .filter(|d| d.current_revision_id.as_ref() != Some(&rev.id))
                {
                    let moved = Deployment {
                        current_revision_id: Some(rev.id.clone()),
                        status: DeploymentStatus::Pending,
                        ..d.clone()
                    };
                    effects.push(Effect::Change(Change::Deployment {
                        data: Box::new(moved),
                    }));
                }
            }
            effects.extend(revisions::on_rolled_back(&name_of(state, &id), &id, result));
            (true, effects)
        }
        Msg::HistoryLoaded { id, result } => match state.overlay.as_mut() {
            Some(Overlay::Detail {
                id: shown, history, ..
            }) if *shown == id => {
                *history = match result {
                    Ok(entries) => super::state::History::Loaded(entries),
                    Err(why) => super::state::History::Unavailable(why),
                };
                (true, vec![])
            }
            _ => (false, vec![]),
        },
        Msg::PromotionLoaded { source_id, result } => {
            if let Some(Overlay::Promote(panel)) = state.overlay.as_mut()
                && panel.source.id == source_id
            {
                panel.planned(result.map(|plan| *plan));
            }
            (true, vec![])
        }
        Msg::Promoted {
            target_id,
            env_id,
            result,
        } => (true, on_promoted(state, &target_id, &env_id, result)),
        Msg::PromotedNew { env_id, result } => (true, on_promoted_new(state, &env_id, result)),
        Msg::LayoutLoaded { env_id, result } => match state.overlay.as_mut() {
            Some(Overlay::Layout(copy)) => (true, copy.loaded(&env_id, result, &state.model)),
            _ => (false, vec![]),
        },
        Msg::LoadBalancerPolled { id, result } => {
            if let Some(lb) = state.lb.on_polled(&id, result, now) {
                state.model.loadbalancers.insert(id, lb);
            }
            (true, vec![])
        }
        Msg::Analyzed { id, result } => {
            let open = match state.overlay.as_mut() {
                Some(Overlay::Analysis { id, warnings, .. }) => Some((id.as_str(), warnings)),
                _ => None,
            };
            (true, panels::on_analyzed(open, &id, result))
        }
        Msg::TornDown { id, result } => (
            true,
            panels::on_torn_down(&name_of(state, &id), &id, result),
        ),
        Msg::Created { result } => {
            let form = match state.overlay.as_mut() {
                Some(Overlay::Create(form)) => Some(&mut **form),
                _ => None,
            };
            (true, create_form::on_created(form, result))
        }
        Msg::Edited { id, result } => match state.model.deployment(&id) {
            Some(d) => (true, configs_edit::on_edited(&mut state.drafts, d, result)),
            None => (false, vec![]),
        },
        Msg::Patched { id, result } => {
            let name = name_of(state, &id);
            (
                true,
                configs_edit::on_patched(&mut state.drafts, &name, &id, result),
            )
        }
        Msg::Spaces(answer) => (true, on_spaces_answer(state, *answer)),
    }
}

/// A promotion answered: the target shows its new revision at once, and — on the board —
/// its lane takes the keys and its drawer follows the rollout.
fn on_promoted(
    state: &mut State,
    target_id: &str,
    env_id: &str,
    result: Result<Revision, String>,
) -> Effects {
    let lane = state.board.as_ref().and_then(|b| b.lane_of(env_id));
    let target = std::iter::once(&state.model)
        .chain(
            state
                .board
                .iter()
                .flat_map(|b| b.lanes.iter().map(|l| &l.model)),
        )
        .find_map(|m| m.deployment(target_id))
        .cloned();
    let name = target
        .as_ref()
        .map_or(target_id.to_string(), |d| d.name.clone());
    let mut effects = vec![];
    match &result {
        Ok(rev) => {
            state.model.know_revision(rev);
            for lane in state.board.iter_mut().flat_map(|b| b.lanes.iter_mut()) {
                lane.model.know_revision(rev);
            }
            if let Some(d) = target.filter(|d| d.current_revision_id.as_ref() != Some(&rev.id)) {
                effects.push(Effect::Change(Change::Deployment {
                    data: Box::new(Deployment {
                        current_revision_id: Some(rev.id.clone()),
                        status: DeploymentStatus::Pending,
                        ..d
                    }),
                }));
            }
        }
        Err(_) => {
            if let Some(Overlay::Promote(panel)) = state.overlay.as_mut() {
                panel.sent = false;
            }
        }
    }
    let result = result.map(|r| r.number);
    effects.extend(super::promote::on_promoted(
        &name,
        &state.model.env_name(env_id),
        lane,
        target_id,
        result,
    ));
    effects
}

/// The promotion's missing target, created: shown in its lane and followed there.
fn on_promoted_new(state: &mut State, env_id: &str, result: Result<Deployment, String>) -> Effects {
    let lane = state.board.as_ref().and_then(|b| b.lane_of(env_id));
    let env = state.model.env_name(env_id);
    match result {
        Ok(d) => {
            let mut effects = vec![
                Effect::Change(Change::Deployment {
                    data: Box::new(d.clone()),
                }),
                Effect::Close,
                Effect::info(format!(
                    "{} created in {env} — following its rollout",
                    d.name
                )),
            ];
            if let Some(i) = lane {
                effects.extend([
                    Effect::FocusLane(i),
                    Effect::Select(d.id.clone()),
                    Effect::FollowInDrawer,
                ]);
            }
            effects
        }
        Err(e) => {
            if let Some(Overlay::Promote(panel)) = state.overlay.as_mut() {
                panel.sent = false;
            }
            vec![Effect::error(format!(
                "creating it in {env} failed: {e}; p then y retries"
            ))]
        }
    }
}

/// A deployment's name for a message (its id once it is gone).
fn name_of(state: &State, id: &str) -> String {
    state
        .deployment(id)
        .map_or(id.to_string(), |d| d.name.clone())
}

fn on_loaded(state: &mut State, s: Snapshot, now: Instant) -> Effects {
    state.link.online();
    // Positions saved after this read was sent, and those not saved yet, are newer than what
    // it found.
    let keep = kept_positions(state, s.read);
    let switched = state.model.load(s, &keep);
    state
        .poll
        .schedule(poll::polling(&state.model, state.link.connected()), now);
    let mut effects = canvas::auto_place(&state.model);
    if switched {
        effects.push(Effect::CloseDrawer);
    } else if let Some(t) = &state.drawer {
        // A reload may follow missed changes: the open drawer catches up too.
        effects.push(Effect::Cmd(Cmd::LoadEvents {
            id: t.deployment_id.clone(),
            after: t.events.last().map(|e| e.id.clone()),
        }));
    }
    effects.extend(wait_for_addresses(&state.model));
    if switched || state.selected_deployment().is_none() {
        effects.push(Effect::SelectFirst);
    }
    effects
}

/// Every card waits for its address, where it has one coming.
fn wait_for_addresses(model: &super::model::Model) -> Effects {
    model
        .deployments
        .iter()
        .map(|d| Effect::WaitForAddress(d.id.clone()))
        .collect()
}

fn on_change(state: &mut State, change: Change) -> (bool, Effects) {
    let (saves, canvas) = (&state.saves, &state.canvas);
    model::on_change(
        &mut state.model,
        change,
        |id| saves.unsaved(id) || canvas.dragging(id),
        state.drawer.as_ref().map(|t| t.deployment_id.as_str()),
    )
}

fn on_revisions(state: &mut State, id: &str, result: Result<Vec<Revision>, String>) -> Effects {
    match result {
        Ok(revs) => {
            for r in &revs {
                state.model.know_revision(r);
            }
            if let Some(Overlay::Revisions(panel)) = state.overlay.as_mut()
                && panel.id == id
            {
                panel.loaded(revs);
            }
            vec![]
        }
        Err(e) => vec![Effect::error(format!(
            "loading revisions failed: {e}; press r to retry"
        ))],
    }
}

/// The spaces view's answer — or, with start flags, the catalog that finds what to open.
fn on_spaces_answer(state: &mut State, answer: spaces::Answer) -> Effects {
    if let spaces::Answer::Catalog(result) = &answer
        && let Some(target) = state.start.take()
    {
        return spaces::start::resolve(target, result.clone());
    }
    let shown = spaces::Shown {
        space: state.model.space.as_ref().map(|s| s.id.as_str()),
        environment: state.model.environment.as_ref().map(|e| e.id.as_str()),
    };
    match state.overlay.as_mut() {
        Some(Overlay::Spaces(view)) => view.answer(answer, shown),
        // The view was closed meanwhile; a failure is still said.
        _ => match answer {
            spaces::Answer::Done(Err(e)) => vec![Effect::error(e)],
            _ => vec![],
        },
    }
}

/// Runs `f` with lane `i`'s model and canvas in the state's place — where every feature
/// reads them — and carries out its effects there; the focused lane comes back after.
fn in_lane(
    state: &mut State,
    i: usize,
    now: Instant,
    cmds: &mut Vec<Cmd>,
    f: impl FnOnce(&mut State) -> Effects,
) {
    let focus = state.board.as_ref().map(|b| b.focus);
    if focus.is_none_or(|f| f == i) {
        let effects = f(state);
        apply(state, effects, now, cmds);
        return;
    }
    swap_lane(state, i);
    let effects = f(state);
    apply(state, effects, now, cmds);
    swap_lane(state, i);
}

/// Exchanges the state's model and canvas with lane `i`'s.
fn swap_lane(state: &mut State, i: usize) {
    if let Some(lane) = state.board.as_mut().and_then(|b| b.lanes.get_mut(i)) {
        std::mem::swap(&mut state.model, &mut lane.model);
        std::mem::swap(&mut state.canvas, &mut lane.canvas);
    }
}

/// Gives the keys to lane `to`: the focused lane is parked, `to` takes its place.
fn focus_lane(state: &mut State, to: usize, now: Instant) {
    let Some(from) = state.board.as_ref().map(|b| b.focus) else {
        return;
    };
    if from == to || state.board.as_ref().is_none_or(|b| to >= b.lanes.len()) {
        return;
    }
    swap_lane(state, from);
    swap_lane(state, to);
    if let Some(b) = state.board.as_mut() {
        b.focus = to;
    }
    state
        .poll
        .schedule(poll::polling(&state.model, state.link.connected()), now);
}

/// A board lane's environment, loaded: into its lane (fitted the first time).
fn on_lane_loaded(state: &mut State, s: Snapshot, now: Instant, cmds: &mut Vec<Cmd>) -> bool {
    let Some(env_id) = s.environment.as_ref().map(|e| e.id.clone()) else {
        return false;
    };
    let Some(i) = state.board.as_ref().and_then(|b| b.lane_of(&env_id)) else {
        return false;
    };
    let first = state.board.as_ref().is_some_and(|b| !b.lanes[i].loaded);
    in_lane(state, i, now, cmds, |state| {
        let keep = kept_positions(state, s.read);
        state.model.load(s, &keep);
        let mut effects = canvas::auto_place(&state.model);
        effects.extend(wait_for_addresses(&state.model));
        effects.push(Effect::SelectIfNone);
        effects
    });
    if first {
        // Once every card has its place.
        in_lane(state, i, now, cmds, |state| {
            fit_lane(state);
            vec![Effect::ShowSelected]
        });
    }
    if let Some(b) = state.board.as_mut() {
        b.lanes[i].loaded = true;
    }
    true
}

/// Fits a lane's cards in it, at 100 % at the most.
fn fit_lane(state: &mut State) {
    let size = state.cards_area();
    let cards = Cards {
        model: &state.model,
        filter: &state.filter,
        size,
    };
    state
        .canvas
        .fit_top_left(&cards, super::geometry::Zoom::Full);
}

/// A pushed change, applied to the parked lanes it concerns; whether any shows it.
fn lanes_change(state: &mut State, change: &Change, now: Instant, cmds: &mut Vec<Cmd>) -> bool {
    let Some(board) = state.board.as_ref() else {
        return false;
    };
    let concerned: Vec<usize> = board
        .parked()
        .filter(|(_, lane)| match change {
            Change::Deployment { data } => lane.env_id == data.env_id,
            Change::DeploymentDeleted { deployment_id }
            | Change::Event { deployment_id, .. }
            | Change::Loadbalancer { deployment_id, .. } => {
                lane.model.deployment(deployment_id).is_some()
            }
        })
        .map(|(i, _)| i)
        .collect();
    for &i in &concerned {
        in_lane(state, i, now, cmds, |state| {
            let (saves, canvas) = (&state.saves, &state.canvas);
            model::on_change(
                &mut state.model,
                change.clone(),
                |id| saves.unsaved(id) || canvas.dragging(id),
                None,
            )
            .1
        });
    }
    !concerned.is_empty()
}

/// Positions newer than a read's answer: saved after it was sent, or not saved yet.
fn kept_positions(state: &State, read: u64) -> HashMap<String, Option<CanvasPosition>> {
    let mut keep: HashMap<String, Option<CanvasPosition>> = state
        .model
        .deployments
        .iter()
        .filter(|d| state.saves.saved_since(&d.id, read))
        .map(|d| (d.id.clone(), d.canvas_position))
        .collect();
    keep.extend(
        state
            .saves
            .pending
            .iter()
            .map(|(id, p)| (id.clone(), Some(p.pos))),
    );
    keep
}

/// Loads of the parked lanes, for each lane in turn.
fn lane_loads(state: &mut State) -> Vec<Cmd> {
    // Each lane's own known revisions: those are not fetched again.
    let lanes: Vec<(String, Vec<String>)> = state
        .board
        .iter()
        .flat_map(|b| {
            b.parked().map(|(_, l)| {
                (
                    l.env_id.clone(),
                    l.model.revision_numbers.keys().cloned().collect(),
                )
            })
        })
        .collect();
    lanes
        .into_iter()
        .map(|(env_id, known_revisions)| Cmd::LoadLane {
            env_id,
            known_revisions,
            read: state.next_read(),
        })
        .collect()
}

/// Without a live feed, the parked lanes are loaded again at the polling interval.
fn lane_reloads_due(state: &mut State, now: Instant) -> Vec<Cmd> {
    let polling = state.model.live == LiveMode::Polling;
    let interval = state.poll.interval;
    let Some(board) = state.board.as_mut() else {
        return vec![];
    };
    if !polling {
        board.next_reload = None;
        return vec![];
    }
    match board.next_reload {
        Some(at) if at <= now => {
            board.next_reload = Some(now + interval);
            lane_loads(state)
        }
        Some(_) => vec![],
        None => {
            board.next_reload = Some(now + interval);
            vec![]
        }
    }
}

/// Opens the board on `envs` (the shown environment always on it, first if it was not
/// chosen), loading the other lanes.
fn open_board(state: &mut State, mut envs: Vec<String>, now: Instant, cmds: &mut Vec<Cmd>) {
    let Some(shown) = state.model.environment.clone() else {
        return;
    };
    if !envs.contains(&shown.id) {
        envs.insert(0, shown.id.clone());
    }
    envs.truncate(super::board::MAX_LANES);
    state.board_choice = envs.clone();
    let lanes: Vec<super::board::Lane> = envs
        .iter()
        .map(|id| super::board::Lane {
            env_id: id.clone(),
            name: state.model.env_name(id),
            ..Default::default()
        })
        .collect();
    let names: Vec<String> = lanes.iter().map(|l| l.name.clone()).collect();
    let focus = envs.iter().position(|e| *e == shown.id).unwrap_or(0);
    state.board = Some(super::board::Board {
        lanes,
        focus,
        before: state.canvas.viewport,
        next_reload: None,
    });
    if let Some(b) = state.board.as_mut() {
        b.lanes[focus].loaded = true;
    }
    fit_lane(state);
    apply_one(state, Effect::ShowSelected, now, cmds);
    cmds.extend(lane_loads(state));
    state.say(
        format!(
            "the board: {} — ] and [ (or moving past a lane's edge) change lanes, E goes back",
            names.join(" · ")
        ),
        MessageKind::Info,
        now,
    );
}

/// The poll requests that came due.
fn poll_due(state: &mut State, now: Instant) -> Vec<Cmd> {
    let Some(env_id) = state.model.environment.as_ref().map(|e| e.id.clone()) else {
        state.poll.stop();
        return vec![];
    };
    if !state.poll.take_due(&state.model.deployments, now) {
        return vec![];
    }
    let read = state.next_read();
    let mut cmds = vec![Cmd::PollDeployments { env_id, read }];
    if let Some(t) = state.drawer.as_ref().filter(|t| t.loaded) {
        cmds.push(Cmd::LoadEvents {
            id: t.deployment_id.clone(),
            after: t.events.last().map(|e| e.id.clone()),
        });
    }
    cmds
}

/// Carries out effects in order; an effect's own effects are carried out before the next.
fn apply(state: &mut State, effects: Effects, now: Instant, cmds: &mut Vec<Cmd>) {
    for effect in effects {
        apply_one(state, effect, now, cmds);
    }
}

fn apply_one(state: &mut State, effect: Effect, now: Instant, cmds: &mut Vec<Cmd>) {
    match effect {
        Effect::Cmd(c) => cmds.push(c),
        Effect::Say(text, kind) => state.say(text, kind, now),
        Effect::Note(text) => {
            if state.message.is_none() {
                state.say(text, MessageKind::Info, now);
            }
        }
        Effect::Unsay => state.message = None,
        Effect::Select(id) => {
            let cards = Cards {
                model: &state.model,
                filter: &state.filter,
                size: state.cards_area(),
            };
            state.canvas.select(&cards, &id);
        }
        Effect::SelectFirst => {
            let cards = Cards {
                model: &state.model,
                filter: &state.filter,
                size: state.cards_area(),
            };
            state.canvas.selected = None;
            state.canvas.select_first(&cards);
        }
        Effect::SelectIfNone => {
            if state.canvas.selected.is_none() {
                apply_one(state, Effect::SelectFirst, now, cmds);
            }
        }
        Effect::FollowInDrawer => {
            state.rollouts_open = false;
            let follow = drawer::follow(&mut state.drawer, state.canvas.selected.as_deref(), true);
            apply(state, follow, now, cmds);
            apply_one(state, Effect::ShowSelected, now, cmds);
        }
        Effect::ShowSelected => {
            // The drawer may have opened: the area is measured now.
            let cards = Cards {
                model: &state.model,
                filter: &state.filter,
                size: state.cards_area(),
            };
            state.canvas.ensure_visible(&cards);
        }
        Effect::CloseDrawer => state.drawer = None,
        Effect::Open(overlay) => state.overlay = Some(overlay),
        Effect::Close => state.overlay = None,
        Effect::Reload(env) => {
            if env.is_none() {
                cmds.extend(lane_loads(state));
            }
            cmds.push(state.reload(env));
        }
        Effect::ReloadShown => {
            if state.model.environment.is_some() {
                cmds.push(state.reload(None));
            }
        }
        Effect::ShowEnvironment(env_id) => {
            state.overlay = None;
            if let Some(i) = state.board.as_ref().and_then(|b| b.lane_of(&env_id)) {
                // On the board already: its lane takes the keys.
                return apply_one(state, Effect::FocusLane(i), now, cmds);
            }
            if let Some(b) = state.board.as_mut() {
                // The focused lane shows the other environment instead.
                let lane = &mut b.lanes[b.focus];
                lane.env_id = env_id.clone();
                lane.name = state
                    .model
                    .environments
                    .iter()
                    .find(|e| e.id == env_id || e.name == env_id)
                    .map_or(env_id.clone(), |e| e.name.clone());
            }
            state.canvas.viewport = Default::default();
            state.filter.clear();
            cmds.push(state.reload(Some(env_id)));
        }
        Effect::Offline(why) => {
            let text = state.link.offline(&why, now);
            state.poll.stop();
            state.say(text, MessageKind::Error, now);
        }
        Effect::Rejected(why) => {
            let text = state.link.rejected(why);
            state.poll.stop();
            state.say(text, MessageKind::Error, now);
        }
        Effect::Change(change) => {
            lanes_change(state, &change, now, cmds);
            let (_, effects) = on_change(state, change);
            apply(state, effects, now, cmds);
        }
        Effect::Add(d) => {
            if state.model.deployment(&d.id).is_none() {
                apply_one(
                    state,
                    Effect::Change(Change::Deployment { data: d }),
                    now,
                    cmds,
                );
            }
        }
        Effect::Place { id, pos } => {
            if !pos.is_valid() {
                return;
            }
            if let Some(d) = state.model.deployment_mut(&id) {
                d.canvas_position = Some(pos);
            }
            cmds.push(state.saves.schedule(&id, pos, now));
        }
        Effect::Show { id, pos } => {
            if let Some(d) = state.model.deployment_mut(&id) {
                d.canvas_position = Some(pos);
            }
        }
        Effect::PlaceNew(id) => {
            let cards = Cards {
                model: &state.model,
                filter: &state.filter,
                size: state.cards_area(),
            };
            let pos = state.canvas.free_spot_in_view(&cards, Some(&id));
            apply_one(state, Effect::Place { id, pos }, now, cmds);
        }
        Effect::Gone(id) => {
            state.lb.stop(&id);
            if state.canvas.selected.as_deref() == Some(id.as_str()) {
                apply_one(state, Effect::SelectFirst, now, cmds);
            }
        }
        Effect::Timeline(id, events) => {
            if let Some(t) = state.drawer.as_mut().filter(|t| t.deployment_id == id) {
                t.add(events);
            }
        }
        Effect::WaitForAddress(id) => {
            if state.lb.maybe_start(&state.model, &id, now) {
                state
                    .model
                    .loadbalancers
                    .entry(id)
                    .or_insert_with(|| LoadBalancer::pending(Vec::new()));
            }
        }
        Effect::StopWaiting(id) => state.lb.stop(&id),
        Effect::Filter(text) => {
            state.filter.text = text;
            state.filter.editing = false;
            let cards = Cards {
                model: &state.model,
                filter: &state.filter,
                size: state.cards_area(),
            };
            state.canvas.keep_selection(&cards);
        }
        Effect::Zoom(zoom) => {
            let size = state.cards_area();
            state.canvas.zoom(size, zoom);
            apply_one(state, Effect::ShowSelected, now, cmds);
        }
        Effect::OpenBoard(envs) => open_board(state, envs, now, cmds),
        Effect::CloseBoard => {
            if let Some(b) = state.board.take() {
                state.canvas.viewport = b.before;
                apply_one(state, Effect::ShowSelected, now, cmds);
            }
        }
        Effect::FocusLane(i) => {
            focus_lane(state, i, now);
            apply_one(state, Effect::SelectIfNone, now, cmds);
        }
        Effect::RecordStep(moves) => state.canvas.record_step(moves),
        Effect::Mouse(m) => {
            let (_, effects) = input::on_mouse(state, m);
            apply(state, effects, now, cmds);
        }
        Effect::Theme(name) => {
            state.theme.name = name.clone();
            state.say(format!("theme {name}"), MessageKind::Info, now);
        }
        Effect::Run(action) => {
            let effects = input::run_action(state, action);
            apply(state, effects, now, cmds);
        }
        Effect::Quit => {
            state.quit = true;
            cmds.push(Cmd::Quit);
        }
    }
}
