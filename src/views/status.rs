//! How a status looks: always a symbol and a word, colour only on top (and never with NO_COLOR).

use ratatui::style::{Modifier, Style};

use super::theme::Theme;
use crate::backend::model::DeploymentStatus;

/// How things look: the theme's colours, or none at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub color: bool,
    pub theme: Theme,
}

impl Palette {
    /// Whether colour is wanted: unless `NO_COLOR` is set (to anything non-empty).
    pub fn color_wanted() -> bool {
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    /// The default theme, colour unless `NO_COLOR` is set.
    pub fn from_env() -> Self {
        Self::new(Self::color_wanted(), Theme::default())
    }

    pub fn new(color: bool, theme: Theme) -> Self {
        Self { color, theme }
    }

    /// No colour (what a `NO_COLOR` user sees; also for measuring text).
    pub fn plain() -> Self {
        Self::new(false, Theme::default())
    }

    pub fn style(&self, s: Style) -> Style {
        if self.color {
            s
        } else {
            Style {
                fg: None,
                bg: None,
                ..s
            }
        }
    }

    pub fn status(&self, status: DeploymentStatus) -> Style {
        let mut s = Style::default().add_modifier(self.theme.status_modifier());
        if let Some(c) = self.theme.status_color(status) {
            s = s.fg(c);
        }
        self.style(s)
    }

    pub fn error(&self) -> Style {
        let mut s = Style::default().add_modifier(Modifier::BOLD);
        if let Some(c) = self.theme.color("error") {
            s = s.fg(c);
        }
        self.style(s)
    }

    /// Faint text (hints, details): dimmed, or in the theme's faint colour.
    pub fn dim(&self) -> Style {
        match self.theme.color("faint") {
            Some(c) if self.color => Style::default().fg(c),
            _ if self.theme.dim_faint => Style::default().add_modifier(Modifier::DIM),
            _ => Style::default(),
        }
    }
}

pub fn status_symbol(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::Pending => "○",
        DeploymentStatus::Building => "◔",
        DeploymentStatus::Deploying => "◑",
        DeploymentStatus::RollingOut => "◕",
        DeploymentStatus::Active => "●",
        DeploymentStatus::Failed => "✗",
        DeploymentStatus::TearingDown => "⊘",
    }
}

pub fn status_word(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::RollingOut => "rolling out",
        DeploymentStatus::TearingDown => "tearing down",
        s => s.as_str(),
    }
}

pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
