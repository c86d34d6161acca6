//! `n`: the create form — name, source (image, or git repo and branch), port, replicas,
//! expose — checked as you type; the new card goes to a free spot near the view's centre.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::msg::Cmd;
use super::state::{MessageKind, Overlay, State};
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

pub fn open(state: &mut State) -> Vec<Cmd> {
    if state.environment.is_none() {
        state.message = Some((
            "no environment to create a deployment in".into(),
            MessageKind::Error,
        ));
        return vec![];
    }
    state.overlay = Some(Overlay::Create(Box::new(CreateForm::new())));
    vec![]
}

pub fn key(state: &mut State, key: &KeyEvent) -> Vec<Cmd> {
    let Some(Overlay::Create(mut form)) = state.overlay.clone() else {
        return vec![];
    };
    if form.submitting {
        return vec![];
    }
    let fields = form.fields();
    let at = fields.iter().position(|f| *f == form.field).unwrap_or(0);
    match key.code {
        KeyCode::Esc => {
            state.overlay = None;
            return vec![];
        }
        KeyCode::Tab | KeyCode::Down => form.field = fields[(at + 1) % fields.len()],
        KeyCode::BackTab | KeyCode::Up => {
            form.field = fields[(at + fields.len() - 1) % fields.len()]
        }
        KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
            if matches!(form.field, Field::Source | Field::Expose) =>
        {
            if form.field == Field::Source {
                form.git = !form.git;
            } else {
                form.expose = !form.expose;
            }
        }
        KeyCode::Backspace => {
            if let Some(t) = form.text_mut(form.field) {
                t.pop();
            }
        }
        KeyCode::Enter => {
            let errors = form.errors();
            if let Some((field, message)) = errors.first() {
                form.field = *field;
                state.message = Some((message.clone(), MessageKind::Error));
            } else if let Some(env) = &state.environment {
                let spot = super::canvas::free_spot_in_view(state);
                let req = form.request(&env.id, spot);
                form.submitting = true;
                state.overlay = Some(Overlay::Create(form));
                return vec![Cmd::Create(Box::new(req))];
            }
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            if let Some(t) = form.text_mut(form.field) {
                t.push(c);
            }
        }
        _ => {}
    }
    state.overlay = Some(Overlay::Create(form));
    vec![]
}

pub fn on_created(state: &mut State, result: Result<Deployment, String>) -> Vec<Cmd> {
    match result {
        Ok(d) => {
            state.overlay = None;
            state.message = Some((
                format!("{} created — following its rollout", d.name),
                MessageKind::Info,
            ));
            let id = d.id.clone();
            if state.deployment(&id).is_none() {
                state.deployments.push(d);
            }
            state.selected = Some(id);
            super::canvas::ensure_visible(state);
            state.drawer = None;
            super::panels::follow_selection(state)
        }
        Err(e) => {
            if let Some(Overlay::Create(form)) = state.overlay.as_mut() {
                form.submitting = false;
            }
            state.message = Some((
                format!("creating failed: {e}; fix it and press Enter again"),
                MessageKind::Error,
            ));
            vec![]
        }
    }
}
