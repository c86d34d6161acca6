//! `t`: the timeline drawer at the bottom of the canvas — the selected deployment's events,
//! live, following the selection; PgUp/PgDn/Home/End scroll it, `T` switches to absolute
//! times. Its state is the `Timeline` it shows.

use crossterm::event::KeyEvent;

use super::effect::{Effect, Effects};
use super::keymap::{Action, Context, Keymap};
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

/// The drawer's keys (scrolling, absolute times); false if the key is not one.
pub fn key(t: &mut Timeline, km: &Keymap, key: &KeyEvent) -> bool {
    match km.actions_in(Context::Drawer, key).first() {
        Some(Action::DrawerOlder) => t.scroll_by(PAGE),
        Some(Action::DrawerNewer) => t.scroll_by(-PAGE),
        Some(Action::DrawerOldest) => t.to_top(),
        Some(Action::DrawerNewest) => t.to_tail(),
        Some(Action::DrawerTimes) => t.absolute_times = !t.absolute_times,
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
