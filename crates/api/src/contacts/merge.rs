//! `POST …/merge` and `POST …/gdpr-delete`.

use super::wire::{id_text, GdprDeleteInput, MergeInput, Selection, SimplePublicObject};
use crate::error::ApiError;
use crate::extract::{JsonBody, Portal};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Merges `objectIdToMerge` into `primaryObjectId`: 200 with the merged
/// contact, which keeps the primary's id.
pub async fn merge_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(input): JsonBody<MergeInput>,
) -> Result<Response, ApiError> {
    let merged = state
        .crm
        .merge_contacts(
            portal,
            &id_text(&input.primary_object_id),
            &id_text(&input.object_id_to_merge),
        )
        .await?;
    let schema = state.crm.schema(portal).await?;
    let body = SimplePublicObject::new(&merged, &Selection::AllSet, Some(&schema), None);
    Ok(json(StatusCode::OK, &body))
}

/// Permanently deletes a contact (204); an unknown email is blocked.
pub async fn gdpr_delete_contact(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(input): JsonBody<GdprDeleteInput>,
) -> Result<Response, ApiError> {
    // Calls this node noted but has not stored yet are stored first, so
    // the delete forgets them too.
    state.journal.flush().await;
    state
        .crm
        .gdpr_delete(
            portal,
            &id_text(&input.object_id),
            input.id_property.as_deref(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
