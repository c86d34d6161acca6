//! Building blocks of the Kubernetes runtime, free of apiserver calls: the renderer (a revision
//! becomes typed `k8s-openapi` objects and the manifest Helm keeps), Helm's release record
//! (the `sh.helm.release.v1.*` Secrets real `helm` reads), and the rollout rules
//! (`kubectl rollout status` plus the pod failures that end a rollout early).

pub mod client;
pub mod helm_record;
pub mod manifest;
pub mod render;
pub mod rollout;

#[cfg(test)]
mod chart_parity;

/// The field manager of every server-side apply zopdeck makes.
pub const FIELD_MANAGER: &str = "zopdeck";
