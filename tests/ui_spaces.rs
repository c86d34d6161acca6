//! Snapshots of the spaces view (`s`): spaces (empty, several, an unreachable one), the
//! namespaces of a space, environments, and the forms with what is wrong in them — rendered
//! with ratatui's `TestBackend`, colour off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use crossterm::event::KeyCode;
use fixtures::*;
use zopdeck::app::spaces::form::{PickFrom, context_items};
use zopdeck::app::spaces::{Answer, Catalog};
use zopdeck::app::{Msg, State, update};
use zopdeck::backend::model::*;

fn answer(state: &mut State, a: Answer) {
    update(state, Msg::Spaces(Box::new(a)), Instant::now());
}

/// The demo canvas with the spaces view open on `catalog`, at `w`×`h`.
fn view(catalog: Catalog, w: u16, h: u16) -> State {
    let mut s = loaded(demo(), w, h);
    s.now = ts() + chrono::Duration::minutes(90);
    press(&mut s, KeyCode::Char('s'));
    answer(&mut s, Answer::Catalog(Ok(catalog)));
    s
}

fn namespaces() -> Vec<Namespace> {
    let at = |m| Some(ts() + chrono::Duration::minutes(m));
    vec![
        Namespace {
            name: "default".into(),
            managed_by_zopnight: false,
            created_at: at(0),
        },
        Namespace {
            name: "demo".into(),
            managed_by_zopnight: true,
            created_at: at(30),
        },
        Namespace {
            name: "prod".into(),
            managed_by_zopnight: true,
            created_at: at(60),
        },
        Namespace {
            name: "kube-system".into(),
            managed_by_zopnight: false,
            created_at: at(0),
        },
    ]
}

#[test]
fn spaces_loading() {
    let mut s = loaded(demo(), 100, 24);
    press(&mut s, KeyCode::Char('s'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn spaces_empty_on_the_embedded_engine() {
    let empty = Catalog {
        local_kubeconfig: true,
        ..Default::default()
    };
    insta::assert_snapshot!(render(&view(empty, 100, 20)));
}

#[test]
fn spaces_several_at_160_columns() {
    insta::assert_snapshot!(render(&view(catalog(), 160, 30)));
}

#[test]
fn spaces_several_at_80x24() {
    insta::assert_snapshot!(render(&view(catalog(), 80, 24)));
}

#[test]
fn an_unreachable_space_says_why() {
    let mut s = view(catalog(), 110, 30);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn deleting_a_space_asks_first() {
    let mut s = view(catalog(), 100, 24);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Char('D'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn a_refused_delete_says_why() {
    let mut s = view(catalog(), 100, 24);
    press(&mut s, KeyCode::Char('D'));
    press(&mut s, KeyCode::Char('y'));
    answer(
        &mut s,
        Answer::Done(Err(
            "space sandbox is not deleted: space spc_sandbox still holds 5 deployment(s) and 0 \
             open job(s); delete those deployments first"
                .into(),
        )),
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn read_only_lists_no_changing_keys() {
    let mut s = view(catalog(), 100, 20);
    s.read_only = true;
    press(&mut s, KeyCode::Char('n'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn cloud_space_form_with_validation_errors() {
    let mut s = view(catalog(), 100, 30);
    press(&mut s, KeyCode::Char('n'));
    typed(&mut s, "Prod EU");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Left); // aws → azure
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn context_space_form_picking_a_context() {
    let mut s = view(catalog(), 110, 30);
    press(&mut s, KeyCode::Char('c'));
    press(&mut s, KeyCode::Enter);
    let contexts = [
        ("kind-kind", "https://127.0.0.1:6443", "kubeconfig", true),
        (
            "arn:aws:eks:eu-west-1:123456789012:cluster/shop",
            "https://ABCD.gr7.eu-west-1.eks.amazonaws.com",
            "aws",
            false,
        ),
    ]
    .map(|(name, server, provider, current)| LocalContext {
        kubeconfig: "/home/dev/.kube/config".into(),
        name: name.into(),
        server: server.into(),
        provider: provider.into(),
        region: "eu-west-1".into(),
        current,
    });
    answer(
        &mut s,
        Answer::Picked {
            from: PickFrom::Contexts,
            result: Ok(context_items(&contexts)),
        },
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn namespaces_of_a_space() {
    let mut s = view(catalog(), 100, 24);
    press(&mut s, KeyCode::Enter);
    answer(
        &mut s,
        Answer::Namespaces {
            space_id: "spc_sandbox".into(),
            result: Ok(namespaces()),
        },
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn namespaces_of_an_unreachable_space() {
    let mut s = view(catalog(), 100, 24);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    answer(
        &mut s,
        Answer::Namespaces {
            space_id: "spc_edge".into(),
            result: Err(
                "listing the namespaces failed: cluster edge-k3s unreachable: \
                         connection refused — check the kubeconfig context"
                    .into(),
            ),
        },
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn namespace_form_checks_the_dns_label_as_you_type() {
    let mut s = view(catalog(), 100, 24);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('n'));
    typed(&mut s, "Shop_Staging-");
    insta::assert_snapshot!(render(&s));
}

#[test]
fn environments_list() {
    let mut s = view(catalog(), 100, 20);
    press(&mut s, KeyCode::Char('3'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn environment_form_without_any_space() {
    let empty = Catalog {
        local_kubeconfig: true,
        ..Default::default()
    };
    let mut s = view(empty, 100, 24);
    press(&mut s, KeyCode::Char('3'));
    press(&mut s, KeyCode::Char('n'));
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn environments_and_namespaces_empty() {
    let only_space = Catalog {
        spaces: catalog().spaces,
        local_kubeconfig: true,
        ..Default::default()
    };
    let mut s = view(only_space, 90, 16);
    press(&mut s, KeyCode::Char('3'));
    let environments = render(&s);
    press(&mut s, KeyCode::Char('2'));
    answer(
        &mut s,
        Answer::Namespaces {
            space_id: "spc_sandbox".into(),
            result: Ok(vec![]),
        },
    );
    insta::assert_snapshot!(format!("{environments}\n{}", render(&s)));
}
