//! Writing JSON responses the way HubSpot does.

use crate::request_context::correlation_id;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
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
        // Spoke's own types always serialise; should one not, the client
        // still gets HubSpot's 500 body, and the log says why.
        Err(err) => {
            let id = correlation_id();
            tracing::error!(correlation_id = %id, error = %err, "cannot serialise a response");
            let body = format!(
                r#"{{"status":"error","message":"An internal error occurred. Quote the correlationId when reporting it.","correlationId":"{id}","category":"INTERNAL_ERROR"}}"#
            );
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            );
            response
        }
    }
}
