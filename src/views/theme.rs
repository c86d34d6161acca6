//! Themes: the colours of statuses, errors and faint text — `dark` (the default), `light`
//! and `high-contrast` built in, any role recoloured in the config's `[theme.colors]`. Colour
//! is only ever on top of a status's symbol and word, and `NO_COLOR` turns it off whatever
//! the theme.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier};

use crate::backend::model::DeploymentStatus;

/// The roles a colour can be given, by the names `[theme.colors]` uses.
pub const ROLES: [&str; 9] = [
    "pending",
    "building",
    "deploying",
    "rolling_out",
    "active",
    "failed",
    "tearing_down",
    "error",
    "faint",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    colors: BTreeMap<&'static str, Color>,
    /// Faint text is dimmed (not in high contrast, where it would be hard to read).
    pub dim_faint: bool,
    /// Statuses and errors in bold too.
    pub bold_status: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self::named("dark").unwrap_or_else(|| Self::base("dark"))
    }
}

impl Theme {
    pub const NAMES: [&'static str; 3] = ["dark", "light", "high-contrast"];

    fn base(name: &str) -> Self {
        Self {
            name: name.to_string(),
            colors: BTreeMap::new(),
            dim_faint: true,
            bold_status: false,
        }
    }

    /// A built-in theme.
    pub fn named(name: &str) -> Option<Self> {
        let mut t = Self::base(name);
        let set: &[(&'static str, Color)] = match name {
            "dark" => &[
                ("pending", Color::Gray),
                ("building", Color::Cyan),
                ("deploying", Color::Cyan),
                ("rolling_out", Color::Yellow),
                ("active", Color::Green),
                ("failed", Color::Red),
                ("tearing_down", Color::Magenta),
                ("error", Color::Red),
            ],
            // Darker tones that read on a white background.
            "light" => &[
                ("pending", Color::DarkGray),
                ("building", Color::Blue),
                ("deploying", Color::Blue),
                ("rolling_out", Color::Rgb(0x8a, 0x5a, 0x00)),
                ("active", Color::Rgb(0x00, 0x70, 0x20)),
                ("failed", Color::Rgb(0xb0, 0x00, 0x00)),
                ("tearing_down", Color::Rgb(0x80, 0x00, 0x80)),
                ("error", Color::Rgb(0xb0, 0x00, 0x00)),
            ],
            // Bright colours in bold, nothing dimmed.
            "high-contrast" => {
                t.dim_faint = false;
                t.bold_status = true;
                &[
                    ("pending", Color::White),
                    ("building", Color::LightCyan),
                    ("deploying", Color::LightCyan),
                    ("rolling_out", Color::LightYellow),
                    ("active", Color::LightGreen),
                    ("failed", Color::LightRed),
                    ("tearing_down", Color::LightMagenta),
                    ("error", Color::LightRed),
                    ("faint", Color::Gray),
                ]
            }
            _ => return None,
        };
        t.colors.extend(set.iter().copied());
        Some(t)
    }

    /// A built-in theme with the config's colours over it; what is wrong is said by name.
    pub fn with_colors(name: &str, colors: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut t = Self::named(name).ok_or_else(|| {
            format!(
                "[theme] name {name:?} is not a theme; they are: {}",
                Self::NAMES.join(", ")
            )
        })?;
        for (role, color) in colors {
            let Some(role) = ROLES.iter().find(|r| **r == role.as_str()) else {
                return Err(format!(
                    "[theme.colors] has no role {role:?}; roles are: {}",
                    ROLES.join(", ")
                ));
            };
            let c = Color::from_str(color).map_err(|_| {
                format!(
                    "[theme.colors] {role} = {color:?} is not a colour: use a name (red, \
                     lightblue, …) or #rrggbb"
                )
            })?;
            t.colors.insert(role, c);
        }
        Ok(t)
    }

    pub fn color(&self, role: &str) -> Option<Color> {
        self.colors.get(role).copied()
    }

    pub fn status_color(&self, status: DeploymentStatus) -> Option<Color> {
        self.color(status.as_str())
    }

    pub fn status_modifier(&self) -> Modifier {
        if self.bold_status {
            Modifier::BOLD
        } else {
            Modifier::empty()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_colours_every_status() {
        for name in Theme::NAMES {
            let t = Theme::named(name).unwrap();
            for role in &ROLES[..8] {
                assert!(t.color(role).is_some(), "{name} has no {role}");
            }
        }
        assert!(Theme::named("solarized").is_none());
    }

    #[test]
    fn config_colours_are_checked_by_name() {
        let mut colors = BTreeMap::new();
        colors.insert("failed".to_string(), "#ff5555".to_string());
        let t = Theme::with_colors("dark", &colors).unwrap();
        assert_eq!(t.color("failed"), Some(Color::Rgb(0xff, 0x55, 0x55)));
        colors.insert("failure".to_string(), "red".to_string());
        let e = Theme::with_colors("dark", &colors).unwrap_err();
        assert!(e.contains("failure") && e.contains("roles are"), "{e}");
        colors.remove("failure");
        colors.insert("active".to_string(), "greenish".to_string());
        let e = Theme::with_colors("dark", &colors).unwrap_err();
        assert!(e.contains("greenish"), "{e}");
        assert!(Theme::with_colors("neon", &BTreeMap::new()).is_err());
    }
}
