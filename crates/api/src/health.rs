//! `GET /health`: liveness, without a token.

use crate::wire::json;
use crate::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

async fn health() -> Response {
    json(StatusCode::OK, &Health { status: "ok" })
}
