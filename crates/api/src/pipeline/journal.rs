//! Every authenticated call of a portal's API is noted in the portal's
//! request journal once answered (see `spoke_domain::sandbox::journal`):
//! who called, what, the answer and how long it took, bodies cut, secrets
//! masked. The note is handed to a writer; the call never waits for it.

use super::authenticate::recorded;
use crate::error::ApiError;
use crate::request_context::correlation_id;
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use spoke_domain::sandbox::journal::{credential_name, cut, masked, JournalEntry};
use spoke_domain::time::Timestamp;
use std::time::Instant;

pub async fn note(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.journal.is_on() {
        return next.run(request).await;
    }
    let started = Instant::now();
    let at = Timestamp::now();
    let Some((caller, _)) = recorded(&request) else {
        return next.run(request).await;
    };
    let method = request.method().to_string();
    let path = masked(request.uri().path(), request.uri().query());
    // A file upload (an import) streams through; its bytes are not kept.
    let upload = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/"));
    // A GDPR delete names the person it deletes: its bodies are not kept.
    let forgetting = path.contains("/gdpr-delete");
    let kept = |body: &[u8]| {
        if forgetting {
            "(not kept: a GDPR delete)".to_string()
        } else {
            cut(body)
        }
    };
    let (request, request_body) = if upload {
        (request, "(a file upload: not kept)".to_string())
    } else {
        let (parts, body) = request.into_parts();
        let Ok(sent) = to_bytes(body, crate::MAX_BODY_BYTES).await else {
            return ApiError::PayloadTooLarge.into_response();
        };
        let request_body = kept(&sent);
        (Request::from_parts(parts, Body::from(sent)), request_body)
    };
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let answered = to_bytes(body, usize::MAX).await.unwrap_or_default();
    state.journal.note(
        caller.portal,
        JournalEntry {
            at,
            credential: credential_name(&caller.credential),
            method,
            path,
            status: parts.status.as_u16(),
            latency_ms: started.elapsed().as_millis() as u64,
            correlation_id: correlation_id().to_string(),
            request_body,
            response_body: kept(&answered),
        },
    );
    Response::from_parts(parts, Body::from(answered))
}
