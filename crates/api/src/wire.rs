//! Writing JSON responses the way HubSpot does.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// HubSpot's own response content type.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";

/// Serialises `body` with `status`.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            );
            response
        }
        Err(err) => {
            crate::error::ApiError::from(spoke_domain::Error::internal(err)).into_response()
        }
    }
}
