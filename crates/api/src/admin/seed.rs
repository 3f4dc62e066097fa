//! `POST /_spoke/v1/portals/{portalId}/seed`: deterministic, realistic
//! contacts (see `spoke_domain::sandbox::seed`).

use super::portal_id;
use crate::error::ApiError;
use crate::extract::{JsonBody, Path};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json as j;
use spoke_domain::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedBody {
    contacts: Option<u64>,
    seed: Option<u64>,
    /// The first contact number (a large seed written in steps).
    offset: Option<u64>,
}

/// `{"contacts": N, "seed": 42, "offset": 0}` (seed and offset optional):
/// 200 `{"portalId", "seed", "offset", "contacts", "changes"}`.
pub async fn seed(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SeedBody>,
) -> Result<Response, ApiError> {
    let portal = portal_id(&id)?;
    let contacts = body
        .contacts
        .ok_or_else(|| Error::invalid_field("contacts", "How many contacts? Give contacts."))?;
    let seed = body.seed.unwrap_or(0);
    let offset = body.offset.unwrap_or(0);
    let seeded = state.seeder.seed(portal, contacts, seed, offset).await?;
    Ok(json(
        StatusCode::OK,
        &j!({
            "portalId": portal.0,
            "seed": seed,
            "offset": offset,
            "contacts": seeded.contacts,
            "changes": seeded.changes,
        }),
    ))
}
