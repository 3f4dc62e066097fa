//! `GET`/`DELETE /_spoke/v1/portals/{portalId}/requests`: the portal's
//! request journal (see `spoke_domain::sandbox::journal`).

use super::portal_id;
use crate::error::ApiError;
use crate::extract::{Path, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json as j;
use spoke_domain::sandbox::journal::{JournalQuery, KEEP_PER_PORTAL};
use spoke_domain::Error;

/// Newest first: `?path=` (part of the path), `?status=`,
/// `?correlationId=`, `?after=` (ids above), `?limit=` (default 100, up
/// to 1,000).
pub async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let number = |key: &str| -> Result<Option<i64>, Error> {
        query
            .get(key)
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    Error::invalid_field(key, format!("{key} must be a whole number, not \"{v}\"."))
                })
            })
            .transpose()
    };
    let status = number("status")?
        .map(|s| {
            u16::try_from(s)
                .map_err(|_| Error::invalid_field("status", "status must be an HTTP status."))
        })
        .transpose()?;
    let limit = number("limit")?.unwrap_or(100);
    if !(1..=KEEP_PER_PORTAL as i64).contains(&limit) {
        return Err(Error::invalid_field(
            "limit",
            format!("limit must be between 1 and {KEEP_PER_PORTAL}."),
        )
        .into());
    }
    let entries = state
        .journal
        .list(
            portal_id(&id)?,
            JournalQuery {
                path: query.get("path").map(str::to_string),
                status,
                correlation_id: query.get("correlationId").map(str::to_string),
                after: number("after")?,
                limit: limit as usize,
            },
        )
        .await?;
    let results: Vec<_> = entries.iter().map(|(id, e)| e.to_json(*id)).collect();
    Ok(json(StatusCode::OK, &j!({ "results": results })))
}

pub async fn clear(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.journal.clear(portal_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
