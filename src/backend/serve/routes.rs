//! Every route of the contract, each a thin call into the `Backend` trait.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiPath as Path, ApiQuery as Query, Caller, body};
use super::paging::{Paging, page};
use crate::backend::Backend;
use crate::backend::model::*;

pub(super) type ApiResult = Result<Response, ApiError>;

/// The success envelope, serialised straight from the value (no intermediate JSON tree).
#[derive(Serialize)]
struct Data<T> {
    data: T,
}

fn data<T: Serialize>(status: StatusCode, value: T) -> ApiResult {
    Ok((status, axum::Json(Data { data: value })).into_response())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/deployments",
            get(list_deployments).post(create_deployment),
        )
        .route(
            "/deployments/{id}",
            get(get_deployment).delete(delete_deployment),
        )
        .route(
            "/deployments/{id}/configs",
            axum::routing::patch(patch_configs),
        )
        .route(
            "/deployments/{id}/canvas-position",
            put(set_canvas_position),
        )
        .route("/deployments/{id}/analyze", post(analyze))
        .route(
            "/deployments/{id}/revisions",
            get(list_revisions).post(create_revision),
        )
        .route("/deployments/{id}/revisions/{rev}", get(get_revision))
        .route("/deployments/{id}/rollback", post(rollback))
        .route("/deployments/{id}/promote", post(promote))
        .route("/deployments/{id}/events", get(list_events))
        .route("/deployments/{id}/loadbalancer", get(loadbalancer))
        .route(
            "/environments",
            get(list_environments).post(create_environment),
        )
        .route("/environments/{env}", get(get_environment))
        .route(
            "/environments/{env}/deployments",
            get(list_env_deployments).post(create_env_deployment),
        )
        .route("/spaces", get(list_spaces).post(create_space))
        .route("/spaces/{id}", get(get_space).delete(delete_space))
        .route("/spaces/{id}/status", put(set_space_status))
        .route(
            "/space-discovery/{id}/namespaces",
            get(list_namespaces).post(create_namespace),
        )
        .route("/cloud-accounts/{account}/clusters", get(list_clusters))
        .route(
            "/cloud-accounts/{account}/clusters/{region}/{cluster}/access",
            put(register_access).delete(revoke_access),
        )
}

/// Deployments as the caller may see them (a viewer: secret env values redacted).
fn visible(caller: &Caller, deployments: Vec<Deployment>) -> Vec<Deployment> {
    if caller.sees_secrets() {
        return deployments;
    }
    deployments.into_iter().map(Deployment::redacted).collect()
}

async fn list_deployments(State(s): State<AppState>, caller: Caller, paging: Paging) -> ApiResult {
    let list = s.engine.list_deployments(None).await?;
    page(visible(&caller, list), &paging)
}

async fn list_env_deployments(
    State(s): State<AppState>,
    caller: Caller,
    Path(env): Path<String>,
    paging: Paging,
) -> ApiResult {
    let list = s.engine.list_deployments(Some(&env)).await?;
    page(visible(&caller, list), &paging)
}

async fn create_deployment(
    State(s): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let req: NewDeployment = body(b)?;
    data(StatusCode::CREATED, s.engine.create_deployment(req).await?)
}

async fn create_env_deployment(
    State(s): State<AppState>,
    Path(env): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let mut req: NewDeployment = body(b)?;
    req.env_id = Some(env);
    data(StatusCode::CREATED, s.engine.create_deployment(req).await?)
}

async fn get_deployment(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let d = s.engine.get_deployment(&id).await?;
    data(
        StatusCode::OK,
        if caller.sees_secrets() {
            d
        } else {
            d.redacted()
        },
    )
}

async fn delete_deployment(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    s.engine.delete_deployment(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigsPatch {
    configs: Value,
}

async fn patch_configs(
    State(s): State<AppState>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let req: ConfigsPatch = body(b)?;
    data(
        StatusCode::OK,
        s.engine.patch_configs(&id, req.configs).await?,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Position {
    x: f64,
    y: f64,
}

async fn set_canvas_position(
    State(s): State<AppState>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let p: Position = body(b)?;
    data(
        StatusCode::OK,
        s.engine
            .set_canvas_position(&id, CanvasPosition { x: p.x, y: p.y })
            .await?,
    )
}

async fn analyze(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    data(StatusCode::OK, s.engine.analyze(&id).await?)
}

async fn list_revisions(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    paging: Paging,
) -> ApiResult {
    let mut revs = s.engine.list_revisions(&id).await?;
    if !caller.sees_secrets() {
        revs = revs.into_iter().map(Revision::redacted).collect();
    }
    page(revs, &paging)
}

async fn create_revision(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let mut req: NewRevision = body(b)?;
    if req.delivery_id.is_none() {
        req.delivery_id = headers
            .get("x-github-delivery")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
    }
    let created = s.engine.create_revision(&id, req).await?;
    let status = if created.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    data(status, created.revision)
}

async fn get_revision(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, rev)): Path<(String, String)>,
) -> ApiResult {
    let mut rev = s.engine.get_revision(&id, &rev).await?;
    if !caller.sees_secrets() {
        rev = rev.redacted();
    }
    data(StatusCode::OK, rev)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RollbackBody {
    #[serde(rename = "toRevisionID", alias = "toRevisionId")]
    to_revision_id: String,
}

async fn rollback(
    State(s): State<AppState>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let req: RollbackBody = body(b)?;
    data(
        StatusCode::CREATED,
        s.engine.rollback(&id, &req.to_revision_id).await?,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PromoteBody {
    #[serde(rename = "fromRevisionID", alias = "fromRevisionId")]
    from_revision_id: String,
}

async fn promote(
    State(s): State<AppState>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let req: PromoteBody = body(b)?;
    data(
        StatusCode::CREATED,
        s.engine.promote(&id, &req.from_revision_id).await?,
    )
}

#[derive(Deserialize)]
struct After {
    after: Option<String>,
}

async fn list_events(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<After>,
    paging: Paging,
) -> ApiResult {
    page(
        s.engine.list_events(&id, q.after.as_deref()).await?,
        &paging,
    )
}

async fn loadbalancer(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    data(StatusCode::OK, s.engine.loadbalancer(&id).await?)
}

async fn list_environments(State(s): State<AppState>, paging: Paging) -> ApiResult {
    page(s.engine.list_environments().await?, &paging)
}

async fn get_environment(State(s): State<AppState>, Path(env): Path<String>) -> ApiResult {
    data(StatusCode::OK, s.engine.get_environment(&env).await?)
}

async fn create_environment(
    State(s): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let req: NewEnvironment = body(b)?;
    data(StatusCode::CREATED, s.engine.create_environment(req).await?)
}

async fn list_spaces(State(s): State<AppState>, paging: Paging) -> ApiResult {
    page(s.engine.list_spaces().await?, &paging)
}

async fn get_space(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    data(StatusCode::OK, s.engine.get_space(&id).await?)
}

async fn create_space(State(s): State<AppState>, b: Result<Bytes, BytesRejection>) -> ApiResult {
    let req: NewSpace = body(b)?;
    data(StatusCode::CREATED, s.engine.create_space(req).await?)
}

async fn delete_space(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    s.engine.delete_space(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: SpaceStatus,
}

async fn set_space_status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let req: StatusBody = body(b)?;
    data(
        StatusCode::OK,
        s.engine.set_space_status(&id, req.status).await?,
    )
}

async fn list_namespaces(
    State(s): State<AppState>,
    Path(id): Path<String>,
    paging: Paging,
) -> ApiResult {
    page(s.engine.list_namespaces(&id).await?, &paging)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameBody {
    name: String,
}

async fn create_namespace(
    State(s): State<AppState>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let req: NameBody = body(b)?;
    data(
        StatusCode::CREATED,
        s.engine.create_namespace(&id, &req.name).await?,
    )
}

async fn list_clusters(
    State(s): State<AppState>,
    Path(account): Path<String>,
    paging: Paging,
) -> ApiResult {
    page(s.engine.list_clusters(&account).await?, &paging)
}

async fn register_access(
    State(s): State<AppState>,
    Path((account, region, cluster)): Path<(String, String, String)>,
) -> ApiResult {
    data(
        StatusCode::OK,
        s.engine
            .register_cluster_access(&account, &region, &cluster)
            .await?,
    )
}

async fn revoke_access(
    State(s): State<AppState>,
    Path((account, region, cluster)): Path<(String, String, String)>,
) -> ApiResult {
    s.engine
        .revoke_cluster_access(&account, &region, &cluster)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
