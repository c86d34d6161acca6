//! The forms of the spaces view — a space on a cloud account's cluster or on a kubeconfig
//! context, a namespace, an environment: labelled fields checked as you type, choices cycled
//! with ←→, and fields filled from a list (contexts, clusters) picked with Enter.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::keymap::{Action, Keymap};
use serde_json::json;

pub use super::picks::{
    PickFrom, PickItem, Picker, cluster_items, context_items, dns_label_from, namespace_items,
};
use crate::backend::model::validate;
use crate::backend::model::*;

/// What a form creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    /// A space on a cluster of a cloud account (the contract's `POST /spaces`).
    CloudSpace,
    /// A space on a context of this machine's kubeconfig (the embedded engine).
    ContextSpace,
    /// A namespace on a space's cluster.
    Namespace {
        space_id: String,
        space_name: String,
    },
    Environment,
}

/// Which value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Name,
    Provider,
    Account,
    Cluster,
    Region,
    ResourceGroup,
    Context,
    Kubeconfig,
    Space,
    Namespace,
    Registry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Text,
    /// One of these (value, label); ←→ or Space cycle.
    Choice(Vec<(String, String)>),
    /// Text, or a value picked from a list (Enter opens it).
    Pick(PickFrom),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: Key,
    pub label: &'static str,
    pub value: String,
    pub input: Input,
    /// Shown dimmed after the value while it is empty.
    pub hint: &'static str,
}

impl Field {
    fn new(key: Key, label: &'static str, input: Input, hint: &'static str) -> Self {
        Self {
            key,
            label,
            value: String::new(),
            input,
            hint,
        }
    }

    /// What the field shows: a choice's label, else the typed value.
    pub fn shown(&self) -> String {
        match &self.input {
            Input::Choice(options) => options
                .iter()
                .find(|(v, _)| *v == self.value)
                .map_or_else(|| self.value.clone(), |(_, l)| l.clone()),
            _ => self.value.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Enter was pressed once: every error shows, not only those of fields typed in.
    pub tried: bool,
    /// Sent, waiting for the backend.
    pub submitting: bool,
    pub picker: Option<Picker>,
}

/// What a key did to a form, for the view to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKey {
    /// Nothing beyond the form itself changed.
    Edited,
    Cancel,
    /// Valid and to be sent.
    Submit,
    /// A pick list opened: load its items.
    Load(PickFrom),
}

/// What a valid form asks the backend for.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    CloudSpace(NewSpace),
    ContextSpace {
        name: String,
        kubeconfig: Option<String>,
        context: String,
    },
    Namespace {
        space_id: String,
        name: String,
    },
    Environment(NewEnvironment),
}

const PROVIDERS: [&str; 3] = ["aws", "gcp", "azure"];

fn choices(words: &[&str]) -> Input {
    Input::Choice(
        words
            .iter()
            .map(|w| (w.to_string(), w.to_string()))
            .collect(),
    )
}

impl Form {
    fn with(kind: FormKind, fields: Vec<Field>) -> Self {
        Self {
            kind,
            fields,
            focus: 0,
            tried: false,
            submitting: false,
            picker: None,
        }
    }

    /// A space on a cloud account's cluster; `account` prefilled (e.g. the selected space's).
    pub fn cloud_space(account: &str) -> Self {
        let mut f = Self::with(
            FormKind::CloudSpace,
            vec![
                Field::new(Key::Name, "name", Input::Text, "a DNS label, e.g. prod-eu"),
                Field::new(Key::Provider, "provider", choices(&PROVIDERS), ""),
                Field::new(Key::Account, "account", Input::Text, "a cloud account id"),
                Field::new(
                    Key::Cluster,
                    "cluster",
                    Input::Pick(PickFrom::Clusters),
                    "Enter: pick from the account's clusters",
                ),
                Field::new(
                    Key::Region,
                    "region",
                    Input::Text,
                    "required on aws and gcp",
                ),
                Field::new(
                    Key::ResourceGroup,
                    "resource group",
                    Input::Text,
                    "required on azure",
                ),
            ],
        );
        f.set(Key::Provider, "aws");
        f.set(Key::Account, account);
        f
    }

    /// A space on a kubeconfig context of this machine; `context` prefilled when given.
    pub fn context_space(context: &str) -> Self {
        let mut f = Self::with(
            FormKind::ContextSpace,
            vec![
                Field::new(
                    Key::Context,
                    "context",
                    Input::Pick(PickFrom::Contexts),
                    "Enter: pick from $KUBECONFIG / ~/.kube/config",
                ),
                Field::new(Key::Name, "name", Input::Text, "a DNS label, e.g. prod-eu"),
                Field::new(
                    Key::Kubeconfig,
                    "kubeconfig",
                    Input::Text,
                    "the file holding the context (default: found for you)",
                ),
            ],
        );
        if !context.is_empty() {
            f.set(Key::Context, context);
            f.set(Key::Name, &dns_label_from(context));
            f.focus = 1;
        }
        f
    }

    pub fn namespace(space_id: &str, space_name: &str) -> Self {
        Self::with(
            FormKind::Namespace {
                space_id: space_id.to_string(),
                space_name: space_name.to_string(),
            },
            vec![Field::new(
                Key::Name,
                "name",
                Input::Text,
                "a DNS label, e.g. shop-staging",
            )],
        )
    }

    /// An environment; `spaces` are (id, name), `space` and `namespace` prefilled when given.
    pub fn environment(spaces: &[(String, String)], space: &str, namespace: &str) -> Self {
        let mut f = Self::with(
            FormKind::Environment,
            vec![
                Field::new(Key::Name, "name", Input::Text, "a DNS label, e.g. staging"),
                Field::new(Key::Space, "space", Input::Choice(spaces.to_vec()), ""),
                Field::new(
                    Key::Namespace,
                    "namespace",
                    Input::Pick(PickFrom::Namespaces),
                    "Enter: pick one of the space's (created when missing)",
                ),
                Field::new(
                    Key::Registry,
                    "registry",
                    Input::Text,
                    "optional, e.g. ghcr.io/acme",
                ),
            ],
        );
        let space = if space.is_empty() {
            spaces.first().map_or("", |(id, _)| id.as_str())
        } else {
            space
        };
        f.set(Key::Space, space);
        if !namespace.is_empty() {
            f.set(Key::Namespace, namespace);
            f.set(Key::Name, &dns_label_from(namespace));
            f.focus = 0;
        }
        f
    }

    pub fn title(&self) -> String {
        match &self.kind {
            FormKind::CloudSpace => " register a space on a cloud account's cluster ".into(),
            FormKind::ContextSpace => " register a space on a kubeconfig context ".into(),
            FormKind::Namespace { space_name, .. } => format!(" new namespace in {space_name} "),
            FormKind::Environment => " new environment ".into(),
        }
    }

    pub fn get(&self, key: Key) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or("", |f| f.value.trim())
    }

    pub fn set(&mut self, key: Key, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.value = value.to_string();
        }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    /// What is wrong, by field index; shown under the fields.
    pub fn errors(&self) -> Vec<(usize, String)> {
        let mut e = Vec::new();
        let mut wrong = |key: Key, message: String| {
            if let Some(i) = self.fields.iter().position(|f| f.key == key) {
                e.push((i, message));
            }
        };
        let label = |key: Key, max: usize| -> Option<String> {
            let v = self.get(key);
            if v.is_empty() {
                return Some("required".into());
            }
            validate::dns_label("name", v, max).err().map(|_| {
                format!(
                    "lower-case letters, digits and '-' only, at most {max}, starting and \
                     ending with a letter or digit"
                )
            })
        };
        let required = |key: Key, what: &str| -> Option<String> {
            self.get(key)
                .is_empty()
                .then(|| format!("{what} is required"))
        };
        match &self.kind {
            FormKind::CloudSpace => {
                if let Some(m) = label(Key::Name, 63) {
                    wrong(Key::Name, m);
                }
                if let Some(m) = required(Key::Account, "the cloud account") {
                    wrong(Key::Account, m);
                }
                if let Some(m) = required(Key::Cluster, "the cluster's name") {
                    wrong(Key::Cluster, m);
                }
                match self.get(Key::Provider) {
                    "azure" => {
                        if let Some(m) =
                            required(Key::ResourceGroup, "on azure, the resource group")
                        {
                            wrong(Key::ResourceGroup, m);
                        }
                    }
                    p => {
                        if let Some(m) = required(Key::Region, &format!("on {p}, the region")) {
                            wrong(Key::Region, m);
                        }
                    }
                }
            }
            FormKind::ContextSpace => {
                if let Some(m) = required(Key::Context, "the kubeconfig context") {
                    wrong(Key::Context, m);
                }
                if let Some(m) = label(Key::Name, 63) {
                    wrong(Key::Name, m);
                }
            }
            FormKind::Namespace { .. } => {
                if let Some(m) = label(Key::Name, 63) {
                    wrong(Key::Name, m);
                }
            }
            FormKind::Environment => {
                if let Some(m) = label(Key::Name, 63) {
                    wrong(Key::Name, m);
                }
                if let Some(m) = required(Key::Space, "a space (register one first)") {
                    wrong(Key::Space, m);
                }
                if let Some(m) = label(Key::Namespace, 63) {
                    wrong(Key::Namespace, m);
                }
            }
        }
        for (i, f) in self.fields.iter().enumerate() {
            if f.value.chars().any(char::is_control) {
                e.push((i, "control characters are not allowed".into()));
            }
        }
        e
    }

    /// The errors to show now: all once Enter was pressed, else those of fields typed in.
    pub fn shown_errors(&self) -> Vec<(usize, String)> {
        self.errors()
            .into_iter()
            .filter(|(i, _)| self.tried || self.fields.get(*i).is_some_and(|f| !f.value.is_empty()))
            .collect()
    }

    /// The backend request of a valid form.
    pub fn request(&self) -> Request {
        let opt = |k: Key| Some(self.get(k).to_string()).filter(|v| !v.is_empty());
        match &self.kind {
            FormKind::CloudSpace => {
                let mut config = json!({"clusterName": self.get(Key::Cluster)});
                if let Some(r) = opt(Key::Region) {
                    config["region"] = json!(r);
                }
                if let Some(g) = opt(Key::ResourceGroup) {
                    config["resourceGroup"] = json!(g);
                }
                Request::CloudSpace(NewSpace {
                    name: self.get(Key::Name).into(),
                    provider: self.get(Key::Provider).into(),
                    space_type: None,
                    cloud_account_id: self.get(Key::Account).into(),
                    config,
                })
            }
            FormKind::ContextSpace => Request::ContextSpace {
                name: self.get(Key::Name).into(),
                kubeconfig: opt(Key::Kubeconfig),
                context: self.get(Key::Context).into(),
            },
            FormKind::Namespace { space_id, .. } => Request::Namespace {
                space_id: space_id.clone(),
                name: self.get(Key::Name).into(),
            },
            FormKind::Environment => Request::Environment(NewEnvironment {
                name: self.get(Key::Name).into(),
                space_id: self.get(Key::Space).into(),
                namespace: self.get(Key::Namespace).into(),
                registry_url: opt(Key::Registry),
            }),
        }
    }

    /// A key pressed in the form (or its open pick list).
    pub fn key(&mut self, km: &Keymap, key: &KeyEvent) -> FormKey {
        if self.submitting {
            return FormKey::Edited;
        }
        if self.picker.is_some() {
            self.picker_key(km, key);
            return FormKey::Edited;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let n = self.fields.len().max(1);
        let pick = match self.focused().map(|f| &f.input) {
            Some(Input::Pick(from)) => Some(*from),
            _ => None,
        };
        let mut actions = vec![Action::FormCancel, Action::FormNext, Action::FormPrevious];
        if pick.is_some() {
            actions.push(Action::FormPick);
        }
        if self.on_choice() {
            actions.extend([Action::FormChooseNext, Action::FormChoosePrevious]);
        }
        actions.push(Action::FormSubmit);
        match km.which(key, &actions) {
            Some(Action::FormCancel) => return FormKey::Cancel,
            Some(Action::FormNext) => self.focus = (self.focus + 1) % n,
            Some(Action::FormPrevious) => self.focus = (self.focus + n - 1) % n,
            Some(Action::FormPick) => {
                if let Some(from) = pick {
                    self.picker = Some(Picker {
                        from,
                        items: None,
                        error: None,
                        query: String::new(),
                        selected: 0,
                    });
                    return FormKey::Load(from);
                }
            }
            Some(Action::FormChooseNext) => self.cycle(true),
            Some(Action::FormChoosePrevious) => self.cycle(false),
            Some(_) => return self.submit(),
            None => match key.code {
                KeyCode::Backspace => {
                    if let Some(f) = self.text_field() {
                        f.value.pop();
                    }
                }
                KeyCode::Char(c) if !ctrl && !c.is_control() => {
                    if let Some(f) = self.text_field() {
                        f.value.push(c);
                    }
                }
                _ => {}
            },
        }
        FormKey::Edited
    }

    fn submit(&mut self) -> FormKey {
        self.tried = true;
        match self.errors().first() {
            Some((i, _)) => {
                self.focus = *i;
                FormKey::Edited
            }
            None => FormKey::Submit,
        }
    }

    fn on_choice(&self) -> bool {
        self.focused()
            .is_some_and(|f| matches!(f.input, Input::Choice(_)))
    }

    fn text_field(&mut self) -> Option<&mut Field> {
        self.fields
            .get_mut(self.focus)
            .filter(|f| !matches!(f.input, Input::Choice(_)))
    }

    fn cycle(&mut self, forward: bool) {
        let Some(f) = self.fields.get_mut(self.focus) else {
            return;
        };
        let Input::Choice(options) = &f.input else {
            return;
        };
        if options.is_empty() {
            return;
        }
        let at = options.iter().position(|(v, _)| *v == f.value).unwrap_or(0);
        let next = if forward {
            (at + 1) % options.len()
        } else {
            (at + options.len() - 1) % options.len()
        };
        f.value = options[next].0.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn km() -> Keymap {
        Keymap::from_config(&crate::config::Config::default().keys).unwrap()
    }

    fn typed(form: &mut Form, text: &str) {
        for c in text.chars() {
            form.key(&km(), &key(KeyCode::Char(c)));
        }
    }

    #[test]
    fn a_namespace_name_is_checked_as_it_is_typed() {
        let mut f = Form::namespace("spc_1", "prod");
        assert!(f.shown_errors().is_empty(), "nothing typed, nothing shown");
        typed(&mut f, "Shop_1");
        let e = f.shown_errors();
        assert_eq!(e.len(), 1);
        assert!(e[0].1.contains("lower-case"), "{e:?}");
        for _ in 0..6 {
            f.key(&km(), &key(KeyCode::Backspace));
        }
        typed(&mut f, "shop-1");
        assert!(f.shown_errors().is_empty());
        assert_eq!(f.key(&km(), &key(KeyCode::Enter)), FormKey::Submit);
        assert_eq!(
            f.request(),
            Request::Namespace {
                space_id: "spc_1".into(),
                name: "shop-1".into()
            }
        );
    }

    #[test]
    fn azure_needs_a_resource_group_and_aws_a_region() {
        let mut f = Form::cloud_space("ca_1");
        typed(&mut f, "prod");
        f.set(Key::Cluster, "main");
        assert_eq!(
            f.key(&km(), &key(KeyCode::Enter)),
            FormKey::Edited,
            "no region on aws"
        );
        assert!(f.shown_errors().iter().any(|(_, m)| m.contains("region")));
        f.focus = 1;
        f.key(&km(), &key(KeyCode::Right));
        f.key(&km(), &key(KeyCode::Right));
        assert_eq!(f.get(Key::Provider), "azure");
        let e = f.errors();
        assert!(e.iter().any(|(_, m)| m.contains("resource group")), "{e:?}");
        assert!(!e.iter().any(|(_, m)| m.contains("region")), "{e:?}");
        f.set(Key::ResourceGroup, "rg-prod");
        assert_eq!(f.key(&km(), &key(KeyCode::Enter)), FormKey::Submit);
        let Request::CloudSpace(req) = f.request() else {
            panic!("a cloud space")
        };
        assert_eq!(req.config["resourceGroup"], "rg-prod");
        assert_eq!(req.provider, "azure");
    }

    #[test]
    fn a_picked_context_fills_the_context_its_file_and_a_name() {
        let mut f = Form::context_space("");
        assert_eq!(
            f.key(&km(), &key(KeyCode::Enter)),
            FormKey::Load(PickFrom::Contexts)
        );
        f.picked_items(
            PickFrom::Contexts,
            Ok(context_items(&[LocalContext {
                kubeconfig: "/k/config".into(),
                name: "arn:aws:eks:eu-west-1:1:cluster/Shop_EU".into(),
                server: "https://x.eks.amazonaws.com".into(),
                provider: "aws".into(),
                region: "eu-west-1".into(),
                current: true,
            }])),
        );
        f.key(&km(), &key(KeyCode::Enter));
        assert!(f.picker.is_none());
        assert_eq!(f.get(Key::Name), "shop-eu");
        assert_eq!(f.get(Key::Kubeconfig), "/k/config");
        assert_eq!(f.focus, 1);
        assert_eq!(f.key(&km(), &key(KeyCode::Enter)), FormKey::Submit);
    }

    #[test]
    fn control_characters_are_refused_in_every_field() {
        let mut f = Form::environment(&[("spc_1".into(), "prod".into())], "", "web");
        f.set(Key::Registry, "ghcr.io/\u{1b}[31m");
        assert!(f.errors().iter().any(|(_, m)| m.contains("control")));
    }
}
