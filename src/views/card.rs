//! One deployment card, drawn into a buffer of the card's size; the canvas copies the part
//! that is on screen (so cards at the edge are clipped, not squeezed).

use ratatui::buffer::Buffer;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};

use super::status::{Palette, SPINNER, status_symbol, status_word};
use crate::app::State;
use crate::app::model::Failure;
use crate::backend::model::*;

/// How a card stands out: selection is a double border (shape, not only colour).
pub struct CardLook {
    pub selected: bool,
    pub dragged: bool,
    pub dimmed: bool,
}

/// A failure in a few words, for a card's one line: "CrashLoopBackOff: exit 1",
/// "3 Pending: insufficient capacity", "ImagePullBackOff", "build failed: exit 2".
pub fn short_reason(f: &Failure) -> String {
    let r = f.reason.trim();
    let exit = r
        .split("exited with code ")
        .nth(1)
        .or_else(|| r.split("exit status: ").nth(1))
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .filter(|n| !n.is_empty());
    if r.starts_with("CrashLoopBackOff") {
        return match exit {
            Some(n) => format!("CrashLoopBackOff: exit {n}"),
            None => "CrashLoopBackOff".into(),
        };
    }
    if let Some((count, rest)) = r.split_once(" pod(s) Pending: ") {
        let cause: String = rest
            .split(['(', ';', ','])
            .next()
            .unwrap_or(rest)
            .trim()
            .to_lowercase();
        return format!("{count} Pending: {cause}");
    }
    for word in [
        "ErrImagePull",
        "ImagePullBackOff",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "Unschedulable",
        "ProgressDeadlineExceeded",
    ] {
        if r.starts_with(word) {
            return word.into();
        }
    }
    if f.stage == Stage::Building {
        return match exit {
            Some(n) => format!("build failed: exit {n}"),
            None => format!("build failed: {}", first_clause(r)),
        };
    }
    first_clause(r)
}

/// `text` cut to `width` columns, with "…" when cut.
pub fn ellipsize(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The text up to its first pause (";", " (", " — ", ": " after a long head).
fn first_clause(text: &str) -> String {
    let end = [";", " (", " — ", "\n"]
        .iter()
        .filter_map(|p| text.find(p))
        .min()
        .unwrap_or(text.len());
    text[..end].trim().to_string()
}

/// The line under the status: why it failed, readiness while rolling out, else the address
/// (or the wait).
fn detail_line(state: &State, d: &Deployment) -> Option<String> {
    if d.status == DeploymentStatus::Failed
        && let Some(f) = state.model.failures.get(&d.id)
    {
        return Some(short_reason(f));
    }
    if d.status == DeploymentStatus::RollingOut
        && let Some((r, t)) = state.model.progress.get(&d.id)
    {
        return Some(format!("{r}/{t} ready"));
    }
    match state.model.loadbalancers.get(&d.id) {
        Some(LoadBalancer {
            status: LbStatus::Ready,
            address: Some(a),
            ..
        }) => Some(a.clone()),
        Some(LoadBalancer {
            status: LbStatus::Pending,
            ..
        }) => Some(format!(
            "{} Waiting for public address…",
            SPINNER[state.spinner % SPINNER.len()]
        )),
        _ => None,
    }
}

pub fn render(state: &State, d: &Deployment, look: &CardLook, palette: &Palette, buf: &mut Buffer) {
    let area = buf.area;
    let status_style = palette.status(d.status);
    let mut border_style = if look.selected {
        palette.style(Style::default().add_modifier(Modifier::BOLD))
    } else {
        Style::default()
    };
    if look.selected {
        border_style = border_style.patch(status_style);
    }
    let rev = state
        .model
        .revision_number(d)
        .map_or(String::new(), |n| format!("#{n}"));
    let status = Span::styled(
        format!("{} {}", status_symbol(d.status), status_word(d.status)),
        status_style,
    );
    let name_style = Style::default().add_modifier(Modifier::BOLD);

    if area.height == 1 {
        // 25 %: one line, the status's symbol (which parts it from the card before) and the
        // name.
        let room = usize::from(area.width).saturating_sub(1);
        let line = Line::from(vec![
            Span::styled(status_symbol(d.status), status_style),
            Span::styled(ellipsize(&d.name, room), name_style),
        ]);
        Paragraph::new(line).render(area, buf);
    } else if area.height < 3 {
        // Tiny card (clipped, or a small zoom): name and status only, no border.
        let lines = vec![
            Line::from(Span::styled(d.name.clone(), name_style)),
            Line::from(vec![status, Span::raw(format!(" {rev}"))]),
        ];
        Paragraph::new(lines).render(area, buf);
    } else {
        let title = if look.dragged {
            format!(" {} (moving) ", d.name)
        } else {
            format!(" {} ", d.name)
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(if look.selected {
                BorderType::Double
            } else {
                BorderType::Rounded
            })
            .border_style(border_style)
            .title(Span::styled(title, name_style));
        let inner = block.inner(area);
        block.render(area, buf);
        let serving = state
            .model
            .failures
            .get(&d.id)
            .and_then(|f| f.serving)
            .filter(|_| d.status == DeploymentStatus::Failed);
        let head = match serving {
            // The new revision failed; the previous one still runs.
            Some(n) => Line::from(vec![
                Span::styled(
                    format!("{} {rev} failed", status_symbol(d.status)),
                    status_style,
                ),
                Span::raw(format!(" · #{n} serving")),
            ]),
            None => Line::from(vec![status, Span::raw(format!("  {rev}"))]),
        };
        let mut lines = vec![head];
        // Said before anything else: what runs is not what zopdeck last applied.
        if let Some(drift) = &d.drift {
            lines.push(Line::from(Span::styled(
                format!("⚠ helm #{} by hand", drift.helm_revision),
                palette.status(DeploymentStatus::Failed),
            )));
        }
        if let Some(detail) = detail_line(state, d) {
            if d.status == DeploymentStatus::Failed {
                // One line: the detail panel (Enter) has the whole reason.
                let one = ellipsize(&detail, usize::from(inner.width));
                lines.push(Line::from(Span::styled(one, status_style)));
            } else {
                lines.push(Line::from(detail));
            }
        }
        if inner.height >= 5 {
            let source = d.source_label();
            lines.push(Line::from(Span::styled(source, palette.dim())));
            lines.push(Line::from(Span::styled(
                format!("ns {}", d.namespace),
                palette.dim(),
            )));
        }
        // Wrapping costs; only a long line (an address) needs it.
        let long = lines.iter().any(|l| l.width() > usize::from(inner.width));
        let paragraph = Paragraph::new(lines);
        let paragraph = if long {
            paragraph.wrap(ratatui::widgets::Wrap { trim: true })
        } else {
            paragraph
        };
        paragraph.render(inner, buf);
    }
    if look.selected && area.height < 3 {
        // No border to double: the selection is shown reversed.
        buf.set_style(area, Style::default().add_modifier(Modifier::REVERSED));
    }
    if look.dimmed {
        buf.set_style(area, palette.dim());
    }
}
