//! Building blocks of the Kubernetes runtime. Without apiserver calls: the renderer (a revision
//! becomes typed `k8s-openapi` objects and the manifest Helm keeps), Helm's release record
//! (the `sh.helm.release.v1.*` Secrets real `helm` reads), the rollout rules (`kubectl
//! rollout status` plus the pod failures that end a rollout early) and a kubeconfig's
//! contexts as clusters. With them: clients per kubeconfig context, namespaces and the
//! `/version` probe.

pub mod client;
pub mod discovery;
pub mod helm_record;
pub mod manifest;
pub mod namespaces;
pub mod render;
pub mod rollout;

#[cfg(test)]
mod chart_parity;

/// The field manager of every server-side apply zopdeck makes.
pub const FIELD_MANAGER: &str = "zopdeck";
