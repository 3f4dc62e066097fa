//! Faults a portal asked for (`/_spoke/v1/portals/{portalId}/faults`):
//! after authentication, a rule that hits the call waits its latency, then
//! answers with HubSpot's transient error instead of running the call
//! (which so writes nothing and counts against no allowance), or lets it
//! go on.

use super::authenticate::recorded;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use spoke_domain::Error;
use std::time::Duration;

pub async fn inject(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some((caller, _)) = recorded(&request) else {
        return ApiError::from(Error::internal("faults without an authenticated caller"))
            .into_response();
    };
    let hit = match state
        .faults
        .hit(
            caller.portal,
            request.method().as_str(),
            request.uri().path(),
        )
        .await
    {
        Ok(hit) => hit,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let Some(hit) = hit else {
        return next.run(request).await;
    };
    if hit.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(hit.latency_ms)).await;
    }
    match hit.status {
        Some(status) => ApiError::Injected(status).into_response(),
        None => next.run(request).await,
    }
}
