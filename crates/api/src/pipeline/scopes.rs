//! A caller without any scope the endpoint needs gets HubSpot's 403.

use super::authenticate::recorded;
use crate::error::ApiError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use spoke_domain::Error;

pub async fn check_scopes(request: Request, next: Next) -> Response {
    let Some((caller, endpoint)) = recorded(&request) else {
        return ApiError::from(Error::internal(
            "scope check without an authenticated caller",
        ))
        .into_response();
    };
    if let Err(err) = endpoint.need.check(&caller.scopes) {
        return ApiError::from(err).into_response();
    }
    next.run(request).await
}
