//! HubSpot's legacy APIs (`/properties/v1`, later `/contacts/v1`), served
//! from the same domain as v3, with v1 shapes and v1 error bodies.

mod contacts;
mod properties;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(properties::routes())
        .merge(contacts::routes())
}
