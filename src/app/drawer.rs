//! `t`: the timeline drawer at the bottom of the canvas — the selected deployment's events,
//! live, following the selection; PgUp/PgDn/Home/End scroll it, `T` switches to absolute
//! times. Its state is the `Timeline` it shows.

use crossterm::event::{KeyCode, KeyEvent};

use super::effect::{Effect, Effects};
use super::msg::Cmd;
use super::timeline::Timeline;
use crate::backend::model::Event;

const PAGE: isize = 10;

/// `t`: opens the drawer on the selected deployment, or closes it.
pub fn toggle(drawer: &mut Option<Timeline>, selected: Option<&str>) -> Effects {
    if drawer.take().is_some() {
        return vec![];
    }
    follow(drawer, selected, true)
}

/// Keeps the drawer on the selected deployment; opens it when `open`, else only when it is
/// open already.
pub fn follow(drawer: &mut Option<Timeline>, selected: Option<&str>, open: bool) -> Effects {
    let Some(id) = selected else {
        return vec![];
    };
    if drawer.is_none() && !open {
        return vec![];
    }
    if drawer.as_ref().is_some_and(|t| t.deployment_id == id) {
        return vec![];
    }
    let mut t = Timeline::new(id.to_string());
    t.absolute_times = drawer.as_ref().is_some_and(|t| t.absolute_times);
    *drawer = Some(t);
    vec![Effect::Cmd(Cmd::LoadEvents {
        id: id.to_string(),
        after: None,
    })]
}

/// Scrolling keys (PgUp/PgDn/Home/End, `T` for absolute times); false if not one.
pub fn key(t: &mut Timeline, key: &KeyEvent) -> bool {
    match key.code {
        KeyCode::PageUp => t.scroll_by(PAGE),
        KeyCode::PageDown => t.scroll_by(-PAGE),
        KeyCode::Home => t.to_top(),
        KeyCode::End => t.to_tail(),
        KeyCode::Char('T') => t.absolute_times = !t.absolute_times,
        _ => return false,
    }
    true
}

/// A deployment's events arrived (loaded, or fetched by a poll).
pub fn on_events(
    drawer: &mut Option<Timeline>,
    id: &str,
    result: Result<Vec<Event>, String>,
) -> Effects {
    match result {
        Ok(events) => {
            if let Some(t) = drawer.as_mut().filter(|t| t.deployment_id == id) {
                t.add(events);
                t.loaded = true;
            }
            vec![]
        }
        Err(e) => vec![Effect::error(format!(
            "loading the timeline failed: {e}; press t twice to retry"
        ))],
    }
}
