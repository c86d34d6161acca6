//! The spaces view of the real binary in a pseudo-terminal: a namespace and an environment
//! made from it on the sandbox, and — on the Kubernetes test cluster — `--context` and
//! `--namespace` registering the context, creating the environment (and its namespace on the
//! cluster), then opening it directly on the next start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/k8s.rs"]
mod k8s;
#[path = "support/pty.rs"]
mod pty;

use pty::Tui;

const ENTER: &str = "\r";
const ESC: &str = "\x1b";

#[test]
fn a_namespace_then_an_environment_on_it_from_the_spaces_view() {
    let dir = tempfile::tempdir().unwrap();
    let mut tui = Tui::start(dir.path());
    tui.wait_for("the demo canvas", |s| s.contains(" web "));
    tui.keys("s");
    tui.wait_for("the sandbox space", |s| {
        s.contains("● simulated") && s.contains("Enter namespaces")
    });
    tui.keys(ENTER);
    tui.wait_for("the sandbox's namespaces", |s| {
        s.contains("namespaces of space sandbox") && s.contains("kube-system")
    });
    tui.keys("n");
    tui.keys("Web_Team");
    tui.wait_for("the label checked as typed", |s| {
        s.contains("lower-case letters, digits and '-' only")
    });
    tui.keys(&"\x7f".repeat(8));
    tui.keys("web-team");
    tui.keys(ENTER);
    let screen = tui.wait_for("the namespace created and selected", |s| {
        s.contains("namespace web-team created") && s.contains("▶ web-team")
    });
    assert!(screen.contains("web-team"), "{screen}");
    tui.keys(ENTER);
    tui.wait_for("the environment form on it", |s| {
        s.contains("new environment") && s.contains("◂ sandbox ▸")
    });
    tui.keys(ENTER);
    tui.wait_for("the new environment's canvas", |s| {
        s.contains("env web-team") && s.contains("ns web-team")
    });
    tui.keys("s3");
    tui.wait_for("both environments listed", |s| {
        s.contains("web-team •") && s.contains("demo")
    });
    tui.keys(ESC);
    tui.keys("q");
    tui.wait_exit();
}

#[test]
fn context_and_namespace_flags_register_create_then_open() {
    let Some(c) = k8s::test_cluster("context_and_namespace_flags_register_create_then_open") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ns = format!("tui-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let kubeconfig = c.kubeconfig.display().to_string();
    let env = [("KUBECONFIG", kubeconfig.as_str())];
    let args = ["--no-demo", "--context", &c.context, "--namespace", &ns];
    let mut tui = Tui::start_with(dir.path(), &args, &env);
    tui.wait_for("the offer to register the context", |s| {
        s.contains("is not a space yet") && s.contains("register a space on a kubeconfig context")
    });
    tui.keys(ENTER);
    tui.wait_for("the space, then the environment form", |s| {
        s.contains("registered, cluster reachable") && s.contains("new environment")
    });
    tui.keys(ENTER);
    let screen = tui.wait_for("the environment's canvas", |s| {
        s.contains(&format!("env {ns}")) && s.contains(&format!("space {}", c.context))
    });
    assert!(screen.contains("● live"), "{screen}");
    let labels = k8s::tool(
        &c,
        "kubectl",
        &["get", "namespace", &ns, "-o", "jsonpath={.metadata.labels}"],
    );
    assert!(labels.contains("zopdeck"), "{labels}");
    // The contexts of $KUBECONFIG, as the register form lists them.
    tui.keys("sc");
    tui.wait_for("the context form", |s| s.contains("Enter on context"));
    tui.keys(ENTER);
    tui.wait_for("the test cluster's context listed", |s| {
        s.contains(&format!("{} (current)", c.context))
    });
    tui.keys(&format!("{ESC}{ESC}{ESC}q"));
    tui.wait_exit();

    // Next time the same flags open the canvas directly.
    let mut tui = Tui::start_with(dir.path(), &args, &env);
    let screen = tui.wait_for("the environment's canvas", |s| {
        s.contains(&format!("env {ns}")) && s.contains("No deployments")
    });
    assert!(!screen.contains("spaces · namespaces"), "{screen}");
    tui.keys("q");
    tui.wait_exit();
    k8s::tool(&c, "kubectl", &["delete", "namespace", &ns, "--wait=false"]);
}
