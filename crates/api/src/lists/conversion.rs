//! Lists v3: a DYNAMIC list's conversion to static on a schedule
//! (`/{listId}/schedule-conversion`), and a list's sizes and edits over
//! time (`/{listId}/size-and-edits-history/between`).

use super::handlers::list_id;
use crate::error::ApiError;
use crate::extract::{JsonBody, Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use spoke_domain::time::{parse_date, Timestamp};
use spoke_domain::Error;

/// `GET /crm/v3/lists/{listId}/schedule-conversion`
pub async fn get_conversion(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let conversion = state.lists.conversion(portal, list_id(&id)?).await?;
    Ok(json(StatusCode::OK, &conversion.to_json()))
}

/// `PUT /crm/v3/lists/{listId}/schedule-conversion` with a
/// `CONVERSION_DATE` or an `INACTIVITY` time.
pub async fn schedule_conversion(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let conversion = state
        .lists
        .schedule_conversion(portal, list_id(&id)?, &body)
        .await?;
    Ok(json(StatusCode::OK, &conversion.to_json()))
}

/// `DELETE /crm/v3/lists/{listId}/schedule-conversion` (204).
pub async fn cancel_conversion(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.lists.cancel_conversion(portal, list_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /crm/v3/lists/{listId}/size-and-edits-history/between?startDate=&endDate=`
pub async fn size_and_edits(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let start = time_param(&query, "startDate")?;
    let end = time_param(&query, "endDate")?;
    let history = state
        .lists
        .size_and_edits(portal, list_id(&id)?, start, end)
        .await?;
    Ok(json(StatusCode::OK, &history.to_json()))
}

/// A date-time query parameter: ISO 8601, a date (its start, UTC) or ms.
fn time_param(query: &QueryParams, key: &str) -> Result<Option<Timestamp>, Error> {
    let Some(text) = query.get(key).map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    Timestamp::parse_iso(text)
        .or_else(|| parse_date(text).map(Timestamp::from_date))
        .or_else(|| text.parse::<i64>().ok().and_then(Timestamp::from_millis))
        .map(Some)
        .ok_or_else(|| {
            Error::invalid_field(
                key,
                format!("{key} {text} is not a date-time: expected ISO 8601, such as 2024-03-11T12:00:00Z."),
            )
        })
}
