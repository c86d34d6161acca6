//! Helm's release record: the serde model of the release JSON real Helm (4.1.4) writes and
//! reads, its encoding (`data.release` = base64(gzip(JSON)); the Secret's own base64 on the
//! wire makes it twice), and the Secret `sh.helm.release.v1.<name>.v<N>` that holds it.
//! Fields zopdeck does not model are kept as they were (`extra`), so a record written by Helm
//! decodes and encodes back to the same JSON.
//!
//! `apply_method`: zopdeck records `csa`; [`ZOPDECK_APPLY_METHOD`] says why and what was seen
//! on a real cluster with real `helm`.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

pub const SECRET_TYPE: &str = "helm.sh/release.v1";
pub const OWNER: &str = "helm";
/// The Secret labels Helm's storage sets itself; any other label is a release label.
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// What zopdeck records as `apply_method`, and why: `csa`, so that a plain `helm rollback`
/// works on objects zopdeck server-side applies as field manager `zopdeck`.
///
/// Seen on the test cluster (apiserver 1.20.2, helm 4.1.4; the rendered objects of two
/// revisions server-side applied with manager `zopdeck`, the Secrets of this module written
/// as v1 superseded and v2 deployed):
/// - `helm list`, `history`, `status` and `get values` read the releases as Helm's own
///   (chart `zopdeck-app-0.1.0`, "Install complete" / "Upgrade complete").
/// - recorded `csa`: `helm rollback web 1` succeeds: v3 deployed "Rollback to 1", v2
///   superseded; the Deployment, its pod labels (`zopdeck.dev/revision: "1"`) and the
///   ConfigMap are back at revision 1. Helm patches client-side from the stored manifests and
///   becomes manager `helm` (operation Update) of what it changed; v3 copies v1's config,
///   manifest, `apply_method` and release labels (so its `zopdeck.dev/revision-id` label is
///   v1's). Afterwards zopdeck's apply conflicts with `helm` unless forced — it always forces.
///   `helm uninstall web` then deletes the ConfigMap, Service, Deployment and every record.
/// - recorded `ssa`: `helm rollback web 1` fails and records v3 `failed`: "conflict occurred
///   while applying object … Apply failed with 4 conflicts: conflicts with "zopdeck"" (Helm
///   applies server-side as manager `helm` without forcing). `helm uninstall` still works.
///
/// Helm itself records `ssa` for its own installs (see `testdata/helm-4.1.4-web.v1.json`).
pub const ZOPDECK_APPLY_METHOD: ApplyMethod = ApplyMethod::Csa;

#[derive(Debug, Error)]
pub enum RecordError {
    #[error("Secret {name} is not a Helm release record (type {found:?}, expected {SECRET_TYPE})")]
    NotARecord { name: String, found: Option<String> },
    #[error("Helm release record {0} has no data.release")]
    NoData(String),
    #[error("Helm release record is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("Helm release record could not be (un)zipped: {0}")]
    Gzip(#[from] std::io::Error),
    #[error("Helm release record is not a release: {0}")]
    Json(#[from] serde_json::Error),
}

/// A release as Helm keeps it (Helm's `release.Release`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub name: String,
    pub info: Info,
    pub chart: Chart,
    /// The values the user supplied (for zopdeck: `chart::values`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Value>,
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_method: Option<ApplyMethod>,
    /// Release labels: Helm keeps them out of the JSON, as labels of the Secret.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Info {
    #[serde(with = "go_time")]
    pub first_deployed: DateTime<Utc>,
    #[serde(with = "go_time")]
    pub last_deployed: DateTime<Utc>,
    /// Left out unless uninstalled with `--keep-history`: Helm 3 cannot read `"deleted": ""`.
    #[serde(
        default,
        with = "go_time::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
        }
    }

    /// A revision still being applied (Helm refuses an upgrade while the last one is pending).
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyMethod {
    /// Client-side apply: `helm rollback` patches from the stored manifests.
    Csa,
    /// Server-side apply: `helm rollback` applies as field manager `helm`.
    Ssa,
}

/// The chart the release was made from (Helm's `chart.Chart`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub metadata: Metadata,
    /// Helm writes `null` for none.
    #[serde(default)]
    pub templates: Option<Vec<ChartFile>>,
    /// The chart's default values (`values.yaml`).
    #[serde(default)]
    pub values: Option<Map<String, Value>>,
    /// `lock`, `schema`, `files`, `modtime` … as Helm wrote them.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Chart.yaml`. Without it `helm list` prints the chart as MISSING.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub chart_type: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A chart file; Go writes its bytes as base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartFile {
    pub name: String,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The Secret a release revision lives in.
pub fn secret_name(release: &str, version: u32) -> String {
    format!("sh.helm.release.v1.{release}.v{version}")
}

/// The label selector of a release's history (what Helm lists by).
pub fn history_selector(release: &str) -> String {
    format!("owner={OWNER},name={release}")
}

/// `base64(gzip(JSON))`: the text in `data.release` before the Secret's own base64.
pub fn encode_release(release: &Release) -> Result<String, RecordError> {
    let json = serde_json::to_vec(release)?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&json)?;
    Ok(STANDARD.encode(gz.finish()?))
}

/// Reads `data.release` (the bytes after the Secret's base64): base64, then gzip when it is
/// gzipped (Helm reads plain JSON too).
pub fn decode_release(text: &[u8]) -> Result<Release, RecordError> {
    let raw = STANDARD.decode(text.trim_ascii())?;
    let json = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(raw.as_slice()).read_to_end(&mut out)?;
        out
    } else {
        raw
    };
    Ok(serde_json::from_slice(&json)?)
}

/// The typed Secret holding a revision, labelled as Helm labels it: `name`, `owner=helm`,
/// `status` (always `info.status`), `version`, `createdAt` (set when the Secret is created) and
/// `modifiedAt` (when it is updated), in unix seconds, and the release's own labels. Helm
/// 4.1.4 was seen to keep `createdAt` when it updated a Secret zopdeck created, and to leave
/// only `modifiedAt` on its own records; it lists history by `name` and `owner` alone.
pub fn release_secret(
    release: &Release,
    created_at: Option<DateTime<Utc>>,
    modified_at: Option<DateTime<Utc>>,
) -> Result<Secret, RecordError> {
    let mut labels = release.labels.clone();
    labels.retain(|k, _| !SYSTEM_LABELS.contains(&k.as_str()));
    labels.insert("name".into(), release.name.clone());
    labels.insert("owner".into(), OWNER.into());
    labels.insert("status".into(), release.info.status.as_str().into());
    labels.insert("version".into(), release.version.to_string());
    for (key, at) in [("createdAt", created_at), ("modifiedAt", modified_at)] {
        if let Some(at) = at {
            labels.insert(key.into(), at.timestamp().to_string());
        }
    }
    Ok(Secret {
        metadata: ObjectMeta {
            name: Some(secret_name(&release.name, release.version)),
            namespace: Some(release.namespace.clone()),
            labels: Some(labels),
            ..Default::default()
        },
        type_: Some(SECRET_TYPE.into()),
        data: Some(BTreeMap::from([(
            "release".to_string(),
            ByteString(encode_release(release)?.into_bytes()),
        )])),
        ..Default::default()
    })
}

/// The release a Helm record Secret holds, with its release labels.
pub fn release_from_secret(secret: &Secret) -> Result<Release, RecordError> {
    let name = secret.metadata.name.clone().unwrap_or_default();
    if secret.type_.as_deref() != Some(SECRET_TYPE) {
        return Err(RecordError::NotARecord {
            name,
            found: secret.type_.clone(),
        });
    }
    let data = secret
        .data
        .as_ref()
        .and_then(|d| d.get("release"))
        .ok_or_else(|| RecordError::NoData(name.clone()))?;
    let mut release = decode_release(&data.0)?;
    release.labels = secret
        .metadata
        .labels
        .iter()
        .flatten()
        .filter(|(k, _)| !SYSTEM_LABELS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(release)
}

/// Go's `time.Time` in JSON: RFC 3339 with nanoseconds, trailing zeros dropped.
mod go_time {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn format(t: &DateTime<Utc>) -> String {
        let text = t.to_rfc3339_opts(SecondsFormat::Nanos, true);
        match text.split_once('.') {
            Some((secs, frac)) => {
                let frac = frac.trim_end_matches('Z').trim_end_matches('0');
                if frac.is_empty() {
                    format!("{secs}Z")
                } else {
                    format!("{secs}.{frac}Z")
                }
            }
            None => text,
        }
    }

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }

    /// `deleted`: absent, `""` (what older zopdeck wrote) and Go's zero time all mean "not deleted".
    pub mod optional {
        use super::*;

        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&format(t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            let text = Option::<String>::deserialize(d)?.unwrap_or_default();
            if text.is_empty() || text.starts_with("0001-01-01T00:00:00") {
                return Ok(None);
            }
            DateTime::parse_from_rfc3339(&text)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(serde::de::Error::custom)
        }
    }
}

mod base64_bytes {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
