//! The one renderer: a revision (`ReleaseSpec`) becomes the typed objects of its release —
//! ConfigMap (`envVars`), Service (LoadBalancer for `expose`) and Deployment — exactly as
//! `assets/chart` renders them from the values zopdeck records (`chart::values`); a test runs
//! the real `helm template` and compares. Objects are built fresh: never status, never
//! managedFields, so they can be server-side applied as they are.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, Container, ContainerPort, EnvFromSource, HTTPGetAction, PodSpec,
    PodTemplateSpec, Probe, ResourceRequirements, SecretEnvSource, Service, ServicePort,
    ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use thiserror::Error;

use super::super::ReleaseSpec;
use super::super::chart::{CHART_NAME, CHART_VERSION};
use crate::backend::model::configs::{ResourceAmounts, TypedConfigs};

pub const LABEL_NAME: &str = "app.kubernetes.io/name";
pub const LABEL_INSTANCE: &str = "app.kubernetes.io/instance";
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const LABEL_CHART: &str = "helm.sh/chart";
pub const LABEL_DEPLOYMENT_ID: &str = "zopdeck.dev/deployment-id";
pub const LABEL_REVISION: &str = "zopdeck.dev/revision";
pub const ANNOTATION_RELEASE_NAME: &str = "meta.helm.sh/release-name";
pub const ANNOTATION_RELEASE_NAMESPACE: &str = "meta.helm.sh/release-namespace";
pub const ANNOTATION_REVISION_ID: &str = "zopdeck.dev/revision-id";
/// Newer Helm deletes (and adopts) only objects managed by "Helm".
pub const MANAGED_BY_HELM: &str = "Helm";
/// The Deployment's one container.
pub const CONTAINER_NAME: &str = "app";
const SECRET_SCHEME: &str = "secret://";

/// A configs value Kubernetes would refuse, worded for the user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    #[error("configs.liveness has no port to probe: set configs.liveness.port or configs.port")]
    LivenessWithoutPort,
    #[error("configs.secretRefs entry {0:?} is not secret://NAME")]
    SecretRef(String),
}

/// The objects of one revision of a release.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// `<release>-env`, present when the configs have `envVars`.
    pub config_map: Option<ConfigMap>,
    /// Present when the configs `expose` ports.
    pub service: Option<Service>,
    pub deployment: Deployment,
}

/// Renders a revision. The deployment id and revision number become labels, so the objects
/// and the pods of one revision can be found (`revision_pod_selector`).
pub fn render(spec: &ReleaseSpec) -> Result<Rendered, RenderError> {
    let c = &spec.configs;
    let name = &spec.release.name;
    let meta = |object_name: String| ObjectMeta {
        name: Some(object_name),
        namespace: Some(spec.release.namespace.clone()),
        labels: Some(labels(spec)),
        annotations: Some(annotations(spec)),
        ..Default::default()
    };
    let config_map = (!c.env_vars.is_empty()).then(|| ConfigMap {
        metadata: meta(config_map_name(name)),
        data: Some(c.env_vars.clone()),
        ..Default::default()
    });
    let service = (!c.expose.is_empty()).then(|| Service {
        metadata: meta(name.clone()),
        spec: Some(ServiceSpec {
            type_: Some("LoadBalancer".into()),
            selector: Some(selector_labels(name)),
            ports: Some(service_ports(c)),
            ..Default::default()
        }),
        ..Default::default()
    });
    let mut pod_labels = selector_labels(name);
    pod_labels.extend(revision_labels(spec));
    let deployment = Deployment {
        metadata: meta(name.clone()),
        spec: DeploymentSpec {
            replicas: Some(to_i32(c.replicas_or_default())),
            selector: LabelSelector {
                match_labels: Some(selector_labels(name)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container(spec)?],
                    ..Default::default()
                }),
            },
            ..Default::default()
        },
        ..Default::default()
    };
    Ok(Rendered {
        config_map,
        service,
        deployment,
    })
}

/// The Deployment's and Service's selector. It names the release only — never the revision —
/// because a Deployment's selector cannot change once created.
pub fn selector_labels(release: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (LABEL_NAME.to_string(), release.to_string()),
        (LABEL_INSTANCE.to_string(), release.to_string()),
    ])
}

/// A label selector for the pods of this revision (`zopdeck.dev/deployment-id=…,zopdeck.dev/revision=N`).
pub fn revision_pod_selector(spec: &ReleaseSpec) -> String {
    revision_labels(spec)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The ConfigMap holding a release's `envVars`.
pub fn config_map_name(release: &str) -> String {
    format!("{release}-env")
}

/// The Secret a `secret://NAME` reference points at.
pub fn secret_name(secret_ref: &str) -> Option<&str> {
    secret_ref
        .strip_prefix(SECRET_SCHEME)
        .filter(|name| !name.is_empty())
}

fn revision_labels(spec: &ReleaseSpec) -> BTreeMap<String, String> {
    BTreeMap::from([
        (LABEL_DEPLOYMENT_ID.to_string(), spec.deployment_id.clone()),
        (LABEL_REVISION.to_string(), spec.revision_number.to_string()),
    ])
}

fn labels(spec: &ReleaseSpec) -> BTreeMap<String, String> {
    let mut labels = selector_labels(&spec.release.name);
    labels.insert(LABEL_MANAGED_BY.into(), MANAGED_BY_HELM.into());
    labels.insert(LABEL_CHART.into(), format!("{CHART_NAME}-{CHART_VERSION}"));
    labels.extend(revision_labels(spec));
    labels
}

fn annotations(spec: &ReleaseSpec) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            ANNOTATION_RELEASE_NAME.to_string(),
            spec.release.name.clone(),
        ),
        (
            ANNOTATION_RELEASE_NAMESPACE.to_string(),
            spec.release.namespace.clone(),
        ),
        (ANNOTATION_REVISION_ID.to_string(), spec.revision_id.clone()),
    ])
}

fn container(spec: &ReleaseSpec) -> Result<Container, RenderError> {
    let c = &spec.configs;
    let mut env_from = Vec::new();
    if !c.env_vars.is_empty() {
        env_from.push(EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: config_map_name(&spec.release.name),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    for secret_ref in &c.secret_refs {
        let name =
            secret_name(secret_ref).ok_or_else(|| RenderError::SecretRef(secret_ref.clone()))?;
        env_from.push(EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: name.to_string(),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    let liveness_probe = match &c.liveness {
        None => None,
        Some(l) => {
            let port = l.port.or(c.port).ok_or(RenderError::LivenessWithoutPort)?;
            Some(Probe {
                http_get: Some(HTTPGetAction {
                    path: Some(l.path.clone()),
                    port: IntOrString::Int(i32::from(port)),
                    ..Default::default()
                }),
                initial_delay_seconds: Some(to_i32(l.initial_delay_seconds)),
                period_seconds: Some(to_i32(l.period_seconds)),
                ..Default::default()
            })
        }
    };
    Ok(Container {
        name: CONTAINER_NAME.into(),
        image: Some(spec.image.clone()),
        ports: c.port.map(|port| {
            vec![ContainerPort {
                container_port: i32::from(port),
                ..Default::default()
            }]
        }),
        env_from: (!env_from.is_empty()).then_some(env_from),
        liveness_probe,
        resources: resources(c),
        ..Default::default()
    })
}

fn service_ports(c: &TypedConfigs) -> Vec<ServicePort> {
    c.expose
        .iter()
        .map(|l| ServicePort {
            name: Some(format!("{}-{}", l.protocol.as_str(), l.port)),
            port: i32::from(l.port),
            target_port: Some(IntOrString::Int(i32::from(c.port.unwrap_or(l.port)))),
            protocol: Some("TCP".into()),
            ..Default::default()
        })
        .collect()
}

/// Requests and limits as written; absent when neither says anything.
fn resources(c: &TypedConfigs) -> Option<ResourceRequirements> {
    let r = c.resources.as_ref()?;
    let requests = amounts(&r.requests);
    let limits = amounts(&r.limits);
    (requests.is_some() || limits.is_some()).then(|| ResourceRequirements {
        requests,
        limits,
        ..Default::default()
    })
}

fn amounts(a: &ResourceAmounts) -> Option<BTreeMap<String, Quantity>> {
    let map: BTreeMap<String, Quantity> = [("cpu", &a.cpu), ("memory", &a.memory)]
        .into_iter()
        .filter_map(|(k, q)| {
            q.as_ref()
                .map(|q| (k.to_string(), Quantity(q.text.clone())))
        })
        .collect();
    (!map.is_empty()).then_some(map)
}

/// Validated configs keep these numbers far below `i32::MAX` (replicas ≤ 1000, seconds ≤ 3600).
fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::backend::runtime::{ClusterRef, ReleaseRef};

    pub(crate) fn spec(name: &str, image: &str, configs: Value) -> ReleaseSpec {
        ReleaseSpec {
            release: ReleaseRef {
                cluster: ClusterRef {
                    account: "ca_test".into(),
                    region: "local".into(),
                    name: "kube-test".into(),
                    kubeconfig: None,
                },
                namespace: "kt-render".into(),
                name: name.into(),
            },
            deployment_id: "dep_0123456789abcdef".into(),
            revision_id: "rev_fedcba9876543210".into(),
            revision_number: 3,
            image: image.into(),
            configs: TypedConfigs::parse(&configs).unwrap(),
            rollback_to: None,
        }
    }

    fn full() -> ReleaseSpec {
        spec(
            "checkout",
            "ghcr.io/acme/checkout:1.4",
            json!({"port": 8080, "replicas": 3,
                   "liveness": {"path": "/healthz", "initialDelaySeconds": 5},
                   "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "1Gi"}},
                   "expose": [{"port": 443, "protocol": "http"}, {"port": 9000, "protocol": "tcp"}],
                   "envVars": {"LOG_LEVEL": "info", "FLAG": "yes"},
                   "secretRefs": ["secret://checkout-db-password", "secret://stripe.v2"]}),
        )
    }

    #[test]
    fn full_configs_render_the_three_objects() {
        let r = render(&full()).unwrap();
        let d = serde_json::to_value(&r.deployment).unwrap();
        assert_eq!(d["apiVersion"], "apps/v1");
        assert_eq!(d["kind"], "Deployment");
        assert_eq!(d["spec"]["replicas"], 3);
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["image"], "ghcr.io/acme/checkout:1.4");
        assert_eq!(c["ports"], json!([{"containerPort": 8080}]));
        assert_eq!(
            c["envFrom"],
            json!([{"configMapRef": {"name": "checkout-env"}},
                   {"secretRef": {"name": "checkout-db-password"}},
                   {"secretRef": {"name": "stripe.v2"}}])
        );
        assert_eq!(
            c["livenessProbe"],
            json!({"httpGet": {"path": "/healthz", "port": 8080},
                   "initialDelaySeconds": 5, "periodSeconds": 10})
        );
        assert_eq!(
            c["resources"],
            json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "1Gi"}})
        );
        let s = serde_json::to_value(r.service.as_ref().unwrap()).unwrap();
        assert_eq!(s["spec"]["type"], "LoadBalancer");
        assert_eq!(
            s["spec"]["ports"],
            json!([{"name": "http-443", "port": 443, "targetPort": 8080, "protocol": "TCP"},
                   {"name": "tcp-9000", "port": 9000, "targetPort": 8080, "protocol": "TCP"}])
        );
        let cm = serde_json::to_value(r.config_map.as_ref().unwrap()).unwrap();
        assert_eq!(cm["metadata"]["name"], "checkout-env");
        assert_eq!(cm["data"], json!({"FLAG": "yes", "LOG_LEVEL": "info"}));
    }

    #[test]
    fn every_object_is_marked_for_helm_and_zopdeck() {
        let r = render(&full()).unwrap();
        let objects = [
            serde_json::to_value(&r.deployment).unwrap(),
            serde_json::to_value(r.service.as_ref().unwrap()).unwrap(),
            serde_json::to_value(r.config_map.as_ref().unwrap()).unwrap(),
        ];
        for o in &objects {
            let m = &o["metadata"];
            assert_eq!(m["namespace"], "kt-render");
            assert_eq!(
                m["labels"],
                json!({"app.kubernetes.io/name": "checkout", "app.kubernetes.io/instance": "checkout",
                       "app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "zopdeck-app-0.1.0",
                       "zopdeck.dev/deployment-id": "dep_0123456789abcdef", "zopdeck.dev/revision": "3"})
            );
            assert_eq!(
                m["annotations"],
                json!({"meta.helm.sh/release-name": "checkout", "meta.helm.sh/release-namespace": "kt-render",
                       "zopdeck.dev/revision-id": "rev_fedcba9876543210"})
            );
            assert!(o.get("status").is_none(), "{o}");
            assert!(m.get("managedFields").is_none(), "{o}");
        }
    }

    #[test]
    fn the_selector_stays_put_across_revisions_and_pods_carry_the_revision() {
        let mut later = full();
        later.revision_number = 4;
        later.revision_id = "rev_later".into();
        let (a, b) = (render(&full()).unwrap(), render(&later).unwrap());
        let sel = |r: &Rendered| {
            let d = serde_json::to_value(&r.deployment).unwrap();
            (
                d["spec"]["selector"].clone(),
                d["spec"]["template"]["metadata"]["labels"].clone(),
            )
        };
        let ((sel_a, pods_a), (sel_b, pods_b)) = (sel(&a), sel(&b));
        assert_eq!(sel_a, sel_b);
        assert_eq!(
            sel_a,
            json!({"matchLabels": {"app.kubernetes.io/name": "checkout", "app.kubernetes.io/instance": "checkout"}})
        );
        assert_eq!(pods_a["zopdeck.dev/revision"], "3");
        assert_eq!(pods_b["zopdeck.dev/revision"], "4");
        assert_eq!(pods_b["zopdeck.dev/deployment-id"], "dep_0123456789abcdef");
        assert_eq!(
            revision_pod_selector(&later),
            "zopdeck.dev/deployment-id=dep_0123456789abcdef,zopdeck.dev/revision=4"
        );
        let svc = serde_json::to_value(b.service.unwrap()).unwrap();
        assert_eq!(svc["spec"]["selector"], sel_a["matchLabels"]);
    }

    #[test]
    fn empty_configs_render_a_bare_deployment() {
        let r = render(&spec("bare", "nginx:1.25", json!({}))).unwrap();
        assert!(r.config_map.is_none() && r.service.is_none());
        let d = serde_json::to_value(&r.deployment).unwrap();
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"],
            json!([{"name": "app", "image": "nginx:1.25"}])
        );
    }

    #[test]
    fn replicas_zero_and_secret_refs_alone() {
        let r = render(&spec(
            "quiet",
            "nginx:1.25",
            json!({"replicas": 0, "secretRefs": ["secret://db-password"], "resources": {}}),
        ))
        .unwrap();
        let d = serde_json::to_value(&r.deployment).unwrap();
        assert_eq!(d["spec"]["replicas"], 0);
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            c["envFrom"],
            json!([{"secretRef": {"name": "db-password"}}])
        );
        assert!(c.get("resources").is_none(), "{c}");
        assert!(r.config_map.is_none());
    }

    #[test]
    fn exposed_ports_without_a_container_port_target_themselves() {
        let r = render(&spec(
            "tcp",
            "nginx:1.25",
            json!({"expose": [{"port": 5432, "protocol": "tcp"}], "liveness": {"path": "/", "port": 9090}}),
        ))
        .unwrap();
        let s = serde_json::to_value(r.service.unwrap()).unwrap();
        assert_eq!(s["spec"]["ports"][0]["targetPort"], 5432);
        let d = serde_json::to_value(&r.deployment).unwrap();
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["livenessProbe"]["httpGet"]["port"], 9090);
        assert!(c.get("ports").is_none());
    }

    #[test]
    fn a_probe_without_any_port_is_refused() {
        let err = render(&spec(
            "np",
            "nginx:1.25",
            json!({"liveness": {"path": "/"}}),
        ))
        .unwrap_err();
        assert_eq!(err, RenderError::LivenessWithoutPort);
        assert!(err.to_string().contains("configs.liveness.port"), "{err}");
    }

    #[test]
    fn secret_names_come_from_their_references() {
        assert_eq!(secret_name("secret://db-password"), Some("db-password"));
        assert_eq!(secret_name("secret://"), None);
        assert_eq!(secret_name("db-password"), None);
    }
}
