//! `/_spoke/v1/portals/{portalId}/faults`: HubSpot misbehaving on purpose
//! (see `spoke_domain::sandbox::faults`).

use super::portal_id;
use crate::error::ApiError;
use crate::extract::{JsonBody, Path};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `PUT`: replaces the portal's rules and search lag; 200 with the faults
/// in force.
pub async fn set(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let answer = state.faults.set(portal_id(&id)?, &body).await?;
    Ok(json(StatusCode::OK, &answer))
}

/// `GET`: the faults in force (spent rules gone, budgets as left).
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let answer = state.faults.in_force(portal_id(&id)?).await?;
    Ok(json(StatusCode::OK, &answer))
}

/// `DELETE`: no faults (204).
pub async fn clear(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.faults.clear(portal_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
