//! A release's history in Helm's own storage: the `sh.helm.release.v1.<name>.v<N>` Secrets of
//! its namespace, read and written so that the real `helm` sees what zopdeck did (and zopdeck
//! sees what `helm` did by hand).

use chrono::Utc;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};

use super::FIELD_MANAGER;
use super::client::call;
use super::helm_record::{self, Release, Status};
use crate::backend::runtime::{ReleaseRef, RuntimeError, RuntimeResult};

/// Every revision of the release, oldest first. Records that cannot be read are skipped with
/// a warning (one damaged Secret must not hide the others).
pub async fn history(
    api: &Api<Secret>,
    cluster: &str,
    release: &ReleaseRef,
) -> RuntimeResult<Vec<Release>> {
    let list = call(
        cluster,
        &format!(
            "list the Helm records of {} in {}",
            release.name, release.namespace
        ),
        api.list(&ListParams::default().labels(&helm_record::history_selector(&release.name))),
    )
    .await?;
    let mut out: Vec<Release> = list
        .items
        .iter()
        .filter_map(|s| match helm_record::release_from_secret(s) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(release = %release.name, "skipping an unreadable Helm record: {e}");
                None
            }
        })
        .collect();
    out.sort_by_key(|r| r.version);
    Ok(out)
}

/// Writes (creates or replaces) the record Secret of `rel` — server-side applied and forced, so
/// a record `helm` touched last is taken over. The record was made when its revision was
/// applied (`info.last_deployed` until it is deployed): that is its `createdAt`.
pub async fn write(api: &Api<Secret>, cluster: &str, rel: &Release) -> RuntimeResult<()> {
    let created = rel.info.last_deployed;
    let secret = helm_record::release_secret(rel, Some(created), Some(Utc::now()))
        .map_err(|e| RuntimeError::Rejected(format!("encoding the Helm record: {e}")))?;
    let name = helm_record::secret_name(&rel.name, rel.version);
    call(
        cluster,
        &format!("write the Helm record {name}"),
        api.patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&secret),
        ),
    )
    .await?;
    Ok(())
}

/// Sets a record's status (its `status` label with it), and its description when given.
pub async fn set_status(
    api: &Api<Secret>,
    cluster: &str,
    mut rel: Release,
    status: Status,
    description: Option<String>,
) -> RuntimeResult<()> {
    if rel.info.status == status && description.is_none() {
        return Ok(());
    }
    rel.info.status = status;
    if let Some(d) = description {
        rel.info.description = d;
    }
    write(api, cluster, &rel).await
}
