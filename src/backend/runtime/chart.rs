//! Renders a release from the chart in `assets/chart` and builds the release record the way
//! Helm stores it (what `helm history` reads), so every runtime records releases alike.

use serde_json::{Value, json};

use super::ReleaseSpec;
use crate::backend::engine::configs::{Quantity, TypedConfigs};
use crate::backend::model::Timestamp;

pub const CHART_NAME: &str = "zopdeck-app";
pub const CHART_VERSION: &str = "0.1.0";

const TEMPLATES: [(&str, &str); 3] = [
    (
        "templates/deployment.yaml",
        include_str!("../../../assets/chart/templates/deployment.yaml"),
    ),
    (
        "templates/service.yaml",
        include_str!("../../../assets/chart/templates/service.yaml"),
    ),
    (
        "templates/configmap.yaml",
        include_str!("../../../assets/chart/templates/configmap.yaml"),
    ),
];

/// The chart's values for this revision (Helm's `config`: what the user supplied).
pub fn values(spec: &ReleaseSpec) -> Value {
    let c = &spec.configs;
    json!({
        "image": spec.image,
        "replicas": c.replicas_or_default(),
        "port": c.port,
        "liveness": c.liveness.as_ref().map(|l| json!({
            "path": l.path, "port": l.port.or(c.port),
            "initialDelaySeconds": l.initial_delay_seconds, "periodSeconds": l.period_seconds,
        })),
        "resources": resources(c),
        "expose": c.expose.iter().map(|l| json!({"port": l.port, "protocol": l.protocol.as_str()})).collect::<Vec<_>>(),
        "rootPath": c.root_path,
        "envVars": c.env_vars,
        "secretRefs": c.secret_refs,
    })
}

fn resources(c: &TypedConfigs) -> Value {
    let Some(r) = &c.resources else {
        return json!({});
    };
    let amounts = |cpu: &Option<Quantity>, memory: &Option<Quantity>| {
        let mut m = serde_json::Map::new();
        if let Some(q) = cpu {
            m.insert("cpu".into(), q.text.clone().into());
        }
        if let Some(q) = memory {
            m.insert("memory".into(), q.text.clone().into());
        }
        Value::Object(m)
    };
    json!({
        "requests": amounts(&r.requests.cpu, &r.requests.memory),
        "limits": amounts(&r.limits.cpu, &r.limits.memory),
    })
}

/// The Kubernetes objects of the release, as the chart's templates render them.
pub fn render(spec: &ReleaseSpec) -> Vec<Value> {
    let name = &spec.release.name;
    let ns = &spec.release.namespace;
    let c = &spec.configs;
    let labels = json!({"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "zopdeck"});
    let selector = json!({"app.kubernetes.io/name": name});
    let mut container = json!({"name": "app", "image": spec.image, "resources": resources(c)});
    if let Some(port) = c.port {
        container["ports"] = json!([{"containerPort": port}]);
    }
    if !c.env_vars.is_empty() {
        container["envFrom"] = json!([{"configMapRef": {"name": format!("{name}-env")}}]);
    }
    if let Some(l) = &c.liveness {
        container["livenessProbe"] = json!({
            "httpGet": {"path": l.path, "port": l.port.or(c.port)},
            "initialDelaySeconds": l.initial_delay_seconds, "periodSeconds": l.period_seconds,
        });
    }
    let mut objects = vec![json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels,
                     "annotations": {"zopdeck.dev/revision": spec.revision_number.to_string()}},
        "spec": {
            "replicas": c.replicas_or_default(),
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": selector}, "spec": {"containers": [container]}},
        },
    })];
    if !c.expose.is_empty() {
        let ports: Vec<Value> = c
            .expose
            .iter()
            .map(|l| {
                json!({"name": format!("{}-{}", l.protocol.as_str(), l.port), "port": l.port,
                             "targetPort": c.port.unwrap_or(l.port), "protocol": "TCP"})
            })
            .collect();
        objects.push(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"type": "LoadBalancer", "selector": selector, "ports": ports},
        }));
    }
    if !c.env_vars.is_empty() {
        objects.push(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("{name}-env"), "namespace": ns, "labels": labels},
            "data": c.env_vars,
        }));
    }
    objects
}

/// The rendered manifest as Helm keeps it: YAML documents (JSON is valid YAML) joined by `---`.
pub fn manifest(spec: &ReleaseSpec) -> String {
    render(spec)
        .iter()
        .map(|o| {
            format!(
                "---\n{}\n",
                serde_json::to_string_pretty(o).unwrap_or_default()
            )
        })
        .collect()
}

/// Helm's description of a revision.
pub fn description(spec: &ReleaseSpec, version: u32) -> String {
    match (spec.rollback_to, version) {
        (Some(n), _) => format!("Rollback to {n}"),
        (None, 1) => "Install complete".to_string(),
        (None, _) => "Upgrade complete".to_string(),
    }
}

/// The release record in Helm's shape (`name`, `namespace`, `version`, `info`, `chart`,
/// `config`, `manifest`).
pub fn release_record(
    spec: &ReleaseSpec,
    version: u32,
    status: &str,
    first_deployed: &Timestamp,
    last_deployed: &Timestamp,
) -> Value {
    let templates: Vec<Value> = TEMPLATES
        .iter()
        .map(|(name, data)| json!({"name": name, "data": data}))
        .collect();
    json!({
        "name": spec.release.name,
        "namespace": spec.release.namespace,
        "version": version,
        "info": {
            "first_deployed": first_deployed,
            "last_deployed": last_deployed,
            "deleted": "",
            "description": description(spec, version),
            "status": status,
        },
        "chart": {
            "metadata": {"name": CHART_NAME, "version": CHART_VERSION, "appVersion": "1.0", "apiVersion": "v2"},
            "templates": templates,
            "values": {},
        },
        "config": values(spec),
        "manifest": manifest(spec),
        "labels": {"zopdeck.dev/revision-id": spec.revision_id},
    })
}

/// The name of the Secret Helm keeps a release revision in.
pub fn record_name(release: &str, version: u32) -> String {
    format!("sh.helm.release.v1.{release}.v{version}")
}
