//! Across environments: the promote panel — the environments to promote to (the board's
//! lanes first), then what the promotion does (this revision against the target's current
//! one, image and configs folded as a rollback's diff, or the target to create) — and taking
//! another environment's card layout (its choice, then the question under the preview).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::overlays::{centered, panel};
use super::panels::image_and_configs_diff;
use super::status::Palette;
use crate::app::State;
use crate::app::keymap::Action;
use crate::app::promote::{Plan, PromotePanel};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, p: &PromotePanel, palette: &Palette) {
    // The choice is short; the diff takes what there is.
    let height = match &p.plan {
        Some(Ok(_)) => area.height.saturating_sub(2),
        _ => (p.targets.len() as u16 + 8).min(area.height.saturating_sub(2)),
    };
    let r = centered(area, area.width.saturating_sub(4).min(100), height);
    frame.render_widget(Clear, r);
    let block = panel(format!(" promote {} from {} ", p.source.name, p.from_env));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [body, keys] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let km = &state.keymap;
    let (lines, hints) = match &p.plan {
        Some(Ok(plan)) => {
            let lines = plan_lines(p, plan, palette);
            let room = usize::from(body.height);
            let top = p.scroll.min(lines.len().saturating_sub(room));
            let back = if p.targets.len() > 1 {
                "another environment"
            } else {
                "close"
            };
            let yes = match &plan.target {
                _ if plan.nothing_to_do() => "",
                Some(_) => "promote",
                None => "create it there",
            };
            let mut hints: Vec<(&[Action], &str)> = vec![];
            if !yes.is_empty() {
                hints.push((&[Action::Yes], yes));
            }
            hints.push((&[Action::Down, Action::Up], "scroll"));
            hints.push((&[Action::Close], back));
            (lines.into_iter().skip(top).collect(), km.hints(&hints))
        }
        _ => (
            pick_lines(state, p, palette),
            km.hints(&[
                (&[Action::Down, Action::Up], "choose"),
                (&[Action::Choose], "see what changes"),
                (&[Action::Close], "close"),
            ]),
        ),
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {hints}"), palette.dim())),
        keys,
    );
}

/// The environments to choose from (those on the board marked), and the loading or the
/// failure of the chosen one's plan.
fn pick_lines(state: &State, p: &PromotePanel, palette: &Palette) -> Vec<Line<'static>> {
    let lanes: Vec<&str> = state
        .board
        .iter()
        .flat_map(|b| b.lanes.iter().map(|l| l.env_id.as_str()))
        .collect();
    let mut lines = vec![Line::from("to which environment?"), Line::from("")];
    for (i, env) in p.targets.iter().enumerate() {
        let on_board = if lanes.contains(&env.id.as_str()) {
            "  (on the board)"
        } else {
            ""
        };
        let text = format!("  {}  namespace {}{on_board}", env.name, env.namespace);
        lines.push(if i == p.selected {
            Line::from(Span::styled(
                format!("▶{}", &text[1..]),
                palette.style(Style::default().add_modifier(Modifier::REVERSED)),
            ))
        } else {
            Line::from(text)
        });
    }
    lines.push(Line::from(""));
    if p.loading {
        lines.push(Line::from("  looking at what would change…"));
    } else if let Some(Err(e)) = &p.plan {
        lines.push(Line::from(Span::styled(
            format!("  ✗ {e}"),
            palette.error(),
        )));
    }
    lines
}

/// What the promotion does, said first, then the diff.
fn plan_lines(p: &PromotePanel, plan: &Plan, palette: &Palette) -> Vec<Line<'static>> {
    let from = &plan.from;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let source = format!("{} #{}", p.from_env, from.number);
    let mut lines = vec![];
    match &plan.target {
        Some((target, current)) => {
            let now = current
                .as_ref()
                .map_or("no revision yet".to_string(), |c| format!("#{}", c.number));
            lines.push(Line::from(Span::styled(
                format!(
                    "{} in {} ({now}) → a new revision with the image and configs of {source}",
                    target.name, plan.to_env.name
                ),
                bold,
            )));
            if plan.nothing_to_do() {
                lines.push(Line::from(Span::styled(
                    format!("{} already runs them: nothing to promote", plan.to_env.name),
                    palette.dim(),
                )));
            }
            let (image, configs) = current
                .as_ref()
                .map_or((None, "{}"), |c| (c.image.as_deref(), c.configs.as_str()));
            lines.push(Line::from(""));
            lines.extend(image_and_configs_diff(
                (image, configs),
                (from.image.as_deref(), &from.configs),
                palette,
            ));
        }
        None => {
            lines.push(Line::from(Span::styled(
                format!(
                    "{} has no {}: create it there with the image and configs of {source}?",
                    plan.to_env.name, p.source.name
                ),
                bold,
            )));
            lines.push(Line::from(""));
            lines.extend(image_and_configs_diff(
                (None, "{}"),
                (from.image.as_deref(), &from.configs),
                palette,
            ));
        }
    }
    lines
}

/// Taking another environment's layout: the environment to take it from, then — with the
/// cards shown at their new places on the canvas — the question.
pub fn draw_layout(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    copy: &crate::app::layout::LayoutCopy,
    palette: &Palette,
) {
    if let Some(p) = &copy.preview {
        let text = format!(
            "{} card(s) go to their places in {} (shown now); {} without a placed namesake \
             there stay, {} already are in place.\n\ny: place them (u undoes it)   any other \
             key: put them back",
            p.moves.len(),
            p.from_env,
            p.alone,
            p.same
        );
        super::overlays::confirm_box(frame, area, " take a layout ", text, 80);
        return;
    }
    let h = (copy.sources.len() as u16 + 7).min(area.height.saturating_sub(2));
    let r = centered(area, 72, h);
    frame.render_widget(Clear, r);
    let block = panel(" take the card layout of … ");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [body, keys] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let mut lines: Vec<Line> = copy
        .sources
        .iter()
        .enumerate()
        .map(|(i, env)| {
            let text = format!("  {}  namespace {}", env.name, env.namespace);
            if i == copy.selected {
                Line::from(Span::styled(
                    format!("▶{}", &text[1..]),
                    palette.style(Style::default().add_modifier(Modifier::REVERSED)),
                ))
            } else {
                Line::from(text)
            }
        })
        .collect();
    lines.push(Line::from(""));
    if copy.loading {
        lines.push(Line::from("  reading its layout…"));
    } else if let Some(e) = &copy.error {
        lines.push(Line::from(Span::styled(
            format!("  ✗ {e}"),
            palette.error(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), body);
    let hints = state.keymap.hints(&[
        (&[Action::Down, Action::Up], "choose"),
        (&[Action::Choose], "show the cards there"),
        (&[Action::Close], "close"),
    ]);
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {hints}"), palette.dim())),
        keys,
    );
}
