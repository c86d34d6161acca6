//! Helm release records: records real Helm 4.1.4 wrote (`helm install` then `helm upgrade` of
//! `assets/chart` on the test cluster, `kubectl get secret -o json`) decode and encode back to
//! the same JSON; zopdeck's own records round-trip and are labelled as Helm labels them.

use serde_json::json;

use super::*;
use crate::backend::runtime::chart;
use crate::backend::runtime::kubernetes::manifest::manifest_objects;
use crate::backend::runtime::kubernetes::render::tests::spec;

fn fixture(version: u32) -> Secret {
    let text = match version {
        1 => include_str!("../testdata/helm-4.1.4-web.v1.json"),
        _ => include_str!("../testdata/helm-4.1.4-web.v2.json"),
    };
    serde_json::from_str(text).unwrap()
}

/// The release JSON inside a Secret, unzipped, as a plain JSON value.
fn raw_json(secret: &Secret) -> Value {
    let text = &secret.data.as_ref().unwrap()["release"].0;
    let zipped = STANDARD.decode(text).unwrap();
    let mut json = Vec::new();
    GzDecoder::new(zipped.as_slice())
        .read_to_end(&mut json)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

#[test]
fn a_record_real_helm_wrote_decodes() {
    let r = release_from_secret(&fixture(1)).unwrap();
    assert_eq!(
        (r.name.as_str(), r.namespace.as_str(), r.version),
        ("web", "kt-helm", 1)
    );
    assert_eq!(r.info.status, Status::Superseded);
    assert_eq!(r.info.description, "Install complete");
    assert_eq!(r.info.deleted, None);
    assert!(r.info.first_deployed <= r.info.last_deployed);
    assert_eq!(
        r.apply_method,
        Some(ApplyMethod::Ssa),
        "Helm's own installs are ssa"
    );
    assert_eq!(r.chart.metadata.name, chart::CHART_NAME);
    assert_eq!(r.chart.metadata.version, chart::CHART_VERSION);
    assert_eq!(r.chart.metadata.api_version, "v2");
    assert_eq!(r.chart.metadata.app_version, "1.0");
    let names: Vec<String> = r
        .chart
        .templates
        .iter()
        .flatten()
        .map(|f| f.name.clone())
        .collect();
    assert_eq!(
        names,
        [
            "templates/_helpers.tpl",
            "templates/configmap.yaml",
            "templates/deployment.yaml",
            "templates/service.yaml"
        ]
    );
    let deployment = r
        .chart
        .templates
        .iter()
        .flatten()
        .find(|f| f.name.ends_with("deployment.yaml"));
    assert!(String::from_utf8_lossy(&deployment.unwrap().data).contains("kind: Deployment"));
    assert_eq!(r.config["image"], "ghcr.io/acme/web:1.0");
    assert_eq!(r.config["revisionId"], "rev_1");
    let kinds: Vec<String> = manifest_objects(&r.manifest)
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(kinds, ["ConfigMap", "Service", "Deployment"]);
    assert!(r.labels.is_empty(), "only system labels: {:?}", r.labels);

    let r2 = release_from_secret(&fixture(2)).unwrap();
    assert_eq!((r2.version, r2.info.status), (2, Status::Deployed));
    assert_eq!(r2.info.description, "Upgrade complete");
    assert_eq!(r2.info.first_deployed, r.info.first_deployed);
}

#[test]
fn a_record_real_helm_wrote_encodes_back_to_the_same_json() {
    for version in [1, 2] {
        let secret = fixture(version);
        let original = raw_json(&secret);
        let decoded = release_from_secret(&secret).unwrap();
        assert_eq!(
            serde_json::to_value(&decoded).unwrap(),
            original,
            "v{version}"
        );
        let again = decode_release(encode_release(&decoded).unwrap().as_bytes()).unwrap();
        assert_eq!(again, decoded, "v{version}");
    }
}

#[test]
fn zopdecks_record_has_the_shape_of_helms() {
    let mut s = spec(
        "web",
        "ghcr.io/acme/web:1.0",
        json!({"port": 8080, "envVars": {"A": "1"}}),
    );
    s.release.namespace = "kt-helm".into();
    let first = t("2026-12-02T08:00:00.5Z");
    let ours = chart::release_record(&s, 1, Status::Deployed, &first, &first).unwrap();
    let ours = serde_json::to_value(&ours).unwrap();
    let helms = raw_json(&fixture(1));
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&ours), keys(&helms));
    assert_eq!(keys(&ours["info"]), keys(&helms["info"]));
    assert_eq!(
        keys(&ours["chart"]["metadata"]),
        keys(&helms["chart"]["metadata"])
    );
    assert_eq!(ours["chart"]["metadata"], helms["chart"]["metadata"]);
    assert_eq!(ours["chart"]["values"], helms["chart"]["values"]);
    assert_eq!(keys(&ours["config"]), keys(&helms["config"]));
    let names = |v: &Value| -> Vec<Value> {
        v["chart"]["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].clone())
            .collect()
    };
    assert_eq!(names(&ours), names(&helms));
    assert_eq!(ours["apply_method"], "csa");
    assert_eq!(ours["info"]["first_deployed"], "2026-12-02T08:00:00.5Z");
    assert!(
        ours["info"].get("deleted").is_none(),
        "never \"deleted\": \"\""
    );
}

#[test]
fn zopdecks_secret_is_labelled_and_encoded_as_helms() {
    let s = spec("web", "ghcr.io/acme/web:1.0", json!({}));
    let at = t("2026-12-02T08:00:00Z");
    let mut release = chart::release_record(&s, 7, Status::PendingUpgrade, &at, &at).unwrap();
    release.labels.insert("status".into(), "deployed".into()); // never overrides Helm's own
    let secret = release_secret(&release, Some(at), Some(t("2026-12-02T08:00:09Z"))).unwrap();
    assert_eq!(
        secret.metadata.name.as_deref(),
        Some("sh.helm.release.v1.web.v7")
    );
    assert_eq!(secret.metadata.namespace.as_deref(), Some("kt-render"));
    assert_eq!(secret.type_.as_deref(), Some("helm.sh/release.v1"));
    let labels = secret.metadata.labels.clone().unwrap();
    let want: BTreeMap<String, String> = [
        ("name", "web"),
        ("owner", "helm"),
        ("status", "pending-upgrade"),
        ("version", "7"),
        ("createdAt", "1796198400"),
        ("modifiedAt", "1796198409"),
        ("zopdeck.dev/deployment-id", "dep_0123456789abcdef"),
        ("zopdeck.dev/revision-id", "rev_fedcba9876543210"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(labels, want);

    // On the wire: the Secret's base64 of the base64 of gzip.
    let wire = serde_json::to_value(&secret).unwrap();
    let outer = STANDARD
        .decode(wire["data"]["release"].as_str().unwrap())
        .unwrap();
    let inner = STANDARD.decode(&outer).unwrap();
    assert_eq!(&inner[..2], &[0x1f, 0x8b], "gzip");

    let back = release_from_secret(&secret).unwrap();
    assert_eq!(
        back.labels
            .get("zopdeck.dev/revision-id")
            .map(String::as_str),
        Some("rev_fedcba9876543210")
    );
    assert!(!back.labels.contains_key("status"));
    release.labels.remove("status");
    assert_eq!(back, release);
    assert_eq!(history_selector("web"), "owner=helm,name=web");

    let created_only = release_secret(&release, Some(at), None).unwrap();
    assert!(
        !created_only
            .metadata
            .labels
            .unwrap()
            .contains_key("modifiedAt")
    );
}

#[test]
fn deleted_is_absent_unless_set_and_times_read_like_go() {
    let record = |deleted: Value| {
        let mut v = raw_json(&fixture(1));
        v["info"]["deleted"] = deleted;
        serde_json::from_value::<Release>(v).unwrap()
    };
    assert_eq!(record(json!("")).info.deleted, None);
    assert_eq!(record(json!("0001-01-01T00:00:00Z")).info.deleted, None);
    assert_eq!(record(Value::Null).info.deleted, None);
    let gone = record(json!("2026-12-02T09:00:00.120+01:00"));
    assert_eq!(gone.info.deleted, Some(t("2026-12-02T08:00:00.12Z")));
    let v = serde_json::to_value(&gone).unwrap();
    assert_eq!(v["info"]["deleted"], "2026-12-02T08:00:00.12Z");
    assert_eq!(
        go_time::format(&t("2026-12-02T08:00:00Z")),
        "2026-12-02T08:00:00Z"
    );
    assert_eq!(
        go_time::format(&t("2026-12-02T08:00:00.179809157Z")),
        "2026-12-02T08:00:00.179809157Z"
    );
}

#[test]
fn plain_json_records_are_read_and_bad_ones_say_why() {
    let json = serde_json::to_vec(&raw_json(&fixture(2))).unwrap();
    let plain = decode_release(STANDARD.encode(json).as_bytes()).unwrap();
    assert_eq!(plain.version, 2);

    let mut wrong = fixture(1);
    wrong.type_ = Some("Opaque".into());
    let err = release_from_secret(&wrong).unwrap_err();
    assert!(matches!(err, RecordError::NotARecord { .. }), "{err}");
    let mut empty = fixture(1);
    empty.data = None;
    assert!(matches!(
        release_from_secret(&empty),
        Err(RecordError::NoData(_))
    ));
    assert!(matches!(
        decode_release(b"not base64!"),
        Err(RecordError::Base64(_))
    ));
    let not_json = STANDARD.encode(b"{\"name\": 1}");
    assert!(matches!(
        decode_release(not_json.as_bytes()),
        Err(RecordError::Json(_))
    ));
}

#[test]
fn statuses_are_helms_words() {
    for (s, text) in [
        (Status::Deployed, "deployed"),
        (Status::Superseded, "superseded"),
        (Status::Failed, "failed"),
        (Status::Uninstalling, "uninstalling"),
        (Status::PendingInstall, "pending-install"),
        (Status::PendingUpgrade, "pending-upgrade"),
        (Status::PendingRollback, "pending-rollback"),
    ] {
        assert_eq!(s.as_str(), text);
        assert_eq!(serde_json::to_value(s).unwrap(), text);
        assert_eq!(s.is_pending(), text.starts_with("pending-"));
    }
}
