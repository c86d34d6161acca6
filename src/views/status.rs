//! How a status looks: always a symbol and a word, colour only on top (and never with NO_COLOR).

use ratatui::style::{Color, Modifier, Style};

use crate::backend::model::DeploymentStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    /// Colour unless `NO_COLOR` is set (to anything non-empty).
    pub fn from_env() -> Self {
        Self {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
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
        self.style(Style::default().fg(status_color(status)))
    }

    pub fn error(&self) -> Style {
        self.style(Style::default().fg(Color::Red).add_modifier(Modifier::BOLD))
    }

    pub fn dim(&self) -> Style {
        Style::default().add_modifier(Modifier::DIM)
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

fn status_color(status: DeploymentStatus) -> Color {
    match status {
        DeploymentStatus::Pending => Color::Gray,
        DeploymentStatus::Building | DeploymentStatus::Deploying => Color::Cyan,
        DeploymentStatus::RollingOut => Color::Yellow,
        DeploymentStatus::Active => Color::Green,
        DeploymentStatus::Failed => Color::Red,
        DeploymentStatus::TearingDown => Color::Magenta,
    }
}

pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
