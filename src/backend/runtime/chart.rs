//! The chart in `assets/chart` and the release record every runtime writes in Helm's shape
//! (what `helm history` reads). The values zopdeck records as the release's `config` are the
//! chart's input; `kubernetes::render` renders the same objects from the typed configs (a test
//! runs the real `helm template` to check), so the sandbox and a cluster record alike.

use serde_json::{Map, Value, json};
use thiserror::Error;

use super::ReleaseSpec;
use super::kubernetes::helm_record::{
    self, ChartFile, Info, Metadata, Release, Status, ZOPDECK_APPLY_METHOD,
};
use super::kubernetes::manifest::{self, ManifestError};
use super::kubernetes::render::{self, RenderError};
use crate::backend::model::Timestamp;
use crate::backend::model::configs::{Quantity, ResourceAmounts, TypedConfigs};

pub const CHART_NAME: &str = "zopdeck-app";
pub const CHART_VERSION: &str = "0.1.0";

const CHART_YAML: &str = include_str!("../../../assets/chart/Chart.yaml");
const VALUES_YAML: &str = include_str!("../../../assets/chart/values.yaml");
/// The chart's templates, in the order Helm loads them (by name).
const TEMPLATES: [(&str, &str); 4] = [
    (
        "templates/_helpers.tpl",
        include_str!("../../../assets/chart/templates/_helpers.tpl"),
    ),
    (
        "templates/configmap.yaml",
        include_str!("../../../assets/chart/templates/configmap.yaml"),
    ),
    (
        "templates/deployment.yaml",
        include_str!("../../../assets/chart/templates/deployment.yaml"),
    ),
    (
        "templates/service.yaml",
        include_str!("../../../assets/chart/templates/service.yaml"),
    ),
];

#[derive(Debug, Error)]
pub enum ChartError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("the built-in chart's {file} is not valid: {source}")]
    Asset {
        file: &'static str,
        source: Box<serde_saphyr::Error>,
    },
}

/// The chart's values for this revision (Helm's `config`: what the user supplied).
pub fn values(spec: &ReleaseSpec) -> Value {
    let c = &spec.configs;
    json!({
        "deploymentId": spec.deployment_id,
        "revision": spec.revision_number,
        "revisionId": spec.revision_id,
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

/// `{requests?, limits?}` with only the amounts given; `{}` when there are none.
fn resources(c: &TypedConfigs) -> Value {
    let Some(r) = &c.resources else {
        return json!({});
    };
    let amounts = |a: &ResourceAmounts| {
        let mut m = Map::new();
        let mut put = |key: &str, q: &Option<Quantity>| {
            if let Some(q) = q {
                m.insert(key.into(), q.text.clone().into());
            }
        };
        put("cpu", &a.cpu);
        put("memory", &a.memory);
        m
    };
    let mut out = Map::new();
    for (key, a) in [("requests", &r.requests), ("limits", &r.limits)] {
        let m = amounts(a);
        if !m.is_empty() {
            out.insert(key.into(), Value::Object(m));
        }
    }
    Value::Object(out)
}

/// The Kubernetes objects of the release as JSON values, in Helm's install order.
pub fn render(spec: &ReleaseSpec) -> Result<Vec<Value>, ChartError> {
    let rendered = render::render(spec)?;
    Ok(manifest::documents(&rendered)?
        .into_iter()
        .map(|(_, doc)| doc)
        .collect())
}

/// The rendered manifest as Helm keeps it.
pub fn manifest(spec: &ReleaseSpec) -> Result<String, ChartError> {
    Ok(manifest::manifest(&render::render(spec)?)?)
}

/// Helm's description of a revision.
pub fn description(spec: &ReleaseSpec, version: u32) -> String {
    match (&spec.rollback_to, version) {
        (Some(t), _) => format!("Rollback to {}", t.number),
        (None, 1) => "Install complete".to_string(),
        (None, _) => "Upgrade complete".to_string(),
    }
}

/// `Chart.yaml` as Helm records it.
pub fn chart_metadata() -> Result<Metadata, ChartError> {
    serde_saphyr::from_str(CHART_YAML).map_err(|source| ChartError::Asset {
        file: "Chart.yaml",
        source: Box::new(source),
    })
}

/// The chart as Helm records it in a release: metadata, templates, default values.
pub fn chart() -> Result<helm_record::Chart, ChartError> {
    let values: Map<String, Value> =
        serde_saphyr::from_str(VALUES_YAML).map_err(|source| ChartError::Asset {
            file: "values.yaml",
            source: Box::new(source),
        })?;
    Ok(helm_record::Chart {
        metadata: chart_metadata()?,
        templates: Some(
            TEMPLATES
                .iter()
                .map(|(name, data)| ChartFile {
                    name: name.to_string(),
                    data: data.as_bytes().to_vec(),
                    extra: Map::new(),
                })
                .collect(),
        ),
        values: Some(values),
        extra: Map::new(),
    })
}

/// The release record of one revision, as Helm would have written it.
pub fn release_record(
    spec: &ReleaseSpec,
    version: u32,
    status: Status,
    first_deployed: &Timestamp,
    last_deployed: &Timestamp,
) -> Result<Release, ChartError> {
    let config = match values(spec) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    Ok(Release {
        name: spec.release.name.clone(),
        info: Info {
            first_deployed: *first_deployed,
            last_deployed: *last_deployed,
            deleted: None,
            description: description(spec, version),
            status,
            notes: None,
            extra: Map::new(),
        },
        chart: chart()?,
        config,
        manifest: manifest(spec)?,
        hooks: Vec::new(),
        version,
        namespace: spec.release.namespace.clone(),
        apply_method: Some(ZOPDECK_APPLY_METHOD),
        labels: [
            ("zopdeck.dev/deployment-id", &spec.deployment_id),
            ("zopdeck.dev/revision-id", &spec.revision_id),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect(),
        extra: Map::new(),
    })
}

/// The name of the Secret Helm keeps a release revision in.
pub fn record_name(release: &str, version: u32) -> String {
    helm_record::secret_name(release, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_assets_parse_and_agree_with_the_constants() {
        let meta = chart_metadata().unwrap();
        assert_eq!(
            (meta.name.as_str(), meta.version.as_str()),
            (CHART_NAME, CHART_VERSION)
        );
        assert_eq!(meta.api_version, "v2");
        let chart = chart().unwrap();
        let values = chart.values.unwrap();
        for key in ["deploymentId", "revision", "image", "envVars", "secretRefs"] {
            assert!(values.contains_key(key), "values.yaml lacks {key}");
        }
        assert_eq!(chart.templates.map(|t| t.len()), Some(TEMPLATES.len()));
    }
}
