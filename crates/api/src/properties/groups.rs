//! Property group handlers.

use super::check_object_type;
use super::wire::{GroupBody, GroupInputBody, Results};
use crate::error::ApiError;
use crate::extract::{JsonBody, Path, Portal};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `GET …/groups`
pub async fn list_groups(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(object_type): Path<String>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    let results: Vec<GroupBody> = state
        .crm
        .list_groups(portal)
        .await?
        .iter()
        .map(Into::into)
        .collect();
    Ok(json(StatusCode::OK, &Results { results }))
}

/// `POST …/groups`: 201.
pub async fn create_group(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(object_type): Path<String>,
    JsonBody(input): JsonBody<GroupInputBody>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    let group = state.crm.create_group(portal, &input.into()).await?;
    Ok(json(StatusCode::CREATED, &GroupBody::from(&group)))
}

/// `GET …/groups/{groupName}`
pub async fn get_group(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((object_type, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    let group = state.crm.get_group(portal, &name).await?;
    Ok(json(StatusCode::OK, &GroupBody::from(&group)))
}

/// `PATCH …/groups/{groupName}`
pub async fn update_group(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((object_type, name)): Path<(String, String)>,
    JsonBody(input): JsonBody<GroupInputBody>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    let group = state.crm.update_group(portal, &name, &input.into()).await?;
    Ok(json(StatusCode::OK, &GroupBody::from(&group)))
}

/// `DELETE …/groups/{groupName}`: archives an empty group, 204.
pub async fn archive_group(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((object_type, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    state.crm.archive_group(portal, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
