//! Keys and the mouse, routed to the feature they belong to: the open overlay first, then the
//! filter being edited, the drawer's scrolling keys, then the canvas's actions. Each feature
//! answers with effects, carried out by `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use super::canvas::Cards;
use super::effect::{Effect, Effects};
use super::geometry::Zoom;
use super::keymap::{Action, Context, Keymap, MOVES, move_cursor};
use super::palette::{ListKey, environment_items, list_key, palette_items};
use super::state::{Overlay, State};

/// The canvas's view of the state, for its operations.
pub fn cards(state: &State) -> Cards<'_> {
    Cards {
        model: &state.model,
        filter: &state.filter,
        size: state.cards_area(),
    }
}

/// A key: whether to redraw, and what follows.
pub fn on_key(state: &mut State, key: KeyEvent) -> (bool, Effects) {
    if key.kind == KeyEventKind::Release {
        return (false, vec![]);
    }
    if state.overlay.is_some() {
        return on_overlay_key(state, &key);
    }
    if state.filter.editing {
        state.filter.key(&state.keymap, &key);
        // Keep the selection on a matching card.
        let cards = Cards {
            model: &state.model,
            filter: &state.filter,
            size: state.cards_area(),
        };
        state.canvas.keep_selection(&cards);
        return (true, vec![]);
    }
    if let Some(t) = state.drawer.as_mut()
        && super::drawer::key(t, &state.keymap, &key)
    {
        return (true, vec![]);
    }
    match state.keymap.action(&key) {
        Some(action) => (true, run_action(state, action)),
        None if key.code == KeyCode::Esc => {
            let had = state.message.is_some() || !state.filter.is_empty();
            state.filter.clear();
            (had, vec![Effect::Unsay])
        }
        None => (false, vec![]),
    }
}

/// Carries out an action (from a key, or picked in the palette).
pub fn run_action(state: &mut State, action: Action) -> Effects {
    if action.changes() && state.read_only {
        return vec![Effect::read_only(&action.name().replace('_', " "))];
    }
    let mut effects = vec![Effect::Unsay];
    let selected = state.canvas.selected.clone();
    let need_selection = || vec![Effect::info("select a deployment first")];
    let size = state.cards_area();
    let cards = Cards {
        model: &state.model,
        filter: &state.filter,
        size,
    };
    if state.table.is_some()
        && let Some(table_effects) = table_action(state, action)
    {
        effects.extend(table_effects);
        return effects;
    }
    let canvas = &mut state.canvas;
    effects.extend(match action {
        Action::Select(dir) => {
            if canvas.select_direction(&cards, dir) {
                vec![]
            } else {
                // Past the lane's edge: the lane beyond it.
                lane_beyond(state.board.as_ref(), state.screen.0, dir)
                    .map(Effect::FocusLane)
                    .into_iter()
                    .collect()
            }
        }
        Action::Next => {
            canvas.select_next(&cards, true);
            vec![]
        }
        Action::Previous => {
            canvas.select_next(&cards, false);
            vec![]
        }
        Action::NextUnhealthy => {
            if canvas.select_next_unhealthy(&cards) {
                vec![]
            } else {
                vec![Effect::info(format!(
                    "no failed or drifted card: all {} are well",
                    state.model.deployments.len()
                ))]
            }
        }
        Action::Move(dir) | Action::MoveFar(dir) => {
            let cells = if matches!(action, Action::MoveFar(_)) {
                5
            } else {
                1
            };
            let saves = &state.saves;
            canvas.move_selected(&cards, dir, cells, |id| saves.unsaved(id))
        }
        Action::Pan(dir) => {
            canvas.pan(size, dir);
            vec![]
        }
        Action::ZoomIn | Action::ZoomOut | Action::ZoomReset => {
            let z = match action {
                Action::ZoomIn => canvas.viewport.zoom.zoom_in(),
                Action::ZoomOut => canvas.viewport.zoom.zoom_out(),
                _ => Zoom::Full,
            };
            canvas.zoom(size, z);
            // The selected card stays on screen.
            canvas.ensure_visible(&cards);
            vec![]
        }
        Action::ZoomFit => {
            canvas.fit(&cards);
            vec![]
        }
        Action::Undo => canvas.undo(),
        Action::Redo => canvas.redo(),
        Action::SwitchEnvironment => vec![Effect::Open(Overlay::Environments {
            query: String::new(),
            selected: 0,
        })],
        Action::Filter => {
            state.filter.editing = true;
            vec![]
        }
        Action::Palette => vec![Effect::Open(Overlay::Palette {
            query: String::new(),
            selected: 0,
            history: None,
        })],
        Action::Help => vec![Effect::Open(Overlay::Help {
            contexts: vec![Context::Canvas, Context::Drawer],
            scroll: 0,
            back: None,
        })],
        Action::Reload => vec![Effect::Reload(None)],
        Action::Timeline => {
            state.rollouts_open = false;
            let mut effects = super::drawer::toggle(&mut state.drawer, selected.as_deref());
            // Not under the drawer.
            effects.push(Effect::ShowSelected);
            effects
        }
        Action::Create => super::create_form::open(
            state.model.environment.as_ref(),
            state
                .model
                .deployments
                .iter()
                .map(|d| d.name.clone())
                .collect(),
        ),
        Action::Spaces => super::spaces::open(super::spaces::Tab::Spaces),
        Action::Board => {
            let shown = state.model.environment.as_ref().map(|e| e.id.as_str());
            let pick =
                super::board::Pick::new(&state.model.environments, &state.board_choice, shown);
            super::board::toggle(state.board.as_ref(), Some(pick))
        }
        Action::Promote => match state.selected_deployment() {
            None => need_selection(),
            Some(d) => {
                let lanes: Vec<String> = state
                    .board
                    .iter()
                    .flat_map(|b| b.lanes.iter().map(|l| l.env_id.clone()))
                    .collect();
                super::promote::open(d, &state.model.environments, &lanes)
            }
        },
        Action::NextConnection | Action::PreviousConnection => super::connections::walk(
            &state.model,
            &mut state.canvas.walk,
            selected.as_deref(),
            action == Action::NextConnection,
        ),
        Action::Rollouts => {
            state.rollouts_open = !state.rollouts_open;
            if state.rollouts_open {
                state.drawer = None;
            }
            vec![Effect::ShowSelected]
        }
        Action::TableView => super::table::toggle(&mut state.table),
        Action::Sort | Action::SortReverse => {
            super::table::sort(&mut state.table, action == Action::SortReverse)
        }
        Action::Fix => {
            let d = state.selected_deployment();
            let failure = d.and_then(|d| state.model.failures.get(&d.id));
            super::fix::open(d, failure)
        }
        Action::CopyLayout => {
            let lanes: Vec<String> = state
                .board
                .iter()
                .flat_map(|b| b.lanes.iter().map(|l| l.env_id.clone()))
                .collect();
            super::layout::open(
                state.model.environment.as_ref(),
                &state.model.environments,
                &lanes,
            )
        }
        Action::NextLane | Action::PreviousLane => match &state.board {
            Some(b) => {
                let n = b.lanes.len();
                let step = if action == Action::NextLane { 1 } else { n - 1 };
                vec![Effect::FocusLane((b.focus + step) % n)]
            }
            None => vec![Effect::info("the board is closed: E opens it")],
        },
        Action::Quit => {
            if state.saves.pending.is_empty() {
                vec![Effect::Quit]
            } else {
                vec![Effect::Open(Overlay::ConfirmQuit)]
            }
        }
        Action::Open
        | Action::LoadBalancer
        | Action::Revisions
        | Action::Analyze
        | Action::TearDown
        | Action::EditConfigs => match selected {
            None => need_selection(),
            Some(id) => on_card(state, action, id),
        },
        // The actions of panels and forms are read where those are open.
        _ => vec![],
    });
    effects
}

/// What the canvas's moving keys do on the table: ↑/↓ and Tab move through the rows; moving,
/// panning and zooming cards are the canvas's. `None`: the key works as on the canvas.
fn table_action(state: &State, action: Action) -> Option<Effects> {
    use super::geometry::Direction as D;
    Some(match action {
        Action::Select(D::Down) | Action::Next => super::table::step(state, 1),
        Action::Select(D::Up) | Action::Previous => super::table::step(state, -1),
        Action::Select(_) => vec![],
        Action::Move(_)
        | Action::MoveFar(_)
        | Action::Pan(_)
        | Action::ZoomIn
        | Action::ZoomOut
        | Action::ZoomReset
        | Action::ZoomFit
        | Action::Undo
        | Action::Redo => vec![Effect::info(format!(
            "{} works on the canvas: v goes back to it",
            action.name().replace('_', " ")
        ))],
        _ => return None,
    })
}

/// The lane beyond the focused one's edge in direction `dir`, if the board has one there.
fn lane_beyond(
    board: Option<&super::board::Board>,
    width: u16,
    dir: super::geometry::Direction,
) -> Option<usize> {
    use super::geometry::Direction as D;
    let b = board?;
    let columns = super::board::in_columns(width, b.lanes.len());
    let forward = match (dir, columns) {
        (D::Right, true) | (D::Down, false) => true,
        (D::Left, true) | (D::Up, false) => false,
        _ => return None,
    };
    match forward {
        true => (b.focus + 1 < b.lanes.len()).then_some(b.focus + 1),
        false => b.focus.checked_sub(1),
    }
}

/// An action on the selected card.
fn on_card(state: &State, action: Action, id: String) -> Effects {
    match action {
        Action::Open => vec![
            Effect::Open(Overlay::Detail {
                id: id.clone(),
                scroll: 0,
                history: super::state::History::Loading,
            }),
            Effect::Cmd(super::msg::Cmd::LoadHistory { id }),
        ],
        Action::LoadBalancer => super::panels::open_loadbalancer(id),
        Action::Revisions => super::revisions::open(id),
        Action::Analyze => super::panels::open_analysis(id),
        Action::TearDown => super::panels::open_teardown(id),
        Action::EditConfigs => match state.deployment(&id) {
            Some(d) => super::configs_edit::start(&state.drafts, d),
            None => vec![],
        },
        _ => vec![],
    }
}

/// The scrolling keys of a panel (lines, pages, ends) move `scroll` (the view keeps it within
/// the text); one of `ends` is returned, for the caller to act on.
fn scroll_key(km: &Keymap, key: &KeyEvent, scroll: &mut usize, ends: &[Action]) -> Option<Action> {
    let actions: Vec<Action> = MOVES.iter().chain(ends).copied().collect();
    let action = km.which(key, &actions)?;
    (!move_cursor(action, scroll, usize::MAX)).then_some(action)
}

/// Whether a key scrolls a panel (lines, pages, ends).
fn is_scroll(km: &Keymap, key: &KeyEvent) -> bool {
    km.which(key, &MOVES).is_some()
}

/// Keeps a command run from the palette (once, the latest last).
fn remember(history: &mut Vec<String>, command: &str) {
    let command = command.trim().replace('_', " ");
    history.retain(|c| *c != command);
    history.push(command);
    if history.len() > 100 {
        history.remove(0);
    }
}

/// Puts an earlier (or later) command of the history in the palette's query.
fn recall(
    history: &[String],
    query: &mut String,
    selected: &mut usize,
    at: &mut Option<usize>,
    way: Action,
) {
    if history.is_empty() {
        return;
    }
    let next = match (way, *at) {
        (Action::HistoryBack, None) => Some(history.len() - 1),
        (Action::HistoryBack, Some(i)) => Some(i.saturating_sub(1)),
        (_, Some(i)) if i + 1 < history.len() => Some(i + 1),
        _ => None,
    };
    *at = next;
    *query = next.map_or_else(String::new, |i| history[i].clone());
    *selected = 0;
}

fn on_overlay_key(state: &mut State, key: &KeyEvent) -> (bool, Effects) {
    // `?` (F1 where characters are typed) shows the keys of the panel, then comes back to it.
    if let Some(overlay) = state.overlay.as_ref()
        && !matches!(overlay, Overlay::Help { .. })
        && state.keymap.is(key, Action::Help)
        && !(overlay.takes_text() && matches!(key.code, KeyCode::Char(_)))
    {
        let contexts = overlay.contexts();
        let back = state.overlay.take().map(Box::new);
        return (
            true,
            vec![Effect::Open(Overlay::Help {
                contexts,
                scroll: 0,
                back,
            })],
        );
    }
    let read_only = state.read_only;
    // Worked out only for the key that uses them: the palette's pick, a key in the form.
    let plan = match &state.overlay {
        Some(Overlay::Palette { query, .. }) if state.keymap.is(key, Action::SearchPick) => {
            super::commands::plan(query, state)
        }
        _ => None,
    };
    let spot = matches!(state.overlay, Some(Overlay::Create(_)))
        .then(|| state.canvas.free_spot_in_view(&cards(state), None));
    let env_id = state.model.environment.as_ref().map(|e| e.id.clone());
    let km = &state.keymap;
    let Some(overlay) = state.overlay.as_mut() else {
        return (false, vec![]);
    };
    let effects = match overlay {
        Overlay::BoardPick(pick) => pick.key(km, key),
        Overlay::Promote(panel) => panel.key(km, key, read_only),
        Overlay::Layout(copy) => copy.key(km, key, read_only),
        Overlay::Fix(pick) => {
            let d = state.model.deployment(&pick.id);
            pick.key(km, key, d)
        }
        Overlay::ConfirmQuit => match km.which(key, &[Action::Yes, Action::Quit]) {
            Some(_) => vec![Effect::Quit],
            None => vec![Effect::Close],
        },
        Overlay::Revisions(panel) => {
            let current = state
                .model
                .deployment(&panel.id)
                .and_then(|d| d.current_revision_id.clone());
            panel.key(km, key, current.as_deref(), read_only)
        }
        Overlay::Teardown { id, typed } => match state.model.deployment(id) {
            Some(d) => super::panels::teardown_key(typed, d, km, key),
            None => vec![Effect::Close],
        },
        Overlay::Create(form) => {
            spot.map_or_else(Vec::new, |spot| form.key(km, key, env_id.as_deref(), spot))
        }
        Overlay::ConfigDiff {
            id,
            patch,
            scroll,
            fix,
            ..
        } => {
            // Scrolling keys read the diff; yes sends it; any other key declines it (an edit
            // stays as a draft).
            let yes = km.is(key, Action::Yes);
            if !yes && is_scroll(km, key) {
                scroll_key(km, key, scroll, &[]);
                vec![]
            } else {
                super::configs_edit::diff_key(yes, id, patch, read_only, *fix)
            }
        }
        Overlay::Spaces(view) => view.key(km, key, read_only),
        Overlay::LoadBalancer { id } => {
            match km.which(
                key,
                &[Action::CopyAddress, Action::Close, Action::LoadBalancer],
            ) {
                Some(Action::CopyAddress) => {
                    super::panels::copy_address(state.model.loadbalancers.get(id))
                }
                Some(_) => vec![Effect::Close],
                None => return (false, vec![]),
            }
        }
        Overlay::Help { scroll, back, .. } => {
            match scroll_key(km, key, scroll, &[Action::Close, Action::Help]) {
                Some(_) => match back.take() {
                    Some(panel) => vec![Effect::Open(*panel)],
                    None => vec![Effect::Close],
                },
                None => vec![],
            }
        }
        Overlay::Detail { scroll, .. } | Overlay::Analysis { scroll, .. } => {
            match scroll_key(km, key, scroll, &[Action::Close, Action::Open]) {
                Some(_) => vec![Effect::Close],
                None => vec![],
            }
        }
        Overlay::Palette {
            query,
            selected,
            history,
        } => {
            if let Some(back) = km.which(key, &[Action::HistoryBack, Action::HistoryForward]) {
                recall(&state.palette_history, query, selected, history, back);
                return (true, vec![]);
            }
            if let Some(plan) = plan {
                // A command with its arguments: done, or why not.
                return match plan.effects {
                    Ok(effects) => {
                        remember(&mut state.palette_history, query);
                        (true, effects)
                    }
                    Err(why) => (true, vec![Effect::error(why)]),
                };
            }
            let n = palette_items(km, query).len();
            match list_key(km, key, query, selected, n) {
                ListKey::Close => vec![Effect::Close],
                ListKey::Pick(i) => {
                    let action = palette_items(km, query).get(i).map(|item| item.0);
                    let mut effects = vec![Effect::Close];
                    if let Some(action) = action {
                        remember(&mut state.palette_history, action.name());
                        effects.push(Effect::Run(action));
                    }
                    effects
                }
                ListKey::Edit => {
                    *history = None;
                    vec![]
                }
            }
        }
        Overlay::Environments { query, selected } => {
            let n = environment_items(&state.model.environments, query).len();
            match list_key(km, key, query, selected, n) {
                ListKey::Close => vec![Effect::Close],
                ListKey::Pick(i) => {
                    match environment_items(&state.model.environments, query).get(i) {
                        Some(e) => vec![Effect::ShowEnvironment(e.id.clone())],
                        None => vec![Effect::Close],
                    }
                }
                ListKey::Edit => vec![],
            }
        }
    };
    // A scrolled panel stays within its text.
    let diff_limit = crate::views::panels::revisions_scroll_limit(state);
    if let Some(Overlay::Revisions(panel)) = state.overlay.as_mut() {
        panel.diff_scroll = panel.diff_scroll.min(diff_limit);
    }
    let limit = crate::views::scrolled::scroll_limit(state);
    if let Some(
        Overlay::Help { scroll, .. }
        | Overlay::Detail { scroll, .. }
        | Overlay::Analysis { scroll, .. }
        | Overlay::ConfigDiff { scroll, .. },
    ) = state.overlay.as_mut()
    {
        *scroll = (*scroll).min(limit);
    }
    (true, effects)
}

/// The mouse: the wheel moves through a list overlay as the arrow keys do; on the canvas it
/// selects, drags and pans; over the drawer the wheel scrolls it.
pub fn on_mouse(state: &mut State, m: MouseEvent) -> (bool, Effects) {
    if state.overlay.is_some() {
        let code = match m.kind {
            MouseEventKind::ScrollDown => KeyCode::Down,
            MouseEventKind::ScrollUp => KeyCode::Up,
            _ => return (false, vec![]),
        };
        if matches!(
            state.overlay,
            Some(
                Overlay::Revisions(_)
                    | Overlay::Palette { .. }
                    | Overlay::Environments { .. }
                    | Overlay::Spaces(_)
            )
        ) {
            return on_key(state, KeyEvent::from(code));
        }
        return (false, vec![]);
    }
    // The wheel over the open drawer scrolls it.
    if matches!(
        m.kind,
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown
    ) && m
        .row
        .checked_sub(1)
        .is_some_and(|row| in_drawer(state, row))
    {
        if let Some(t) = state.drawer.as_mut() {
            t.scroll_by(if matches!(m.kind, MouseEventKind::ScrollUp) {
                3
            } else {
                -3
            });
        }
        return (true, vec![]);
    }
    if state.board.is_some() {
        return on_board_mouse(state, m);
    }
    // The canvas starts below the one-line header.
    let Some(row) = m.row.checked_sub(1) else {
        return (false, vec![]);
    };
    canvas_mouse(state, &m, row)
}

/// The pointer on the canvas, `row` counted from the canvas's top.
fn canvas_mouse(state: &mut State, m: &MouseEvent, row: u16) -> (bool, Effects) {
    let read_only = state.read_only;
    let cards = Cards {
        model: &state.model,
        filter: &state.filter,
        size: state.cards_area(),
    };
    let saves = &state.saves;
    state
        .canvas
        .mouse(&cards, m, row, read_only, |id| saves.unsaved(id))
}

/// The mouse on the board: a press in another lane gives it the keys first; the pointer is
/// read relative to the focused lane's canvas (a drag goes on past its edges).
fn on_board_mouse(state: &mut State, mut m: MouseEvent) -> (bool, Effects) {
    let lanes = state.lane_canvases();
    let hit = lanes.iter().position(|r| {
        m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height
    });
    let focus = state.board.as_ref().map_or(0, |b| b.focus);
    let starts = matches!(
        m.kind,
        MouseEventKind::Down(_) | MouseEventKind::ScrollUp | MouseEventKind::ScrollDown
    );
    match hit {
        Some(i) if i != focus && starts => {
            // The press is replayed once the lane has the keys.
            return (true, vec![Effect::FocusLane(i), Effect::Mouse(m)]);
        }
        None if starts => return (false, vec![]),
        _ => {}
    }
    let Some(r) = lanes.get(focus) else {
        return (false, vec![]);
    };
    m.column = m.column.saturating_sub(r.x);
    canvas_mouse(state, &m, m.row.saturating_sub(r.y))
}

/// Whether a canvas row lies in the open drawer (the bottom rows of the canvas).
fn in_drawer(state: &State, row: u16) -> bool {
    let rows = state.drawer_rows();
    rows > 0 && row >= state.canvas_size().1.saturating_sub(rows)
}
