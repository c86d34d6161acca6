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
        Msg::Changed(change) => on_change(state, change),
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
            (true, vec![])
        }
        Msg::FailureLoaded { id, failure } => {
            let failed = state
                .deployment(&id)
                .is_some_and(|d| d.status == DeploymentStatus::Failed);
            if failed {
                state.model.failures.insert(id, failure);
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
    let mut keep: HashMap<String, Option<CanvasPosition>> = state
        .model
        .deployments
        .iter()
        .filter(|d| state.saves.saved_since(&d.id, s.read))
        .map(|d| (d.id.clone(), d.canvas_position))
        .collect();
    keep.extend(
        state
            .saves
            .pending
            .iter()
            .map(|(id, p)| (id.clone(), Some(p.pos))),
    );
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
    effects.extend(
        state
            .model
            .deployments
            .iter()
            .map(|d| Effect::WaitForAddress(d.id.clone())),
    );
    if switched || state.selected_deployment().is_none() {
        effects.push(Effect::SelectFirst);
    }
    effects
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
    let size = state.cards_area();
    match effect {
        Effect::Cmd(c) => cmds.push(c),
        Effect::Say(text, kind) => state.say(text, kind, now),
        Effect::Unsay => state.message = None,
        Effect::Select(id) => {
            let cards = Cards {
                model: &state.model,
                filter: &state.filter,
                size,
            };
            state.canvas.select(&cards, &id);
        }
        Effect::SelectFirst => {
            let cards = Cards {
                model: &state.model,
                filter: &state.filter,
                size,
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
            let follow = drawer::follow(&mut state.drawer, state.canvas.selected.as_deref(), true);
            apply(state, follow, now, cmds);
            apply_one(state, Effect::ShowSelected, now, cmds);
        }
        Effect::ShowSelected => {
            // The drawer may have opened: the area is measured now.
            let size = state.cards_area();
            let cards = Cards {
                model: &state.model,
                filter: &state.filter,
                size,
            };
            state.canvas.ensure_visible(&cards);
        }
        Effect::CloseDrawer => state.drawer = None,
        Effect::Open(overlay) => state.overlay = Some(overlay),
        Effect::Close => state.overlay = None,
        Effect::Reload(env) => cmds.push(state.reload(env)),
        Effect::ReloadShown => {
            if state.model.environment.is_some() {
                cmds.push(state.reload(None));
            }
        }
        Effect::ShowEnvironment(env_id) => {
            state.overlay = None;
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
                size,
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
                size,
            };
            state.canvas.keep_selection(&cards);
        }
        Effect::Zoom(zoom) => {
            state.canvas.zoom(size, zoom);
            apply_one(state, Effect::ShowSelected, now, cmds);
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
