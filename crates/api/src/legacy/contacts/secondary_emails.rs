//! Secondary emails (`/contacts/v1/secondary-email/:vid`): the contact's
//! `hs_additional_emails`, each an identity like its email (a lookup by
//! any of them finds the contact; no two contacts share one). Every answer
//! is `{"portalId", "vid", "secondaryEmails"}`.

use super::{not_found, v1_error, vid};
use crate::error::v1::V1Error;
use crate::extract::{JsonBody, Path, Portal};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use spoke_domain::contact::{unique_key, Contact, ContactLookup};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::Error;

fn answer(portal: PortalId, contact: &Contact) -> Response {
    json(
        StatusCode::OK,
        &json!({
            "portalId": portal.0,
            "vid": contact.id.0,
            "secondaryEmails": contact.additional_emails(),
        }),
    )
}

async fn contact(state: &AppState, portal: PortalId, id: &str) -> Result<Contact, Error> {
    state
        .crm
        .find_contact(portal, &ContactLookup::Id(vid(id)?), false)
        .await?
        .ok_or_else(not_found)
}

/// Writes the new list and answers with it.
async fn store(
    state: &AppState,
    portal: PortalId,
    id: ContactId,
    emails: Vec<String>,
) -> Result<Response, V1Error> {
    match state.crm.set_secondary_emails(portal, id, &emails).await {
        Ok(contact) => Ok(answer(portal, &contact)),
        Err(err) => Err(v1_error(state, portal, err).await),
    }
}

fn position(emails: &[String], email: &str) -> Option<usize> {
    let key = unique_key(email);
    emails.iter().position(|e| unique_key(e) == key)
}

fn not_secondary(email: &str) -> Error {
    Error::NotFound(format!("{email} is not a secondary email of this contact."))
}

/// `GET /contacts/v1/secondary-email/:vid`
pub async fn list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<Response, V1Error> {
    Ok(answer(portal, &contact(&state, portal, &id).await?))
}

/// `PUT /contacts/v1/secondary-email/:vid/email/:email`: adds one.
pub async fn add(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((id, email)): Path<(String, String)>,
) -> Result<Response, V1Error> {
    let contact = contact(&state, portal, &id).await?;
    let mut emails = contact.additional_emails();
    if position(&emails, &email).is_some() {
        return Ok(answer(portal, &contact));
    }
    emails.push(email);
    store(&state, portal, contact.id, emails).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplaceBody {
    target_secondary_email: String,
    updated_secondary_email: String,
}

/// `PATCH /contacts/v1/secondary-email/:vid`: replaces one.
pub async fn replace(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReplaceBody>,
) -> Result<Response, V1Error> {
    let contact = contact(&state, portal, &id).await?;
    let mut emails = contact.additional_emails();
    let at = position(&emails, &body.target_secondary_email)
        .ok_or_else(|| not_secondary(&body.target_secondary_email))?;
    emails[at] = body.updated_secondary_email;
    store(&state, portal, contact.id, emails).await
}

/// `DELETE /contacts/v1/secondary-email/:vid/email/:email`: removes one.
pub async fn remove(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((id, email)): Path<(String, String)>,
) -> Result<Response, V1Error> {
    let contact = contact(&state, portal, &id).await?;
    let mut emails = contact.additional_emails();
    let at = position(&emails, &email).ok_or_else(|| not_secondary(&email))?;
    emails.remove(at);
    store(&state, portal, contact.id, emails).await
}
