//! One correlation id, one API family and one log line per request.

use crate::pipeline::family::{in_family, Family};
use axum::extract::{MatchedPath, Request};
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

/// The correlation id of the request being handled on this task. Anything
/// logged while handling a request names it, so a client's error body leads
/// to the server's log lines.
pub fn correlation_id() -> Uuid {
    CORRELATION_ID
        .try_with(|id| *id)
        .unwrap_or_else(|_| Uuid::nil())
}

pub async fn request_context(request: Request, next: Next) -> Response {
    let id = Uuid::new_v4();
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let family = Family::of(&path);
    // The route's template, not the path: ids stay out of metrics.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let mut text = Uuid::encode_buffer();
    let text = id.hyphenated().encode_lower(&mut text);
    // Everything logged while the request is handled carries its
    // correlation id and route.
    let span = tracing::info_span!("request", correlation_id = %text, route = %route);
    let mut response = CORRELATION_ID
        .scope(id, in_family(family, next.run(request)))
        .instrument(span.clone())
        .await;
    if let Ok(value) = HeaderValue::from_str(text) {
        response.headers_mut().insert(CORRELATION_HEADER, value);
    }
    // The route's template, never the path itself: a path may hold an
    // email (`/contacts/v1/contact/email/{email}/profile`), and logs keep
    // no personal data. Only an unrouted path is logged as sent.
    let unrouted = (route == "unmatched").then_some(path.as_str());
    span.in_scope(|| {
        tracing::info!(
            correlation_id = %text,
            %method,
            route = %route,
            unrouted_path = unrouted,
            status = response.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "request"
        );
    });
    crate::metrics::request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
