//! The manifest text Helm keeps in a release record, and the list of objects a stored manifest
//! holds (what an uninstall deletes). zopdeck writes each object as pretty JSON — valid YAML
//! that every YAML reader types alike (a YAML writer's bare `yes` would turn into a boolean in
//! Helm's YAML 1.1 reader) — under Helm's own `# Source:` lines; it reads any YAML, since a
//! `helm upgrade` by hand stores the chart's own text.

use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use super::render::Rendered;
use crate::backend::runtime::chart::CHART_NAME;

#[derive(Debug, Error)]
pub enum ManifestError {
    #[error("the release manifest is not valid YAML: {0}")]
    Yaml(Box<serde_saphyr::Error>),
    #[error("could not write the {kind} into the manifest: {source}")]
    Encode {
        kind: &'static str,
        source: serde_json::Error,
    },
}

/// One object a manifest names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestObject {
    pub api_version: String,
    pub kind: String,
    /// `None` when the document leaves it to the release's namespace.
    pub namespace: Option<String>,
    pub name: String,
}

/// The rendered objects as typed JSON values, in Helm's install order (ConfigMap, Service,
/// Deployment), each with the chart template it comes from.
pub fn documents(rendered: &Rendered) -> Result<Vec<(&'static str, Value)>, ManifestError> {
    let encode = |kind: &'static str, v: Result<Value, serde_json::Error>| {
        v.map_err(|source| ManifestError::Encode { kind, source })
    };
    let mut docs = Vec::with_capacity(3);
    if let Some(cm) = &rendered.config_map {
        docs.push((
            "configmap.yaml",
            encode("ConfigMap", serde_json::to_value(cm))?,
        ));
    }
    if let Some(svc) = &rendered.service {
        docs.push((
            "service.yaml",
            encode("Service", serde_json::to_value(svc))?,
        ));
    }
    docs.push((
        "deployment.yaml",
        encode("Deployment", serde_json::to_value(&rendered.deployment))?,
    ));
    Ok(docs)
}

/// The manifest as Helm stores it: `---`, `# Source: <chart>/templates/<file>`, the object.
pub fn manifest(rendered: &Rendered) -> Result<String, ManifestError> {
    let mut out = String::new();
    for (template, doc) in documents(rendered)? {
        let text = serde_json::to_string_pretty(&doc).map_err(|source| ManifestError::Encode {
            kind: "object",
            source,
        })?;
        out.push_str(&format!(
            "---\n# Source: {CHART_NAME}/templates/{template}\n{text}\n"
        ));
    }
    Ok(out)
}

fn yaml_error(e: serde_saphyr::Error) -> ManifestError {
    ManifestError::Yaml(Box::new(e))
}

/// Every YAML document of a manifest (or of `helm template`'s output), empty ones skipped.
pub fn parse_documents(yaml: &str) -> Result<Vec<Value>, ManifestError> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(yaml).map_err(yaml_error)?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// The objects a stored manifest lists, in its order (Helm writes install order; delete them
/// in reverse). Documents without a kind or a name are not objects and are skipped.
pub fn manifest_objects(manifest: &str) -> Result<Vec<ManifestObject>, ManifestError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        #[serde(default)]
        api_version: String,
        #[serde(default)]
        kind: String,
        #[serde(default)]
        metadata: Meta,
    }
    #[derive(Deserialize, Default)]
    struct Meta {
        #[serde(default)]
        name: String,
        namespace: Option<String>,
    }
    let heads: Vec<Option<Head>> = serde_saphyr::from_multiple(manifest).map_err(yaml_error)?;
    Ok(heads
        .into_iter()
        .flatten()
        .filter(|h| !h.kind.is_empty() && !h.metadata.name.is_empty())
        .map(|h| ManifestObject {
            api_version: h.api_version,
            kind: h.kind,
            namespace: h.metadata.namespace.filter(|ns| !ns.is_empty()),
            name: h.metadata.name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::backend::runtime::kubernetes::render::render;
    use crate::backend::runtime::kubernetes::render::tests::spec;

    fn object(kind: &str, api: &str, ns: Option<&str>, name: &str) -> ManifestObject {
        ManifestObject {
            api_version: api.into(),
            kind: kind.into(),
            namespace: ns.map(Into::into),
            name: name.into(),
        }
    }

    #[test]
    fn the_manifest_golden() {
        let s = spec(
            "web",
            "ghcr.io/acme/web:2.0",
            json!({"port": 8080, "replicas": 2, "expose": [{"port": 80, "protocol": "http"}],
                   "liveness": {"path": "/healthz"}, "envVars": {"MODE": "on"},
                   "resources": {"limits": {"cpu": "1"}}, "secretRefs": ["secret://web-db"]}),
        );
        insta::assert_snapshot!(manifest(&render(&s).unwrap()).unwrap());
    }

    #[test]
    fn our_manifest_lists_its_objects_in_install_order() {
        let s = spec(
            "web",
            "nginx:1.25",
            json!({"port": 80, "expose": [{"port": 80, "protocol": "http"}], "envVars": {"A": "1"}}),
        );
        let text = manifest(&render(&s).unwrap()).unwrap();
        assert_eq!(
            manifest_objects(&text).unwrap(),
            vec![
                object("ConfigMap", "v1", Some("kt-render"), "web-env"),
                object("Service", "v1", Some("kt-render"), "web"),
                object("Deployment", "apps/v1", Some("kt-render"), "web"),
            ]
        );
        assert_eq!(parse_documents(&text).unwrap().len(), 3);
    }

    #[test]
    fn a_manifest_helm_wrote_is_read_too() {
        // What Helm 4.1.4 stored for an install of the chart before its rework.
        let text = "---\n# Source: zopdeck-app/templates/deployment.yaml\napiVersion: apps/v1\n\
                    kind: Deployment\nmetadata:\n  name: web\n  labels: {app.kubernetes.io/name: web}\n\
                    spec:\n  replicas: 1\n---\n# Source: zopdeck-app/templates/empty.yaml\n\
                    ---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: other}\n";
        assert_eq!(
            manifest_objects(text).unwrap(),
            vec![
                object("Deployment", "apps/v1", None, "web"),
                object("Service", "v1", Some("other"), "web"),
            ]
        );
    }

    #[test]
    fn an_empty_manifest_lists_nothing_and_garbage_is_an_error() {
        assert_eq!(manifest_objects("").unwrap(), vec![]);
        assert_eq!(manifest_objects("---\n# nothing\n").unwrap(), vec![]);
        let err = manifest_objects("kind: [unclosed\n").unwrap_err();
        assert!(err.to_string().contains("not valid YAML"), "{err}");
    }
}
