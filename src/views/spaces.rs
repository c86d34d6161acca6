//! The spaces view (`Overlay::Spaces`): tabs of spaces, namespaces and environments, the
//! selected space's details (with why its cluster does not answer), the keys of the tab, and
//! the forms, pick lists and confirm questions drawn over it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Cell, Clear, List, ListItem, ListState, Paragraph, Row, Table, TableState, Wrap,
};

use super::overlays::{centered, panel};
use super::status::Palette;
use super::wrapped;
use crate::app::State;
use crate::app::keymap::Action;
use crate::app::spaces::form::{Form, Input, PickFrom};
use crate::app::spaces::{Catalog, Confirm, SpacesView, Tab, cluster_of};
use crate::backend::model::*;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, palette: &Palette, view: &SpacesView) {
    let r = centered(
        area,
        area.width.saturating_sub(2).min(130),
        area.height.saturating_sub(1),
    );
    frame.render_widget(Clear, r);
    let block = panel(" spaces · namespaces · environments ");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let mut keys = key_lines(state, view, inner.width as usize, palette);
    // A refusal can be long (why a space is not deleted): whole, above the keys.
    if let Some((text, crate::app::state::MessageKind::Error)) = &state.message {
        let why = wrapped(" ✗ ", text, inner.width as usize);
        keys.splice(0..0, why.into_iter().map(|l| l.style(palette.error())));
    }
    let [tabs, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(keys.len() as u16),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(tab_line(view, palette)), tabs);
    frame.render_widget(Paragraph::new(keys), footer);
    match (&view.catalog, &view.error) {
        (None, _) => frame.render_widget(Paragraph::new("  loading…"), body),
        (Some(_), Some(e)) => frame.render_widget(
            Paragraph::new(wrapped("  ✗ ", e, body.width as usize)).style(palette.error()),
            body,
        ),
        (Some(c), None) => match view.tab {
            Tab::Spaces => spaces(frame, body, state, view, c, palette),
            Tab::Namespaces => namespaces(frame, body, state, view, c, palette),
            Tab::Environments => environments(frame, body, state, view, c, palette),
        },
    }
    if let Some(form) = &view.form {
        draw_form(frame, r, form, view.catalog.as_ref(), palette);
    }
    if let Some(confirm) = &view.confirm {
        draw_confirm(frame, r, confirm);
    }
}

fn tab_line(view: &SpacesView, palette: &Palette) -> Vec<Line<'static>> {
    let mut spans = vec![Span::raw(" ")];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let text = format!(" {} {} ", i + 1, tab.title());
        let style = if *tab == view.tab {
            palette.style(Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD))
        } else {
            palette.dim()
        };
        spans.push(Span::styled(text, style));
        spans.push(Span::raw(" "));
    }
    vec![Line::from(spans), Line::from("")]
}

fn header(cells: &[&str]) -> Row<'static> {
    Row::new(cells.iter().map(|c| Cell::from(c.to_string())))
        .style(Style::default().add_modifier(Modifier::BOLD))
}

fn table(
    frame: &mut Frame,
    area: Rect,
    head: Row<'static>,
    rows: Vec<Row<'static>>,
    widths: &[Constraint],
    selected: usize,
    palette: &Palette,
) {
    let n = rows.len();
    let t = Table::new(rows, widths.to_vec())
        .header(head)
        .column_spacing(2)
        .row_highlight_style(palette.style(Style::default().add_modifier(Modifier::REVERSED)))
        .highlight_symbol("▶ ");
    let mut ts = TableState::default().with_selected((n > 0).then_some(selected.min(n - 1)));
    frame.render_stateful_widget(t, area, &mut ts);
}

/// A space's live status: a symbol and a word, coloured on top.
pub fn space_status(s: &Space, palette: &Palette) -> (String, Style) {
    if s.status == SpaceStatus::Inactive {
        return ("○ inactive".into(), palette.dim());
    }
    match &s.reachability {
        None if s.cloud_account_id == SANDBOX_ACCOUNT => ("● simulated".into(), Style::default()),
        None => ("● active".into(), Style::default()),
        Some(r) if r.status == ReachabilityStatus::Reachable => (
            "● reachable".into(),
            palette.status(DeploymentStatus::Active),
        ),
        Some(r) => (format!("✗ {}", r.status.as_str()), palette.error()),
    }
}

fn spaces(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &SpacesView,
    c: &Catalog,
    palette: &Palette,
) {
    if c.spaces.is_empty() {
        let text = if c.local_kubeconfig {
            "  No space yet. Press c to register one of your kubeconfig contexts, or n for a \
             cloud account's cluster."
        } else {
            "  No space is visible to this token. Press n to register a cloud account's cluster."
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
        return;
    }
    let detail = view
        .selected_space()
        .map(|s| space_detail(state, s, area.width as usize, palette))
        .unwrap_or_default();
    // The details right under the list's last row.
    let room = area.height.saturating_sub(detail.len() as u16 + 1).max(3);
    let [list, _, more, _] = Layout::vertical([
        Constraint::Length((c.spaces.len() as u16 + 1).min(room)),
        Constraint::Length(1),
        Constraint::Length(detail.len() as u16),
        Constraint::Min(0),
    ])
    .areas(area);
    let rows = c
        .spaces
        .iter()
        .map(|s| {
            let (status, style) = space_status(s, palette);
            let here = state.model.space.as_ref().is_some_and(|x| x.id == s.id);
            Row::new(vec![
                Cell::from(format!("{}{}", s.name, if here { " •" } else { "" })),
                Cell::from(s.provider.clone()),
                Cell::from(Span::styled(status, style)),
                Cell::from(s.config_value("clusterName").unwrap_or_else(|| "–".into())),
                Cell::from(s.config_value("region").unwrap_or_else(|| "–".into())),
                Cell::from(c.environments_of(&s.id).to_string()),
                Cell::from(
                    c.deployments_by_space
                        .get(&s.id)
                        .copied()
                        .unwrap_or(0)
                        .to_string(),
                ),
            ])
        })
        .collect();
    table(
        frame,
        list,
        header(&[
            "NAME", "PROVIDER", "STATUS", "CLUSTER", "REGION", "ENVS", "DEPLOYS",
        ]),
        rows,
        &[
            Constraint::Fill(3),
            Constraint::Length(10),
            Constraint::Length(13),
            Constraint::Fill(3),
            Constraint::Min(10),
            Constraint::Length(4),
            Constraint::Length(7),
        ],
        view.space,
        palette,
    );
    frame.render_widget(Paragraph::new(detail), more);
}

/// The selected space in full: type, account, cluster, and why it does not answer.
fn space_detail(state: &State, s: &Space, width: usize, palette: &Palette) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!(" {} · {} · {}", s.name, s.space_type, s.id),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    let cluster = match cluster_of(s) {
        Some((account, region, cluster)) => format!("{account} / {region} / {cluster}"),
        None => s.cloud_account_id.clone(),
    };
    lines.push(Line::from(format!(" cluster  {cluster}")));
    if let Some(ctx) = s.config_value("context") {
        let file = s.config_value("kubeconfig").unwrap_or_default();
        lines.extend(wrapped(" context  ", &format!("{ctx} ({file})"), width));
    }
    if let Some(r) = &s.reachability
        && r.status != ReachabilityStatus::Reachable
    {
        let why = r
            .message
            .clone()
            .unwrap_or_else(|| r.status.as_str().into());
        let checked = super::panels::age_of(&r.checked_at, state.now);
        for l in wrapped(" ✗ ", &format!("{why} (checked {checked} ago)"), width) {
            lines.push(l.style(palette.error()));
        }
    }
    lines
}

fn namespaces(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &SpacesView,
    c: &Catalog,
    palette: &Palette,
) {
    let Some(space) = view.selected_space() else {
        frame.render_widget(
            Paragraph::new("  No space yet: register one on the spaces tab (1)."),
            area,
        );
        return;
    };
    let [title, list] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    let (status, style) = space_status(space, palette);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!(" namespaces of space {} ", space.name),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(status, style),
            Span::styled(
                "   (↑↓ on the spaces tab picks another space)",
                palette.dim(),
            ),
        ])),
        title,
    );
    let Some(ns) = view.namespaces.as_ref().filter(|n| n.space_id == space.id) else {
        return;
    };
    let Some(items) = &ns.list else {
        frame.render_widget(Paragraph::new("  loading…"), list);
        return;
    };
    if let Some(e) = &ns.error {
        frame.render_widget(
            Paragraph::new(wrapped("  ✗ ", e, list.width as usize)).style(palette.error()),
            list,
        );
        return;
    }
    if items.is_empty() {
        frame.render_widget(Paragraph::new("  No namespace yet: n creates one."), list);
        return;
    }
    let rows = items
        .iter()
        .map(|n| {
            let env = c
                .bound(&space.id, &n.name)
                .map_or_else(|| "–".to_string(), |e| e.name.clone());
            Row::new(vec![
                Cell::from(n.name.clone()),
                Cell::from(if n.managed_by_zopnight { "yes" } else { "no" }),
                Cell::from(env),
                Cell::from(
                    n.created_at
                        .map_or("–".into(), |t| super::panels::age_of(&t, state.now)),
                ),
            ])
        })
        .collect();
    table(
        frame,
        list,
        header(&["NAME", "MANAGED", "ENVIRONMENT", "AGE"]),
        rows,
        &[
            Constraint::Fill(3),
            Constraint::Length(8),
            Constraint::Fill(2),
            Constraint::Length(5),
        ],
        view.namespace,
        palette,
    );
}

fn environments(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &SpacesView,
    c: &Catalog,
    palette: &Palette,
) {
    let envs = view.environments();
    if envs.is_empty() {
        frame.render_widget(
            Paragraph::new("  No environment yet: n creates one (a space and a namespace)."),
            area,
        );
        return;
    }
    let rows = envs
        .iter()
        .map(|e| {
            let space = c
                .spaces
                .iter()
                .find(|s| s.id == e.space_id)
                .map_or_else(|| e.space_id.clone(), |s| s.name.clone());
            let here = state
                .model
                .environment
                .as_ref()
                .is_some_and(|x| x.id == e.id);
            Row::new(vec![
                Cell::from(format!("{}{}", e.name, if here { " •" } else { "" })),
                Cell::from(space),
                Cell::from(e.namespace.clone()),
                Cell::from(e.registry_url.clone().unwrap_or_else(|| "–".into())),
                Cell::from(
                    c.deployments_by_env
                        .get(&e.id)
                        .copied()
                        .unwrap_or(0)
                        .to_string(),
                ),
            ])
        })
        .collect();
    table(
        frame,
        area,
        header(&["NAME", "SPACE", "NAMESPACE", "REGISTRY", "DEPLOYS"]),
        rows,
        &[
            Constraint::Fill(2),
            Constraint::Fill(2),
            Constraint::Fill(2),
            Constraint::Fill(3),
            Constraint::Length(7),
        ],
        view.environment,
        palette,
    );
}

/// The keys of the tab, wrapped to the width; changing keys say when read-only.
fn key_lines(
    state: &State,
    view: &SpacesView,
    width: usize,
    palette: &Palette,
) -> Vec<Line<'static>> {
    if let Some(busy) = &view.busy {
        return vec![Line::from(format!(" {busy}"))];
    }
    let km = &state.keymap;
    let k = |a: Action, what: &str| format!("{} {what}", km.first(a));
    let (reads, changes): (Vec<String>, Vec<String>) = match view.tab {
        Tab::Spaces => {
            let local = view.catalog.as_ref().is_none_or(|c| c.local_kubeconfig);
            let mut changes = vec![k(Action::RegisterSpace, "register (cloud account)")];
            if local {
                changes.push(k(Action::RegisterContext, "register (kubeconfig context)"));
            }
            changes.extend([
                k(Action::NewEnvironment, "new environment"),
                k(Action::ToggleSpace, "activate/deactivate"),
                k(Action::GrantAccess, "grant access"),
                k(Action::RevokeAccess, "revoke access"),
                k(Action::DeleteSpace, "delete"),
            ]);
            (vec![k(Action::OpenItem, "namespaces")], changes)
        }
        Tab::Namespaces => (
            vec![k(Action::OpenItem, "its environment")],
            vec![k(Action::NewItem, "new namespace")],
        ),
        Tab::Environments => (
            vec![k(Action::OpenItem, "show its canvas")],
            vec![k(Action::NewItem, "new environment")],
        ),
    };
    let mut parts = vec![format!(
        "{}/{} choose",
        km.first(Action::Down),
        km.first(Action::Up)
    )];
    parts.extend(reads);
    if state.read_only {
        parts.push("(read-only: no changes)".into());
    } else {
        parts.extend(changes);
    }
    parts.extend([
        format!("{}/1-3 list", km.first(Action::NextList)),
        k(Action::ReloadList, "reload"),
        k(Action::Close, "close"),
    ]);
    wrapped(" ", &parts.join(" · "), width)
        .into_iter()
        .map(|l| l.style(palette.dim()))
        .collect()
}

fn draw_form(
    frame: &mut Frame,
    area: Rect,
    form: &Form,
    catalog: Option<&Catalog>,
    palette: &Palette,
) {
    let errors = form.shown_errors();
    let mut lines = Vec::new();
    let width = area.width.saturating_sub(4).min(90) as usize;
    for (i, f) in form.fields.iter().enumerate() {
        let here = i == form.focus;
        let value = match &f.input {
            Input::Choice(options) if options.is_empty() => "(none)".to_string(),
            Input::Choice(_) => format!("◂ {} ▸", f.shown()),
            _ => f.value.clone(),
        };
        let cursor = if here && !matches!(f.input, Input::Choice(_)) {
            "▏"
        } else {
            ""
        };
        let mut spans = vec![
            Span::raw(if here { "▶ " } else { "  " }),
            Span::styled(
                format!("{:<15}", f.label),
                if here {
                    Style::default().add_modifier(Modifier::BOLD)
                } else {
                    Style::default()
                },
            ),
            Span::raw(format!("{value}{cursor}")),
        ];
        if f.value.is_empty() && !f.hint.is_empty() {
            spans.push(Span::styled(format!(" {}", f.hint), palette.dim()));
        }
        lines.push(Line::from(spans));
        for (_, message) in errors.iter().filter(|(at, _)| *at == i) {
            for l in wrapped("                 ", message, width) {
                lines.push(l.style(palette.error()));
            }
        }
    }
    if let crate::app::spaces::form::FormKind::Environment = form.kind
        && catalog.is_some_and(|c| c.spaces.is_empty())
    {
        lines.push(Line::from(Span::styled(
            "  no space yet: Esc, then register one on the spaces tab",
            palette.error(),
        )));
    }
    lines.push(Line::from(""));
    let hint = if form.submitting {
        "sending…".to_string()
    } else {
        form_keys(form)
    };
    lines.extend(
        wrapped(" ", &hint, width)
            .into_iter()
            .map(|l| l.style(palette.dim())),
    );
    let r = centered(area, width as u16 + 2, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(panel(form.title())), r);
    if let Some(p) = &form.picker {
        draw_picker(frame, area, p, palette);
    }
}

/// The keys of a form: only those its fields use.
fn form_keys(form: &Form) -> String {
    let mut parts = Vec::new();
    if form.fields.len() > 1 {
        parts.push("Tab/↑↓ field".to_string());
    }
    if form
        .fields
        .iter()
        .any(|f| matches!(f.input, Input::Choice(_)))
    {
        parts.push("←→ choose".into());
    }
    let picks: Vec<&str> = form
        .fields
        .iter()
        .filter(|f| matches!(f.input, Input::Pick(_)))
        .map(|f| f.label)
        .collect();
    if !picks.is_empty() {
        parts.push(format!("Enter on {}: pick from a list", picks.join("/")));
    }
    parts.push("Enter or Ctrl-S create".into());
    parts.push("Esc cancel".into());
    parts.join(" · ")
}

fn draw_picker(
    frame: &mut Frame,
    area: Rect,
    p: &crate::app::spaces::form::Picker,
    palette: &Palette,
) {
    let items = p.visible();
    let h = (items.len() as u16 + 4).clamp(6, 16);
    let r = centered(area, area.width.saturating_sub(6).min(100), h);
    frame.render_widget(Clear, r);
    let what = match p.from {
        PickFrom::Contexts => "a kubeconfig context",
        PickFrom::Clusters => "a cluster of the account",
        PickFrom::Namespaces => "a namespace of the space",
    };
    let block = panel(format!(
        " pick {what} · type to filter · Enter pick · Esc back "
    ));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [input, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(format!("> {}▏", p.query)), input);
    let text = match (&p.items, &p.error) {
        (None, _) => Some("  loading…".to_string()),
        (_, Some(e)) => Some(format!("  ✗ {e}")),
        (Some(_), None) if items.is_empty() => {
            Some("  nothing to pick: type the value".to_string())
        }
        _ => None,
    };
    if let Some(text) = text {
        let style = if p.error.is_some() {
            palette.error()
        } else {
            Style::default()
        };
        frame.render_widget(
            Paragraph::new(text).style(style).wrap(Wrap { trim: false }),
            rest,
        );
        return;
    }
    let list = List::new(items.iter().map(|i| ListItem::new(i.label.clone())))
        .highlight_style(palette.style(Style::default().add_modifier(Modifier::REVERSED)))
        .highlight_symbol("▶ ");
    let mut ls = ListState::default().with_selected(Some(p.selected.min(items.len() - 1)));
    frame.render_stateful_widget(list, rest, &mut ls);
}

fn draw_confirm(frame: &mut Frame, area: Rect, confirm: &Confirm) {
    let (title, text) = match confirm {
        Confirm::DeleteSpace { name, .. } => (
            " delete space? ",
            format!(
                "Delete space {name}? It is refused while deployments remain in it.\n\ny: delete   any other key: cancel"
            ),
        ),
        Confirm::RevokeAccess { cluster, .. } => (
            " revoke access? ",
            format!(
                "Revoke access to cluster {cluster}? Its spaces cannot deploy until access is granted again.\n\ny: revoke   any other key: cancel"
            ),
        ),
    };
    super::overlays::confirm_box(frame, area, title, text, 70);
}
