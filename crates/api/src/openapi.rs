//! `GET /openapi.json`: the operations of HubSpot's OpenAPI files that this
//! Spoke serves, as one OpenAPI document (generated, with COMPATIBILITY.md,
//! by `crates/server/tests/compatibility.rs`, which fails when either is
//! stale), for API explorers and code generators. No credential needed.

use crate::AppState;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The document, built into the binary.
pub const DOCUMENT: &str = include_str!("../openapi.json");

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

async fn document() -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        DOCUMENT,
    )
        .into_response()
}
