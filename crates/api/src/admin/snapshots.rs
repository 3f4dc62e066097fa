//! Portal snapshots (`/_spoke/v1/portals/{portalId}/snapshots`) and clones
//! (`.../clone`), see `spoke_domain::sandbox::snapshots`.

use super::portal_id;
use super::portals::{tier, CreatedPortalBody};
use crate::error::ApiError;
use crate::extract::{JsonBody, OptionalJson, Path};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json as j;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewSnapshotBody {
    name: Option<String>,
}

/// `POST .../snapshots` `{"name"}`: 201 `{"name", "createdAt", "contacts"}`.
pub async fn take(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewSnapshotBody>,
) -> Result<Response, ApiError> {
    let snapshot = state
        .snapshots
        .take(portal_id(&id)?, body.name.as_deref())
        .await?;
    Ok(json(StatusCode::CREATED, &snapshot.to_json()))
}

/// `GET .../snapshots`: `{"results": [...]}`, oldest first.
pub async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let snapshots = state.snapshots.list(portal_id(&id)?).await?;
    let results: Vec<_> = snapshots.iter().map(|s| s.to_json()).collect();
    Ok(json(StatusCode::OK, &j!({ "results": results })))
}

/// `POST .../snapshots/{name}/restore`: 200 with the snapshot.
pub async fn restore(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshots.restore(portal_id(&id)?, &name).await?;
    Ok(json(StatusCode::OK, &snapshot.to_json()))
}

/// `DELETE .../snapshots/{name}`: 204.
pub async fn delete(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.snapshots.delete(portal_id(&id)?, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CloneBody {
    name: Option<String>,
    tier: Option<String>,
    with_data: Option<bool>,
}

/// `POST .../clone` `{"name", "tier", "withData"}` (all optional): 201
/// `{"portalId", "name", "tier", "accessToken"}`, a new portal with the
/// source's definitions (and, with `withData`, its contacts and lists).
pub async fn clone(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<CloneBody>,
) -> Result<Response, ApiError> {
    let source = state.access.portal(portal_id(&id)?).await?;
    let tier = match body.tier.as_deref() {
        None => source.tier,
        given => tier(given)?,
    };
    let created = state
        .access
        .create_portal(body.name.as_deref(), tier)
        .await?;
    state
        .snapshots
        .fill_clone(
            source.id,
            created.portal.id,
            body.with_data.unwrap_or(false),
        )
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &CreatedPortalBody {
            portal_id: created.portal.id.0,
            name: created.portal.name,
            tier: created.portal.tier.as_str(),
            access_token: created.access_token,
        },
    ))
}
