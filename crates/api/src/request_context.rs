//! One correlation id, one tracing span and one log line per request.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

/// HubSpot's response header carrying the request's correlation id.
pub const CORRELATION_HEADER: &str = "x-hubspot-correlation-id";

tokio::task_local! {
    static CORRELATION_ID: Uuid;
}

/// The correlation id of the request being handled on this task.
pub fn correlation_id() -> Uuid {
    CORRELATION_ID
        .try_with(|id| *id)
        .unwrap_or_else(|_| Uuid::nil())
}

pub async fn request_context(request: Request, next: Next) -> Response {
    let id = Uuid::new_v4();
    let started = Instant::now();
    let span = tracing::info_span!(
        "request",
        correlation_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let mut response = CORRELATION_ID
        .scope(id, next.run(request).instrument(span.clone()))
        .await;
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert(CORRELATION_HEADER, value);
    }
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    span.in_scope(|| tracing::info!(status, micros, "request"));
    response
}
