//! The Kubernetes runtime (`KubeRuntime`) and its parts: the client per kubeconfig context,
//! the renderer (a revision becomes typed `k8s-openapi` objects and the manifest Helm keeps),
//! Helm's release record (the `sh.helm.release.v1.*` Secrets real `helm` reads), the rollout
//! rules (`kubectl rollout status` plus the pod failures that end a rollout early), the
//! objects on the cluster, the LoadBalancer, and the watches.

pub mod client;
pub mod discovery;
pub mod helm_record;
mod loadbalancer;
pub mod manifest;
pub mod namespaces;
mod objects;
mod records;
pub mod render;
pub mod rollout;
mod runtime;
mod watch;

pub use runtime::KubeRuntime;

#[cfg(test)]
mod chart_parity;

/// The field manager of every server-side apply zopdeck makes.
pub const FIELD_MANAGER: &str = "zopdeck";
