//! The release's objects on the cluster: applied (server-side, field manager `zopdeck`,
//! forced — a `helm rollback` by hand leaves `helm` the manager of what it changed), deleted
//! by what a stored manifest lists, and waited for until they are gone.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry};
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams,
    PropagationPolicy,
};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Api, Client};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::FIELD_MANAGER;
use super::client::{call, is_not_found};
use super::manifest::ManifestObject;
use super::render::Rendered;
use crate::backend::runtime::{RuntimeError, RuntimeResult};

/// How long a teardown waits for deleted objects to be gone (LoadBalancer finalizers can take
/// a while); past it the teardown is retried, the deletes going on meanwhile.
const GONE_WITHIN: Duration = Duration::from_secs(120);

/// Managers whose fields zopdeck takes over before applying: `helm` (a rollback or upgrade
/// by hand, client-side) and `kubectl` edits. Controllers (status, scale) keep theirs.
fn adopted(manager: &str) -> bool {
    manager == "helm" || manager.starts_with("kubectl")
}

/// Deep union of two `fieldsV1` tries.
fn union(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(mine) => union(mine, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}

/// Makes zopdeck's apply the owner of the fields a by-hand `helm`/`kubectl` change set on the
/// object, as `kubectl apply --server-side` does when it takes over from client-side apply: a
/// field zopdeck's next revision leaves out is then removed, not kept under the other owner
/// (e.g. `envFrom` of a ConfigMap a `helm rollback` brought back).
async fn adopt<K>(api: &Api<K>, cluster: &str, what: &str, name: &str) -> RuntimeResult<()>
where
    K: kube::Resource + Clone + DeserializeOwned + Serialize + std::fmt::Debug,
{
    let Some(obj) = call(cluster, &format!("read {what}"), api.get_opt(name)).await? else {
        return Ok(());
    };
    let entries = obj.meta().managed_fields.clone().unwrap_or_default();
    let foreign = |e: &ManagedFieldsEntry| {
        e.operation.as_deref() == Some("Update")
            && e.subresource.is_none()
            && e.manager.as_deref().is_some_and(adopted)
    };
    if !entries.iter().any(foreign) {
        return Ok(());
    }
    let mut taken = Value::Object(Default::default());
    for e in entries.iter().filter(|e| foreign(e)) {
        if let Some(f) = &e.fields_v1 {
            union(&mut taken, &f.0);
        }
    }
    let mut kept: Vec<ManagedFieldsEntry> =
        entries.iter().filter(|e| !foreign(e)).cloned().collect();
    let ours = kept.iter_mut().find(|e| {
        e.manager.as_deref() == Some(FIELD_MANAGER) && e.operation.as_deref() == Some("Apply")
    });
    match ours {
        Some(e) => {
            let mut mine = e
                .fields_v1
                .take()
                .map_or(Value::Object(Default::default()), |f| f.0);
            union(&mut mine, &taken);
            e.fields_v1 = Some(FieldsV1(mine));
        }
        None => kept.push(ManagedFieldsEntry {
            manager: Some(FIELD_MANAGER.into()),
            operation: Some("Apply".into()),
            api_version: entries.iter().find_map(|e| e.api_version.clone()),
            fields_type: Some("FieldsV1".into()),
            fields_v1: Some(FieldsV1(taken)),
            ..Default::default()
        }),
    }
    let patch = json!({"metadata": {
        "managedFields": kept,
        "resourceVersion": obj.meta().resource_version,
    }});
    call(
        cluster,
        &format!("take over the fields of {what}"),
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)),
    )
    .await?;
    Ok(())
}

/// Takes the object's foreign fields over, then server-side applies it.
async fn apply_one<K>(
    client: &Client,
    cluster: &str,
    ns: &str,
    kind: &str,
    obj: &K,
) -> RuntimeResult<()>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Serialize
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let name = obj.meta().name.clone().unwrap_or_default();
    let what = format!("{kind} {name} in {ns}");
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    adopt(&api, cluster, &what, &name).await?;
    let pp = PatchParams::apply(FIELD_MANAGER).force();
    call(
        cluster,
        &format!("apply {what}"),
        api.patch(&name, &pp, &Patch::Apply(obj)),
    )
    .await?;
    Ok(())
}

/// Server-side applies the revision's objects in Helm's install order.
pub async fn apply(client: &Client, cluster: &str, ns: &str, r: &Rendered) -> RuntimeResult<()> {
    if let Some(cm) = &r.config_map {
        apply_one(client, cluster, ns, "configmap", cm).await?;
    }
    if let Some(svc) = &r.service {
        apply_one(client, cluster, ns, "service", svc).await?;
    }
    apply_one(client, cluster, ns, "deployment", &r.deployment).await
}

/// The API of a manifest object's kind, in its namespace (the release's when it names none).
fn api_of(client: &Client, obj: &ManifestObject, release_ns: &str) -> Api<DynamicObject> {
    let (group, version) = match obj.api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", obj.api_version.as_str()),
    };
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, &obj.kind));
    let ns = obj.namespace.as_deref().unwrap_or(release_ns);
    Api::namespaced_with(client.clone(), ns, &ar)
}

/// Deletes the objects (in reverse install order); true when none of them was there.
/// `owners`: they own others (a Deployment its ReplicaSets and pods) — deleted in the
/// foreground, so that an object is gone only once what it owns is, and waiting for the objects
/// waits for everything. Objects that own nothing (Helm's records) go at once.
pub async fn delete_all(
    client: &Client,
    cluster: &str,
    release_ns: &str,
    objects: &[ManifestObject],
    owners: bool,
) -> RuntimeResult<bool> {
    let mut none_there = true;
    let dp = DeleteParams {
        propagation_policy: Some(if owners {
            PropagationPolicy::Foreground
        } else {
            PropagationPolicy::Background
        }),
        ..Default::default()
    };
    for obj in objects.iter().rev() {
        let api = api_of(client, obj, release_ns);
        let what = format!("delete {} {}", obj.kind.to_lowercase(), obj.name);
        match tokio::time::timeout(super::client::CALL_TIMEOUT, api.delete(&obj.name, &dp)).await {
            Ok(Ok(_)) => none_there = false,
            Ok(Err(e)) if is_not_found(&e) => {}
            Ok(Err(e)) => return Err(super::client::classify(cluster, &what, &e)),
            Err(_) => {
                return Err(RuntimeError::Transient(format!(
                    "cluster {cluster} did not answer ({what})"
                )));
            }
        }
    }
    Ok(none_there)
}

/// Waits until every object is gone (finalizers done).
pub async fn wait_gone(
    client: &Client,
    cluster: &str,
    release_ns: &str,
    objects: &[ManifestObject],
) -> RuntimeResult<()> {
    for obj in objects {
        let api = api_of(client, obj, release_ns);
        let current = match call(
            cluster,
            "look up an object being deleted",
            api.get_opt(&obj.name),
        )
        .await?
        {
            Some(o) => o,
            None => continue,
        };
        let uid = current.metadata.uid.clone().unwrap_or_default();
        let gone = await_condition(api, &obj.name, conditions::is_deleted(&uid));
        match tokio::time::timeout(GONE_WITHIN, gone).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                return Err(RuntimeError::Transient(format!(
                    "watching {} {} go: {e}",
                    obj.kind, obj.name
                )));
            }
            Err(_) => {
                return Err(RuntimeError::Transient(format!(
                    "{} {} is still being deleted after {} s (a finalizer?)",
                    obj.kind,
                    obj.name,
                    GONE_WITHIN.as_secs()
                )));
            }
        }
    }
    Ok(())
}
