//! `POST /_spoke/v1/portals/{portalId}/contacts/{contactId}/restore`:
//! an archived contact back, within 90 days of its archiving, as HubSpot's
//! restore in its UI does (HubSpot's API has none). It claims its email and
//! unique values back (409 when another contact holds one now) and emits
//! `contact.restore`.

use super::portal_id;
use crate::error::ApiError;
use crate::extract::Path;
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json as j;

pub async fn restore(
    State(state): State<AppState>,
    Path((portal, contact)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let portal = portal_id(&portal)?;
    let contact = state.crm.restore_contact(portal, &contact).await?;
    let properties: serde_json::Map<String, serde_json::Value> = contact
        .values()
        .into_iter()
        .map(|(name, value)| (name.to_string(), j!(value)))
        .collect();
    Ok(json(
        StatusCode::OK,
        &j!({
            "id": contact.id.to_string(),
            "properties": properties,
            "createdAt": contact.created_at.to_iso(),
            "updatedAt": contact.updated_at.to_iso(),
            "archived": false,
        }),
    ))
}
