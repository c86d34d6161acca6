//! A real cluster's namespaces and its `/version` probe: what the space routes
//! (`/space-discovery/{id}/namespaces`), environment creation and the access check run
//! against a Kubernetes space. Every call is bounded in time and its error says what to do.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace as KubeNamespace;
use kube::api::{ListParams, ObjectMeta, PostParams};
use kube::{Api, Client};

use super::client::{call, classify};
use crate::backend::model::Namespace;
use crate::backend::runtime::{RuntimeError, RuntimeResult};

/// The label that marks a namespace zopdeck created (`managedByZopnight`).
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY_VALUE: &str = "zopdeck";

/// How long the `/version` probe may take: it tells whether a cluster answers at all, so it
/// is shorter than an ordinary call.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(5);

/// The apiserver's version (`v1.20.2`): whether the cluster answers, within
/// [`VERSION_TIMEOUT`]. `/version` is readable by any user, so this says nothing about
/// permissions (see [`list`]).
pub async fn version(client: &Client, cluster: &str) -> RuntimeResult<String> {
    match tokio::time::timeout(VERSION_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(info)) => Ok(info.git_version),
        Ok(Err(e)) => Err(classify(cluster, "get version", &e)),
        Err(_) => Err(RuntimeError::Transient(format!(
            "cluster {cluster} unreachable: no answer to GET /version within {} s — check the \
             kubeconfig context",
            VERSION_TIMEOUT.as_secs()
        ))),
    }
}

/// Every namespace of the cluster, by name.
pub async fn list(client: &Client, cluster: &str) -> RuntimeResult<Vec<Namespace>> {
    let api: Api<KubeNamespace> = Api::all(client.clone());
    let list = call(cluster, "list namespaces", api.list(&ListParams::default())).await?;
    let mut out: Vec<Namespace> = list.items.iter().map(to_model).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The namespace `name`, created with the managed-by label when missing. An existing one is
/// kept as it is (not relabelled: it may belong to someone else); one being deleted is a
/// passing fault.
pub async fn ensure(client: &Client, cluster: &str, name: &str) -> RuntimeResult<Namespace> {
    let api: Api<KubeNamespace> = Api::all(client.clone());
    let what = format!("get namespace {name}");
    if let Some(existing) = call(cluster, &what, api.get_opt(name)).await? {
        return usable(cluster, &existing);
    }
    let fresh = KubeNamespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some([(MANAGED_BY_LABEL.to_string(), MANAGED_BY_VALUE.to_string())].into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let what = format!("create namespace {name}");
    match tokio::time::timeout(
        super::client::CALL_TIMEOUT,
        api.create(&PostParams::default(), &fresh),
    )
    .await
    {
        Ok(Ok(created)) => Ok(to_model(&created)),
        // Someone created it between our get and create: theirs is kept.
        Ok(Err(kube::Error::Api(s))) if s.code == 409 => {
            let what = format!("get namespace {name}");
            let existing = call(cluster, &what, api.get(name)).await?;
            usable(cluster, &existing)
        }
        Ok(Err(e)) => Err(classify(cluster, &what, &e)),
        Err(_) => Err(RuntimeError::Transient(format!(
            "cluster {cluster} did not answer within {} s ({what}) — check the kubeconfig context",
            super::client::CALL_TIMEOUT.as_secs()
        ))),
    }
}

/// An existing namespace, unless it is being deleted (nothing can be created in it then).
fn usable(cluster: &str, ns: &KubeNamespace) -> RuntimeResult<Namespace> {
    let terminating = ns
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .is_some_and(|p| p == "Terminating");
    let model = to_model(ns);
    if terminating {
        return Err(RuntimeError::Transient(format!(
            "namespace {} on cluster {cluster} is being deleted; retry once it is gone",
            model.name
        )));
    }
    Ok(model)
}

fn to_model(ns: &KubeNamespace) -> Namespace {
    let managed = ns
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(MANAGED_BY_LABEL))
        .is_some_and(|v| v == MANAGED_BY_VALUE);
    let created_at = ns.metadata.creation_timestamp.as_ref().and_then(|t| {
        chrono::DateTime::from_timestamp(t.0.as_second(), t.0.subsec_nanosecond().max(0) as u32)
    });
    Namespace {
        name: ns.metadata.name.clone().unwrap_or_default(),
        managed_by_zopnight: managed,
        created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::NamespaceStatus;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn ns(name: &str, label: Option<&str>, phase: Option<&str>) -> KubeNamespace {
        KubeNamespace {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: label.map(|v| [(MANAGED_BY_LABEL.to_string(), v.to_string())].into()),
                creation_timestamp: Some(Time(
                    k8s_openapi::jiff::Timestamp::from_second(1_780_000_000).unwrap(),
                )),
                ..Default::default()
            },
            status: phase.map(|p| NamespaceStatus {
                phase: Some(p.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn only_zopdecks_label_makes_a_namespace_managed() {
        let mine = to_model(&ns("team-a", Some("zopdeck"), None));
        assert!(mine.managed_by_zopnight);
        assert_eq!(
            mine.created_at.map(|t| t.timestamp()),
            Some(1_780_000_000),
            "the creation time is kept"
        );
        assert!(!to_model(&ns("helm-one", Some("Helm"), None)).managed_by_zopnight);
        assert!(!to_model(&ns("default", None, None)).managed_by_zopnight);
    }

    #[test]
    fn a_terminating_namespace_is_a_passing_fault() {
        let e = usable("kube-test", &ns("old", None, Some("Terminating"))).unwrap_err();
        assert!(e.is_transient());
        assert!(e.message().contains("being deleted"), "{e}");
        assert!(usable("kube-test", &ns("live", None, Some("Active"))).is_ok());
    }
}
