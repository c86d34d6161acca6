//! `v`: the table view — one row per deployment of the environment (of every lane, on the
//! board), sortable by status (failures first), name, revision or age (`o` the next column,
//! `O` the other way). The canvas's keys work on the selected row; ↑/↓ (and Tab) move
//! through the rows, into the next lane's when they cross it.

use std::cmp::Ordering;

use super::effect::{Effect, Effects};
use super::model::Model;
use super::state::State;
use crate::backend::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Status,
    Name,
    Revision,
    Age,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [Self::Status, Self::Name, Self::Revision, Self::Age];

    pub fn label(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Name => "name",
            Self::Revision => "revision",
            Self::Age => "age",
        }
    }

    fn next(self) -> Self {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableView {
    pub sort: SortKey,
    pub reverse: bool,
}

/// A row: the lane it is in (`None`: the focused one, or no board), and the deployment.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub lane: Option<usize>,
    pub env: &'a str,
    pub model: &'a Model,
    pub d: &'a Deployment,
}

/// How urgent a status is: failures first, then what moves, then what is well.
fn urgency(s: DeploymentStatus) -> u8 {
    match s {
        DeploymentStatus::Failed => 0,
        DeploymentStatus::TearingDown => 1,
        DeploymentStatus::RollingOut
        | DeploymentStatus::Deploying
        | DeploymentStatus::Building
        | DeploymentStatus::Pending => 2,
        DeploymentStatus::Active => 3,
    }
}

/// The rows in the table's order. The focused lane's (or environment's) model is the
/// state's; the board's parked lanes come with their index.
pub fn rows(state: &State) -> Vec<Row<'_>> {
    let view = state.table.unwrap_or_default();
    let focus = state.board.as_ref().map(|b| b.focus);
    let here = state
        .board
        .as_ref()
        .and_then(|b| b.lanes.get(b.focus))
        .map(|l| l.name.as_str())
        .or(state.model.environment.as_ref().map(|e| e.name.as_str()))
        .unwrap_or("");
    let mut models: Vec<(Option<usize>, &str, &Model)> = vec![(focus, here, &state.model)];
    if let Some(b) = &state.board {
        models.extend(
            b.parked()
                .map(|(i, l)| (Some(i), l.name.as_str(), &l.model)),
        );
    }
    let mut rows: Vec<Row> = models
        .into_iter()
        .flat_map(|(lane, env, model)| {
            model.deployments.iter().map(move |d| Row {
                lane,
                env,
                model,
                d,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let by = match view.sort {
            SortKey::Status => urgency(a.d.status).cmp(&urgency(b.d.status)),
            SortKey::Name => Ordering::Equal,
            SortKey::Revision => b
                .model
                .revision_number(b.d)
                .cmp(&a.model.revision_number(a.d)),
            SortKey::Age => deployed(b.d).cmp(&deployed(a.d)),
        };
        let by = by
            .then_with(|| a.d.name.cmp(&b.d.name))
            .then_with(|| a.env.cmp(b.env));
        if view.reverse { by.reverse() } else { by }
    });
    rows
}

/// When it was last deployed (or created): the age column counts from it.
pub fn deployed(d: &Deployment) -> Timestamp {
    d.last_deploy_at.unwrap_or(d.created_at)
}

/// `v`: the table, or back to the canvas.
pub fn toggle(table: &mut Option<TableView>) -> Effects {
    *table = match table {
        Some(_) => None,
        None => Some(TableView::default()),
    };
    vec![Effect::ShowSelected]
}

/// `o` / `O`: sort by the next column, or the other way.
pub fn sort(table: &mut Option<TableView>, reverse: bool) -> Effects {
    let Some(t) = table.as_mut() else {
        return vec![Effect::info("sorting is the table's: v shows it")];
    };
    if reverse {
        t.reverse = !t.reverse;
    } else {
        t.sort = t.sort.next();
        t.reverse = false;
    }
    vec![Effect::info(format!(
        "sorted by {}{}",
        t.sort.label(),
        if t.reverse { ", the other way" } else { "" }
    ))]
}

/// Moves the selection `by` rows (into another lane's row when it crosses one).
pub fn step(state: &State, by: isize) -> Effects {
    let rows = rows(state);
    if rows.is_empty() {
        return vec![];
    }
    let focus = state.board.as_ref().map(|b| b.focus);
    let at = rows
        .iter()
        .position(|r| r.lane == focus && state.canvas.selected.as_deref() == Some(&r.d.id));
    let to = match at {
        Some(i) => (i as isize + by).clamp(0, rows.len() as isize - 1) as usize,
        None => 0,
    };
    let row = rows[to];
    let mut effects = vec![];
    if let Some(lane) = row.lane.filter(|l| Some(*l) != focus) {
        effects.push(Effect::FocusLane(lane));
    }
    effects.push(Effect::Select(row.d.id.clone()));
    effects
}
