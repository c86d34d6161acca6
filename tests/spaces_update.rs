//! `update` for the spaces view and the start flags: which backend calls each key sends,
//! what an answer does to the view, read-only refusals, and where `--context`/`--namespace`
//! lead (one match, several, none, a context that is not a space yet).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::*;
use zopdeck::app::spaces::form::{FormKind, Key};
use zopdeck::app::spaces::start::{StartTarget, first_cmds};
use zopdeck::app::spaces::{Answer, Call, Catalog, Outcome, SpacesView, Tab};
use zopdeck::app::state::{MessageKind, Overlay};
use zopdeck::app::{Cmd, Msg, State, update};
use zopdeck::backend::model::*;

fn answer(state: &mut State, a: Answer) -> Vec<Cmd> {
    update(state, Msg::Spaces(Box::new(a)), Instant::now()).1
}

fn view(state: &State) -> &SpacesView {
    match &state.overlay {
        Some(Overlay::Spaces(v)) => v,
        other => panic!("the spaces view is not open: {other:?}"),
    }
}

fn calls(cmds: &[Cmd]) -> Vec<&Call> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Spaces(call) => Some(call),
            _ => None,
        })
        .collect()
}

fn reloads(cmds: &[Cmd]) -> Vec<Option<String>> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Reload { env, .. } => Some(env.clone()),
            _ => None,
        })
        .collect()
}

fn message(state: &State) -> String {
    state.message.clone().map(|m| m.0).unwrap_or_default()
}

/// The demo canvas with the view open on the fixture catalog.
fn opened() -> State {
    let mut s = loaded(demo(), 100, 30);
    let cmds = press(&mut s, KeyCode::Char('s'));
    assert_eq!(calls(&cmds), [&Call::Catalog], "opening loads the catalog");
    answer(&mut s, Answer::Catalog(Ok(catalog())));
    s
}

#[test]
fn the_view_opens_on_the_space_and_environment_the_canvas_shows() {
    let mut s = opened();
    assert_eq!(view(&s).tab, Tab::Spaces);
    assert_eq!(view(&s).selected_space().unwrap().id, "spc_sandbox");
    press(&mut s, KeyCode::Char('3'));
    let v = view(&s);
    assert_eq!(v.environments()[v.environment].id, "env_demo");
    press(&mut s, KeyCode::Esc);
    assert!(s.overlay.is_none());
}

#[test]
fn enter_on_a_space_lists_its_namespaces_once() {
    let mut s = opened();
    press(&mut s, KeyCode::Down);
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(
        calls(&cmds),
        [&Call::Namespaces {
            space_id: "spc_kind".into()
        }]
    );
    assert_eq!(view(&s).tab, Tab::Namespaces);
    // Moving between tabs does not ask again for the same space.
    press(&mut s, KeyCode::Char('1'));
    let cmds = press(&mut s, KeyCode::Char('2'));
    assert!(calls(&cmds).is_empty(), "{cmds:?}");
    // A failure is kept and shown in the tab.
    answer(
        &mut s,
        Answer::Namespaces {
            space_id: "spc_kind".into(),
            result: Err("listing the namespaces failed: forbidden".into()),
        },
    );
    assert_eq!(
        view(&s).namespaces.as_ref().unwrap().error.as_deref(),
        Some("listing the namespaces failed: forbidden")
    );
}

#[test]
fn toggling_a_space_sends_the_other_status_and_reloads_the_canvas_after() {
    let mut s = opened();
    press(&mut s, KeyCode::Down);
    let cmds = press(&mut s, KeyCode::Char('a'));
    assert_eq!(
        calls(&cmds),
        [&Call::SetStatus {
            space_id: "spc_kind".into(),
            status: SpaceStatus::Inactive
        }]
    );
    assert!(view(&s).busy.is_some());
    assert!(
        press(&mut s, KeyCode::Char('a')).is_empty(),
        "busy: keys wait"
    );
    let mut space = kube_space("spc_kind", "kind", "kind-kind", None);
    space.status = SpaceStatus::Inactive;
    let cmds = answer(&mut s, Answer::Done(Ok(Outcome::StatusSet(space))));
    assert_eq!(calls(&cmds), [&Call::Catalog]);
    assert_eq!(
        reloads(&cmds).len(),
        1,
        "the header shows the space's status"
    );
    assert_eq!(message(&s), "space kind is inactive");
    assert!(view(&s).busy.is_none());
}

#[test]
fn delete_asks_first_and_shows_a_refusal_whole() {
    let mut s = opened();
    assert!(calls(&press(&mut s, KeyCode::Char('D'))).is_empty());
    assert!(view(&s).confirm.is_some());
    // Anything but y cancels.
    assert!(calls(&press(&mut s, KeyCode::Char('n'))).is_empty());
    assert!(view(&s).confirm.is_none());
    press(&mut s, KeyCode::Char('D'));
    let cmds = press(&mut s, KeyCode::Char('y'));
    assert_eq!(
        calls(&cmds),
        [&Call::Delete {
            space_id: "spc_sandbox".into(),
            name: "sandbox".into()
        }]
    );
    let why = "space sandbox is not deleted: still holds 5 deployment(s)";
    answer(&mut s, Answer::Done(Err(why.into())));
    assert_eq!(s.message, Some((why.into(), MessageKind::Error)));
    assert!(view(&s).busy.is_none());
}

#[test]
fn access_is_granted_at_once_and_revoked_after_a_question() {
    let mut s = opened();
    press(&mut s, KeyCode::Down);
    let cmds = press(&mut s, KeyCode::Char('A'));
    assert_eq!(
        calls(&cmds),
        [&Call::Grant {
            account: "ca_kc_0123456789abcdef".into(),
            region: "kubeconfig".into(),
            cluster: "kind-kind".into()
        }]
    );
    answer(
        &mut s,
        Answer::Done(Ok(Outcome::AccessGranted("kind-kind".into()))),
    );
    press(&mut s, KeyCode::Char('x'));
    let cmds = press(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(calls(&cmds)[..], [Call::Revoke { .. }]),
        "{cmds:?}"
    );
}

#[test]
fn a_namespace_is_created_from_a_valid_name_and_then_selected() {
    let mut s = opened();
    press(&mut s, KeyCode::Enter);
    answer(
        &mut s,
        Answer::Namespaces {
            space_id: "spc_sandbox".into(),
            result: Ok(vec![]),
        },
    );
    press(&mut s, KeyCode::Char('n'));
    assert!(calls(&typed(&mut s, "Bad_Name")).is_empty());
    assert!(
        calls(&press(&mut s, KeyCode::Enter)).is_empty(),
        "an invalid DNS label is not sent"
    );
    for _ in 0..8 {
        press(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "shop");
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(
        calls(&cmds),
        [&Call::CreateNamespace {
            space_id: "spc_sandbox".into(),
            name: "shop".into()
        }]
    );
    let cmds = answer(
        &mut s,
        Answer::Done(Ok(Outcome::NamespaceCreated {
            space_id: "spc_sandbox".into(),
            name: "shop".into(),
        })),
    );
    assert_eq!(calls(&cmds), [&Call::Catalog]);
    let cmds = answer(&mut s, Answer::Catalog(Ok(catalog())));
    assert_eq!(
        calls(&cmds),
        [&Call::Namespaces {
            space_id: "spc_sandbox".into()
        }]
    );
    let list = ["default", "shop", "zz"].map(|n| Namespace {
        name: n.into(),
        managed_by_zopnight: n == "shop",
        created_at: None,
    });
    answer(
        &mut s,
        Answer::Namespaces {
            space_id: "spc_sandbox".into(),
            result: Ok(list.to_vec()),
        },
    );
    assert_eq!(view(&s).namespace, 1, "the new namespace is selected");
}

#[test]
fn enter_on_a_bound_namespace_opens_its_environment_and_on_a_free_one_offers_one() {
    let mut s = opened();
    press(&mut s, KeyCode::Enter);
    let list = ["demo", "free"].map(|n| Namespace {
        name: n.into(),
        managed_by_zopnight: true,
        created_at: None,
    });
    answer(
        &mut s,
        Answer::Namespaces {
            space_id: "spc_sandbox".into(),
            result: Ok(list.to_vec()),
        },
    );
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    let form = view(&s).form.clone().expect("an environment form");
    assert_eq!(form.kind, FormKind::Environment);
    assert_eq!(form.get(Key::Namespace), "free");
    assert_eq!(form.get(Key::Space), "spc_sandbox");
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Up);
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(reloads(&cmds), [Some("env_demo".to_string())]);
    assert!(s.overlay.is_none());
}

#[test]
fn a_created_environment_is_shown_at_once() {
    let mut s = opened();
    press(&mut s, KeyCode::Char('3'));
    press(&mut s, KeyCode::Char('n'));
    typed(&mut s, "staging");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Right); // sandbox → kind
    press(&mut s, KeyCode::Tab);
    typed(&mut s, "staging");
    let cmds = press(&mut s, KeyCode::Char('s'));
    assert!(calls(&cmds).is_empty(), "s is typed into the field");
    press(&mut s, KeyCode::Backspace);
    let cmds = press(&mut s, KeyCode::Enter);
    // Enter on the namespace field opens its pick list (of the chosen space).
    assert_eq!(
        calls(&cmds),
        [&Call::NamespacePick {
            space_id: "spc_kind".into()
        }]
    );
    press(&mut s, KeyCode::Esc);
    let cmds = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
        Instant::now(),
    )
    .1;
    assert_eq!(
        calls(&cmds),
        [&Call::CreateEnvironment(NewEnvironment {
            name: "staging".into(),
            space_id: "spc_kind".into(),
            namespace: "staging".into(),
            registry_url: None,
        })]
    );
    let mut env = environment("env_staging", "staging");
    env.space_id = "spc_kind".into();
    let cmds = answer(&mut s, Answer::Done(Ok(Outcome::EnvironmentCreated(env))));
    assert_eq!(reloads(&cmds), [Some("env_staging".to_string())]);
    assert!(s.overlay.is_none());
    assert!(message(&s).contains("environment staging created"));
}

#[test]
fn a_failed_create_keeps_the_form_to_fix() {
    let mut s = opened();
    press(&mut s, KeyCode::Char('c'));
    typed(&mut s, "kind-kind");
    press(&mut s, KeyCode::Tab);
    typed(&mut s, "kind2");
    let cmds = press(&mut s, KeyCode::Enter);
    assert!(matches!(
        calls(&cmds)[..],
        [Call::CreateSpaceOnContext { .. }]
    ));
    answer(
        &mut s,
        Answer::Done(Err(
            "registering space kind2 on context kind-kind failed: forbidden".into(),
        )),
    );
    let form = view(&s).form.clone().expect("the form stays");
    assert!(!form.submitting);
    assert_eq!(form.get(Key::Name), "kind2");
    assert!(message(&s).contains("forbidden"));
}

#[test]
fn read_only_refuses_every_change_and_says_so() {
    let mut s = opened();
    s.read_only = true;
    for key in ['n', 'c', 'a', 'D', 'A', 'x', 'e'] {
        let cmds = press(&mut s, KeyCode::Char(key));
        assert!(calls(&cmds).is_empty(), "{key}: {cmds:?}");
        assert!(
            view(&s).form.is_none() && view(&s).confirm.is_none(),
            "{key}"
        );
        assert!(
            message(&s).starts_with("read-only"),
            "{key}: {}",
            message(&s)
        );
    }
}

#[test]
fn a_remote_offers_no_local_kubeconfig() {
    let mut s = loaded(demo(), 100, 30);
    press(&mut s, KeyCode::Char('s'));
    let remote = Catalog {
        local_kubeconfig: false,
        ..catalog()
    };
    answer(&mut s, Answer::Catalog(Ok(remote)));
    press(&mut s, KeyCode::Char('c'));
    assert!(view(&s).form.is_none());
    assert!(
        message(&s).contains("register the cluster with n"),
        "{}",
        message(&s)
    );
}

fn starting(context: Option<&str>, namespace: Option<&str>, catalog: Catalog) -> (State, Vec<Cmd>) {
    let mut s = empty_state(100, 30);
    s.start = Some(StartTarget {
        context: context.map(str::to_string),
        namespace: namespace.map(str::to_string),
    });
    let first = first_cmds(&mut s, None);
    assert_eq!(
        calls(&first),
        [&Call::Catalog],
        "the catalog first, no canvas"
    );
    assert!(reloads(&first).is_empty());
    let cmds = answer(&mut s, Answer::Catalog(Ok(catalog)));
    assert!(s.start.is_none());
    (s, cmds)
}

#[test]
fn start_flags_naming_one_environment_open_it() {
    let (s, cmds) = starting(Some("kind-kind"), None, catalog());
    assert_eq!(reloads(&cmds), [Some("env_shop".to_string())]);
    assert!(s.overlay.is_none());
    let (_, cmds) = starting(None, Some("prod"), catalog());
    assert_eq!(reloads(&cmds), [Some("env_prod".to_string())]);
}

#[test]
fn start_flags_matching_several_let_you_pick() {
    let mut c = catalog();
    let mut other = environment("env_shop2", "shop-2");
    other.space_id = "spc_kind".into();
    c.environments.push(other);
    let (s, cmds) = starting(Some("kind-kind"), None, c);
    assert_eq!(reloads(&cmds), [None], "the first canvas behind");
    let v = view(&s);
    assert_eq!(v.tab, Tab::Environments);
    let ids: Vec<&str> = v.environments().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["env_shop", "env_shop2"]);
    assert!(message(&s).contains("2 environments use context kind-kind"));
}

#[test]
fn start_flags_naming_no_environment_offer_to_create_it() {
    let (s, _) = starting(Some("kind-kind"), Some("payments"), catalog());
    let form = view(&s).form.clone().unwrap();
    assert_eq!(form.kind, FormKind::Environment);
    assert_eq!(form.get(Key::Space), "spc_kind");
    assert_eq!(form.get(Key::Namespace), "payments");
    assert_eq!(form.get(Key::Name), "payments");
    assert!(
        message(&s).contains("no environment is bound to context kind-kind, namespace payments")
    );
}

#[test]
fn a_context_that_is_no_space_yet_is_registered_then_the_environment_offered() {
    let (mut s, _) = starting(Some("prod-eks"), Some("shop"), catalog());
    let form = view(&s).form.clone().unwrap();
    assert_eq!(form.kind, FormKind::ContextSpace);
    assert_eq!(form.get(Key::Context), "prod-eks");
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(
        calls(&cmds),
        [&Call::CreateSpaceOnContext {
            name: "prod-eks".into(),
            kubeconfig: None,
            context: "prod-eks".into()
        }]
    );
    let space = kube_space("spc_eks", "prod-eks", "prod-eks", None);
    answer(&mut s, Answer::Done(Ok(Outcome::SpaceCreated(space))));
    let form = view(&s).form.clone().expect("then the environment");
    assert_eq!(form.kind, FormKind::Environment);
    assert_eq!(form.get(Key::Space), "spc_eks");
    assert_eq!(form.get(Key::Namespace), "shop");
    assert!(message(&s).contains("space prod-eks registered, cluster reachable"));
}

#[test]
fn on_a_remote_a_context_that_is_no_space_says_so_and_shows_the_first_canvas() {
    let remote = Catalog {
        local_kubeconfig: false,
        ..catalog()
    };
    let (s, cmds) = starting(Some("prod-eks"), None, remote);
    assert_eq!(reloads(&cmds), [None]);
    assert!(s.overlay.is_none());
    assert!(message(&s).contains("no space of this server is on context prod-eks"));
}
