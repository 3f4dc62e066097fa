//! HubSpot's legacy APIs (`/properties/v1`, later `/contacts/v1`), served
//! from the same domain as v3, with v1 shapes and v1 error bodies.

mod contacts;
pub(crate) mod error;
mod properties;

use crate::AppState;
use axum::Router;

/// Path prefixes whose errors take the v1 shape.
pub const PREFIXES: [&str; 2] = ["/properties/v1/", "/contacts/v1/"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(properties::routes())
        .merge(contacts::routes())
}

/// Whether a path belongs to a legacy API.
pub fn is_legacy(path: &str) -> bool {
    PREFIXES.iter().any(|p| path.starts_with(p))
}
