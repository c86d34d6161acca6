//! The header line: environment, how many cards stand how (`64 · 60 active · 2 failed`),
//! space (and whether its cluster answers), namespace, zoom, read-only, the live or offline
//! state, and the backend. A narrow terminal drops the least important parts first; the
//! live/offline state and the failures stay.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::status::{Palette, status_symbol, status_word};
use crate::app::State;
use crate::app::state::Connection;
use crate::backend::LiveMode;
use crate::backend::model::*;

/// How important a part is: the lower, the longer it stays on a narrow terminal.
type Rank = u8;

/// A part of the header, as it reads when there is room, then shorter forms (each with its
/// own rank) that take its place before it goes.
struct Part {
    forms: Vec<(Rank, Vec<Span<'static>>)>,
}

impl Part {
    fn one(rank: Rank, spans: Vec<Span<'static>>) -> Self {
        Self {
            forms: vec![(rank, spans)],
        }
    }

    fn rank(&self) -> Rank {
        self.forms.first().map_or(0, |f| f.0)
    }

    fn width(&self) -> usize {
        self.forms
            .first()
            .map_or(0, |f| f.1.iter().map(Span::width).sum())
    }
}

/// The statuses in the order the counts name them.
const ORDER: [DeploymentStatus; 7] = [
    DeploymentStatus::Active,
    DeploymentStatus::Failed,
    DeploymentStatus::RollingOut,
    DeploymentStatus::Deploying,
    DeploymentStatus::Building,
    DeploymentStatus::Pending,
    DeploymentStatus::TearingDown,
];

/// "64 · 60 active · 2 failed · 1 rolling out": the cards, and how many stand how.
pub fn counts(deployments: &[Deployment]) -> Vec<(DeploymentStatus, usize)> {
    ORDER
        .iter()
        .map(|s| (*s, deployments.iter().filter(|d| d.status == *s).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Shortens, then drops, the least important parts until the header fits in `width`; then
/// brings back, most important first, what fits again beside the shortened ones. A dropped
/// part leaves `None` in its place.
fn fit(parts: &mut [Option<Part>], width: usize) {
    let total = |parts: &[Option<Part>]| parts.iter().flatten().map(Part::width).sum::<usize>();
    let mut dropped: Vec<(usize, Part)> = Vec::new();
    while total(parts) > width {
        let Some(worst) = parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| (i, p.rank())))
            .filter(|(_, rank)| *rank > 0)
            .max_by_key(|(i, rank)| (*rank, *i))
            .map(|(i, _)| i)
        else {
            return;
        };
        let Some(part) = parts[worst].as_mut() else {
            return;
        };
        if part.forms.len() > 1 {
            // Its shorter form takes its place.
            part.forms.remove(0);
        } else if let Some(gone) = parts[worst].take() {
            dropped.push((worst, gone));
        }
    }
    dropped.sort_by_key(|(_, p)| p.rank());
    for (at, part) in dropped {
        if total(parts) + part.width() <= width {
            parts[at] = Some(part);
        }
    }
}

pub fn line(state: &State, palette: &Palette, width: u16) -> Line<'static> {
    let bold = palette.style(Style::default().add_modifier(Modifier::BOLD));
    let mut parts: Vec<Part> = vec![Part::one(0, vec![Span::styled(" zopdeck ", bold)])];
    match &state.model.environment {
        Some(env) => {
            parts.push(Part::one(
                1,
                vec![Span::raw(format!("│ env {} ", env.name))],
            ));
            let deployments = &state.model.deployments;
            if !deployments.is_empty() {
                let counts = counts(deployments);
                let style = |status| match status {
                    DeploymentStatus::Failed => palette.error(),
                    _ => Style::default(),
                };
                let mut long = vec![Span::raw(format!("│ {} ", deployments.len()))];
                let mut short = long.clone();
                for (status, n) in &counts {
                    let (symbol, word) = (status_symbol(*status), status_word(*status));
                    let long_text = match status {
                        DeploymentStatus::Failed => format!("· {symbol} {n} {word} "),
                        _ => format!("· {n} {word} "),
                    };
                    long.push(Span::styled(long_text, style(*status)));
                    short.push(Span::styled(format!("{symbol}{n} "), style(*status)));
                }
                parts.push(Part {
                    forms: vec![(3, long), (2, short)],
                });
            }
            let space = match &state.model.space {
                Some(s) if s.cloud_account_id == SANDBOX_ACCOUNT => {
                    format!("{} (simulated)", s.name)
                }
                Some(s) => s.name.clone(),
                None => env.space_id.clone(),
            };
            let mut spans = vec![Span::raw(format!("│ space {space} "))];
            let trouble = state
                .model
                .space
                .as_ref()
                .and_then(|s| s.reachability.as_ref())
                .filter(|r| r.status != ReachabilityStatus::Reachable);
            if let Some(r) = trouble {
                spans.push(Span::styled(
                    format!("✗ {} ", r.status.as_str()),
                    palette.error(),
                ));
            }
            // An unreachable cluster is as important as the live state.
            parts.push(Part::one(if trouble.is_some() { 1 } else { 4 }, spans));
            parts.push(Part::one(
                5,
                vec![Span::raw(format!("│ ns {} ", env.namespace))],
            ));
        }
        None if state.model.loaded => {
            parts.push(Part::one(1, vec![Span::raw("│ no environment ")]))
        }
        None => parts.push(Part::one(1, vec![Span::raw("│ loading… ")])),
    }
    parts.push(Part::one(
        6,
        vec![Span::raw(format!(
            "│ {}% ",
            state.canvas.viewport.zoom.percent()
        ))],
    ));
    if state.read_only {
        parts.push(Part::one(1, vec![Span::styled("│ READ-ONLY ", bold)]));
    }
    let live = match &state.link.connection {
        Connection::Connected => Span::raw(match state.model.live {
            LiveMode::Pushed if state.model.viewer => "│ ● live · viewer ".to_string(),
            LiveMode::Pushed => "│ ● live ".to_string(),
            LiveMode::Stream => "│ ● live · stream ".to_string(),
            LiveMode::Polling => format!("│ ◌ polling · {} s ", state.poll.interval.as_secs()),
        }),
        Connection::Offline(why) => Span::styled(format!("│ ✗ offline — {why} "), palette.error()),
        Connection::Rejected(why) => Span::styled(
            if why.contains("zopdeck login") {
                "│ ✗ token rejected — run zopdeck login "
            } else {
                "│ ✗ refused by the server (see below) "
            },
            palette.error(),
        ),
    };
    parts.push(Part::one(0, vec![live]));
    let mut parts: Vec<Option<Part>> = parts.into_iter().map(Some).collect();
    fit(&mut parts, usize::from(width));
    // Last and longest: shown as far as there is room.
    let mut spans: Vec<Span<'static>> = parts
        .into_iter()
        .flatten()
        .filter_map(|p| p.forms.into_iter().next())
        .flat_map(|(_, s)| s)
        .collect();
    spans.push(Span::raw(format!("│ {}", state.backend_label)));
    Line::from(spans)
}
