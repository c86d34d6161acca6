//! One deployment card, drawn into a buffer of the card's size; the canvas copies the part
//! that is on screen (so cards at the edge are clipped, not squeezed).

use ratatui::buffer::Buffer;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};

use super::canvas::View;
use super::status::{Palette, SPINNER, status_symbol, status_word};
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

/// The tag of an image reference ("2.3.1" of "ghcr.io/acme/web:2.3.1"), else the last part.
fn tag(image: &str) -> &str {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.rsplit_once(':').map_or(last, |(_, t)| t)
}

/// `text` in lines of `width`, broken after dots (an address breaks between its labels).
fn at_dots(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for part in text.split_inclusive('.') {
        if !line.is_empty() && line.chars().count() + part.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        line.push_str(part);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
        .into_iter()
        .flat_map(|l| {
            // A label longer than a line is cut across lines.
            let chars: Vec<char> = l.chars().collect();
            chars
                .chunks(width.max(1))
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What a bordered card says, most important first, in as many lines as it has: the status,
/// why it failed or was changed by hand, readiness and the image's tag, the address (or the
/// wait for it), then — on a big card — the image and the namespace.
fn body(
    view: &View,
    d: &Deployment,
    head: Line<'static>,
    (width, height): (u16, u16),
    tag_in_title: bool,
    palette: &Palette,
) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let status_style = palette.status(d.status);
    let mut lines = vec![head];
    // Said before anything else: what runs is not what zopdeck last applied.
    if let Some(drift) = &d.drift {
        lines.push(Line::from(Span::styled(
            ellipsize(&format!("⚠ helm #{} by hand", drift.helm_revision), width),
            palette.status(DeploymentStatus::Failed),
        )));
    }
    if d.status == DeploymentStatus::Failed
        && let Some(f) = view.model.failures.get(&d.id)
    {
        // One line: the detail panel (Enter) has the whole reason.
        lines.push(Line::from(Span::styled(
            ellipsize(&short_reason(f), width),
            status_style,
        )));
    }
    let image = view.model.image_of(d);
    let readiness = view.model.readiness(d);
    let mut ready_line = readiness.map(|(ready, desired)| {
        let mut text = format!("{ready}/{desired} ready");
        if let Some(image) = image.filter(|_| !tag_in_title) {
            text.push_str(&format!(" · {}", tag(image)));
        }
        text
    });
    let address = match view.model.loadbalancers.get(&d.id) {
        Some(LoadBalancer {
            status: LbStatus::Ready,
            address: Some(a),
            ..
        }) => at_dots(a, width),
        _ => Vec::new(),
    };
    // Short of room, the readiness joins the status line (the tag is in the title then) so
    // that the address is whole.
    if let Some((ready, desired)) = readiness {
        let short = format!("{ready}/{desired}");
        let head_width = lines[0].width();
        let needed = lines.len() + 1 + address.len();
        if needed > usize::from(height) && head_width + 3 + short.chars().count() <= width {
            lines[0].spans.push(Span::raw(format!(" · {short}")));
            ready_line = None;
        }
    }
    if let Some(text) = ready_line {
        lines.push(Line::from(ellipsize(&text, width)));
    }
    match view.model.loadbalancers.get(&d.id) {
        Some(LoadBalancer {
            status: LbStatus::Ready,
            address: Some(_),
            ..
        }) => lines.extend(address.into_iter().map(Line::from)),
        Some(LoadBalancer {
            status: LbStatus::Pending,
            ..
        }) => lines.push(Line::from(ellipsize(
            &format!(
                "{} Waiting for public address…",
                SPINNER[view.spinner % SPINNER.len()]
            ),
            width,
        ))),
        _ => {}
    }
    if usize::from(height) > lines.len() + 1 {
        if let Some(image) = image {
            lines.push(Line::from(Span::styled(
                ellipsize(image, width),
                palette.dim(),
            )));
        }
        if d.source_type == SourceType::Git {
            lines.push(Line::from(Span::styled(
                ellipsize(&d.source_label(), width),
                palette.dim(),
            )));
        }
        lines.push(Line::from(Span::styled(
            ellipsize(&format!("ns {}", d.namespace), width),
            palette.dim(),
        )));
    }
    if lines.len() > usize::from(height) {
        // What does not fit is said to be cut: the LoadBalancer panel (b) has it whole.
        lines.truncate(usize::from(height));
        if let Some(last) = lines.last_mut() {
            let text: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            *last = Line::from(ellipsize(&format!("{text}…"), width));
        }
    }
    lines
}

pub fn render(view: &View, d: &Deployment, look: &CardLook, palette: &Palette, buf: &mut Buffer) {
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
    let rev = view
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
        // The image's tag in the title, where there is room for it.
        let tag = view.model.image_of(d).map(tag).unwrap_or_default();
        let room = usize::from(area.width).saturating_sub(4);
        let tag_in_title = !look.dragged
            && !tag.is_empty()
            && d.name.chars().count() + tag.chars().count() + 3 <= room;
        let title = if look.dragged {
            format!(" {} (moving) ", d.name)
        } else if tag_in_title {
            format!(" {} · {tag} ", d.name)
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
        let serving = view
            .model
            .failures
            .get(&d.id)
            .and_then(|f| f.serving)
            .filter(|_| d.status == DeploymentStatus::Failed);
        let head = match serving {
            // A small card (50 %): the symbol, the revision, the readiness.
            _ if inner.width < 16 => {
                let ready = view
                    .model
                    .readiness(d)
                    .map_or(String::new(), |(r, t)| format!(" {r}/{t}"));
                Line::from(vec![
                    Span::styled(status_symbol(d.status).to_string(), status_style),
                    Span::raw(format!(" {rev}{ready}")),
                ])
            }
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
        let lines = body(
            view,
            d,
            head,
            (inner.width, inner.height),
            tag_in_title,
            palette,
        );
        Paragraph::new(lines).render(inner, buf);
    }
    if look.selected && area.height < 3 {
        // No border to double: the selection is shown reversed.
        buf.set_style(area, Style::default().add_modifier(Modifier::REVERSED));
    }
    if look.dimmed {
        buf.set_style(area, palette.dim());
    }
}
