//! `n`: the create form — name, source (image, or git repo and branch), port, replicas,
//! expose — checked as you type; the new card goes to a free spot near the view's centre.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::effect::{Effect, Effects};
use super::keymap::{Action, Keymap};
use super::msg::Cmd;
use super::state::Overlay;
use crate::backend::model::validate;
use crate::backend::model::*;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreateForm {
    pub field: Field,
    pub name: String,
    pub git: bool,
    pub image: String,
    pub repo: String,
    pub branch: String,
    pub port: String,
    pub replicas: String,
    pub expose: bool,
    /// Sent, waiting for the backend.
    pub submitting: bool,
    /// Names taken in the environment (a new one must differ).
    pub taken: Vec<String>,
    /// Fields typed in or left: their errors show (all of them once Enter was pressed).
    pub touched: Vec<Field>,
    pub tried: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    #[default]
    Name,
    Source,
    Image,
    Repo,
    Branch,
    Port,
    Replicas,
    Expose,
}

impl CreateForm {
    pub fn new() -> Self {
        Self {
            replicas: "2".into(),
            port: "8080".into(),
            expose: true,
            branch: "main".into(),
            ..Default::default()
        }
    }

    /// The fields shown, in order (image or repo + branch, by source).
    pub fn fields(&self) -> Vec<Field> {
        let mut f = vec![Field::Name, Field::Source];
        if self.git {
            f.extend([Field::Repo, Field::Branch]);
        } else {
            f.push(Field::Image);
        }
        f.extend([Field::Port, Field::Replicas, Field::Expose]);
        f
    }

    fn text_mut(&mut self, f: Field) -> Option<&mut String> {
        match f {
            Field::Name => Some(&mut self.name),
            Field::Image => Some(&mut self.image),
            Field::Repo => Some(&mut self.repo),
            Field::Branch => Some(&mut self.branch),
            Field::Port => Some(&mut self.port),
            Field::Replicas => Some(&mut self.replicas),
            Field::Source | Field::Expose => None,
        }
    }

    /// What is wrong, field by field (empty: ready to create).
    pub fn errors(&self) -> Vec<(Field, String)> {
        let mut e = Vec::new();
        if let Err(err) = validate::deployment_name(self.name.trim()) {
            e.push((Field::Name, err.to_string()));
        } else if self.taken.iter().any(|t| t == self.name.trim()) {
            e.push((
                Field::Name,
                format!(
                    "{} exists already in this environment; pick another name",
                    self.name.trim()
                ),
            ));
        }
        if self.git {
            if self.repo.trim().is_empty() {
                e.push((
                    Field::Repo,
                    "a git repository URL is required (https://… or file://…)".into(),
                ));
            }
        } else if let Err(err) = validate::image_ref("image", self.image.trim()) {
            e.push((Field::Image, err.to_string()));
        }
        if !self.port.trim().is_empty() && !self.port.trim().parse::<u16>().is_ok_and(|p| p >= 1) {
            e.push((Field::Port, "port must be a number from 1 to 65535".into()));
        }
        if self.expose && self.port.trim().is_empty() {
            e.push((Field::Port, "exposing needs a port".into()));
        }
        if !self.replicas.trim().parse::<u32>().is_ok_and(|r| r <= 1000) {
            e.push((
                Field::Replicas,
                "replicas must be a number from 0 to 1000".into(),
            ));
        }
        e
    }

    /// The errors to show now: of the fields touched, or all once Enter was pressed.
    pub fn shown_errors(&self) -> Vec<(Field, String)> {
        self.errors()
            .into_iter()
            .filter(|(f, _)| self.tried || self.touched.contains(f))
            .collect()
    }

    fn touch(&mut self, f: Field) {
        if !self.touched.contains(&f) {
            self.touched.push(f);
        }
    }

    pub fn request(&self, env_id: &str, at: CanvasPosition) -> NewDeployment {
        let port = self.port.trim().parse::<u16>().ok();
        let mut configs = json!({"replicas": self.replicas.trim().parse::<u32>().unwrap_or(1)});
        if let Some(p) = port {
            configs["port"] = p.into();
            if self.expose {
                configs["expose"] = json!([{"port": p, "protocol": "http"}]);
            }
        }
        NewDeployment {
            name: self.name.trim().to_string(),
            env_id: Some(env_id.to_string()),
            source_type: Some(if self.git {
                SourceType::Git
            } else {
                SourceType::Image
            }),
            image: (!self.git).then(|| self.image.trim().to_string()),
            repo_url: self.git.then(|| self.repo.trim().to_string()),
            branch: self
                .git
                .then(|| self.branch.trim().to_string())
                .filter(|b| !b.is_empty()),
            configs: Some(configs),
            canvas_position: Some(at),
            ..Default::default()
        }
    }
}

/// `n`: the form, in the shown environment (`taken`: the names there already).
pub fn open(env: Option<&Environment>, taken: Vec<String>) -> Effects {
    match env {
        Some(_) => vec![Effect::Open(Overlay::Create(Box::new(CreateForm {
            taken,
            ..CreateForm::new()
        })))],
        None => vec![Effect::error("no environment to create a deployment in")],
    }
}

impl CreateForm {
    /// A key in the form; `env_id` is where it creates, `spot` where the new card goes.
    pub fn key(
        &mut self,
        km: &Keymap,
        key: &KeyEvent,
        env_id: Option<&str>,
        spot: CanvasPosition,
    ) -> Effects {
        if self.submitting {
            return vec![];
        }
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.field).unwrap_or(0);
        let toggle = matches!(self.field, Field::Source | Field::Expose);
        let mut actions = vec![
            Action::FormCancel,
            Action::FormNext,
            Action::FormPrevious,
            Action::FormSubmit,
        ];
        if toggle {
            actions.extend([Action::FormChooseNext, Action::FormChoosePrevious]);
        }
        match km.which(key, &actions) {
            Some(Action::FormCancel) => return vec![Effect::Close],
            Some(Action::FormNext) => {
                self.touch(self.field);
                self.field = fields[(at + 1) % fields.len()]
            }
            Some(Action::FormPrevious) => {
                self.touch(self.field);
                self.field = fields[(at + fields.len() - 1) % fields.len()]
            }
            Some(Action::FormChooseNext | Action::FormChoosePrevious) => {
                if self.field == Field::Source {
                    self.git = !self.git;
                } else {
                    self.expose = !self.expose;
                }
            }
            Some(_) => {
                self.tried = true;
                if let Some((field, message)) = self.errors().into_iter().next() {
                    self.field = field;
                    return vec![Effect::error(message)];
                }
                if let Some(env_id) = env_id {
                    self.submitting = true;
                    return vec![Effect::Cmd(Cmd::Create(Box::new(
                        self.request(env_id, spot),
                    )))];
                }
            }
            None => match key.code {
                KeyCode::Backspace => {
                    if let Some(t) = self.text_mut(self.field) {
                        t.pop();
                    }
                    self.touch(self.field);
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    if let Some(t) = self.text_mut(self.field) {
                        t.push(c);
                    }
                    self.touch(self.field);
                }
                _ => {}
            },
        }
        vec![]
    }
}

/// The create answered: show the new card and follow its rollout, or keep the form to fix.
pub fn on_created(form: Option<&mut CreateForm>, result: Result<Deployment, String>) -> Effects {
    match result {
        Ok(d) => vec![
            Effect::Close,
            Effect::info(format!("{} created — following its rollout", d.name)),
            Effect::Add(Box::new(d.clone())),
            Effect::Select(d.id.clone()),
            Effect::CloseDrawer,
            Effect::FollowInDrawer,
        ],
        Err(e) => {
            if let Some(form) = form {
                form.submitting = false;
            }
            vec![Effect::error(format!(
                "creating failed: {e}; fix it and press Enter again"
            ))]
        }
    }
}
