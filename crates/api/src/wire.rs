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

/// `BatchResponse…` and `…WithErrors`: 207 when any input failed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse<T: Serialize> {
    pub status: &'static str,
    pub results: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_errors: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::error::StandardError>,
    pub started_at: String,
    pub completed_at: String,
}

impl<T: Serialize> BatchResponse<T> {
    /// A finished batch started at `started`; `success` is the status when
    /// no input failed (200 or 201), 207 otherwise.
    pub fn respond(
        results: Vec<T>,
        errors: Vec<crate::error::StandardError>,
        started: spoke_domain::time::Timestamp,
        success: StatusCode,
    ) -> Response {
        let status = if errors.is_empty() {
            success
        } else {
            StatusCode::MULTI_STATUS
        };
        let body = BatchResponse {
            status: "COMPLETE",
            results,
            num_errors: (!errors.is_empty()).then_some(errors.len()),
            errors,
            started_at: started.to_iso(),
            completed_at: spoke_domain::time::Timestamp::now().to_iso(),
        };
        json(status, &body)
    }
}
