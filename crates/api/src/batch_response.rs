//! HubSpot's batch answer, shared by every batch endpoint.

use crate::error::StandardError;
use crate::wire::json;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

/// `BatchResponse…` and `…WithErrors`: 207 when any input failed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse<T: Serialize> {
    pub status: &'static str,
    pub results: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_errors: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<StandardError>,
    pub started_at: String,
    pub completed_at: String,
}

impl<T: Serialize> BatchResponse<T> {
    /// A finished batch started at `started`; `success` is the status when
    /// no input failed (200 or 201), 207 otherwise.
    pub fn respond(
        results: Vec<T>,
        errors: Vec<StandardError>,
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
