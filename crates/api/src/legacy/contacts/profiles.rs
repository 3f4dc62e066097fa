//! One contact at a time, and the batch reads: create, read and update by
//! vid, email or user token, create-or-update by email, delete, merge.

use super::wire::{input_values, PropertiesBody, V1Selection};
use super::{base_url, not_found, render, v1_error, vid, ReadOptions, PROFILE};
use crate::error::v1::V1Error;
use crate::extract::QueryParams;
use crate::extract::{JsonBody, Path, Portal};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use spoke_domain::contact::{unique_key, ChangeSource, Contact, ContactLookup};
use spoke_domain::ids::PortalId;
use spoke_domain::Error;

/// Most vids or emails one batch read takes.
const MAX_BATCH_READ: usize = 100;

fn by_email(email: &str) -> ContactLookup {
    ContactLookup::Unique {
        property: "email".into(),
        key: unique_key(email.trim()),
    }
}

fn by_utk(utk: &str) -> ContactLookup {
    ContactLookup::Unique {
        property: "hubspotutk".into(),
        key: unique_key(utk.trim()),
    }
}

/// The active contact a lookup names.
async fn find(
    state: &AppState,
    portal: PortalId,
    lookup: &ContactLookup,
) -> Result<Contact, Error> {
    state
        .crm
        .find_contact(portal, lookup, false)
        .await?
        .ok_or_else(not_found)
}

/// One contact in the profile shape.
async fn profile(
    state: &AppState,
    portal: PortalId,
    contact: Contact,
    query: &QueryParams,
    headers: &HeaderMap,
) -> Result<Response, V1Error> {
    let read = ReadOptions::from_query(query, PROFILE, V1Selection::AllSet)?;
    let mut rendered = render(state, portal, &[contact], &read, &base_url(headers), |_| {
        None
    })
    .await?;
    Ok(json(StatusCode::OK, &rendered.pop()))
}

/// `POST /contacts/v1/contact`: 200 with the new contact.
pub async fn create(
    State(state): State<AppState>,
    Portal(portal): Portal,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PropertiesBody>,
) -> Result<Response, V1Error> {
    let values = input_values(body.properties);
    let contact = match state
        .crm
        .create_contact(portal, &values, ChangeSource::api())
        .await
    {
        Ok(contact) => contact,
        Err(err) => return Err(v1_error(&state, portal, err).await),
    };
    profile(&state, portal, contact, &QueryParams::parse(None), &headers).await
}

/// `GET /contacts/v1/contact/vid/:vid/profile`
pub async fn get_by_vid(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let contact = find(&state, portal, &ContactLookup::Id(vid(&id)?)).await?;
    profile(&state, portal, contact, &query, &headers).await
}

/// `GET /contacts/v1/contact/email/:email/profile` (secondary emails too).
pub async fn get_by_email(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(email): Path<String>,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let contact = find(&state, portal, &by_email(&email)).await?;
    profile(&state, portal, contact, &query, &headers).await
}

/// `GET /contacts/v1/contact/utk/:utk/profile`: by the `hubspotutk` value.
pub async fn get_by_utk(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(utk): Path<String>,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let contact = find(&state, portal, &by_utk(&utk)).await?;
    profile(&state, portal, contact, &query, &headers).await
}

async fn update(
    state: &AppState,
    portal: PortalId,
    lookup: ContactLookup,
    body: PropertiesBody,
) -> Result<Response, V1Error> {
    let id = find(state, portal, &lookup).await?.id;
    let values = input_values(body.properties);
    match state
        .crm
        .update_contact(portal, &ContactLookup::Id(id), &values, ChangeSource::api())
        .await
    {
        Ok(_) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(Error::NotFound(_)) => Err(not_found().into()),
        Err(err) => Err(v1_error(state, portal, err).await),
    }
}

/// `POST /contacts/v1/contact/vid/:vid/profile`: 204.
pub async fn update_by_vid(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PropertiesBody>,
) -> Result<Response, V1Error> {
    update(&state, portal, ContactLookup::Id(vid(&id)?), body).await
}

/// `POST /contacts/v1/contact/email/:email/profile`: 204.
pub async fn update_by_email(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(email): Path<String>,
    JsonBody(body): JsonBody<PropertiesBody>,
) -> Result<Response, V1Error> {
    update(&state, portal, by_email(&email), body).await
}

/// `POST /contacts/v1/contact/utk/:utk/profile`: 204. (HubSpot documents
/// reads by utk only; Spoke updates by utk too, as by vid and email.)
pub async fn update_by_utk(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(utk): Path<String>,
    JsonBody(body): JsonBody<PropertiesBody>,
) -> Result<Response, V1Error> {
    update(&state, portal, by_utk(&utk), body).await
}

/// `POST /contacts/v1/contact/createOrUpdate/email/:email/`:
/// `{"vid": N, "isNew": bool}`.
pub async fn create_or_update(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(email): Path<String>,
    JsonBody(body): JsonBody<PropertiesBody>,
) -> Result<Response, V1Error> {
    let values = input_values(body.properties);
    match state
        .crm
        .create_or_update_by_email(portal, &email, &values, ChangeSource::api())
        .await
    {
        Ok((contact, is_new)) => Ok(json(
            StatusCode::OK,
            &json!({ "vid": contact.id.0, "isNew": is_new }),
        )),
        Err(err) => Err(v1_error(&state, portal, err).await),
    }
}

/// `DELETE /contacts/v1/contact/vid/:vid`: archives, as v3's DELETE does.
pub async fn delete(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<Response, V1Error> {
    let id = vid(&id)?;
    // Only a contact that is there can be deleted; a merged vid names the
    // contact it was merged into.
    let contact = find(&state, portal, &ContactLookup::Id(id)).await?;
    state
        .crm
        .archive_contact(portal, &ContactLookup::Id(contact.id))
        .await?;
    Ok(json(
        StatusCode::OK,
        &json!({ "vid": id.0, "deleted": true, "reason": "OK" }),
    ))
}

/// Refuses a batch read above HubSpot's limit.
fn check_batch_read(count: usize, what: &str) -> Result<(), Error> {
    if count > MAX_BATCH_READ {
        return Err(Error::invalid_field(
            what,
            format!("At most {MAX_BATCH_READ} {what}s may be read at once, not {count}."),
        ));
    }
    Ok(())
}

/// Contacts keyed by vid (as a string).
async fn keyed(
    state: &AppState,
    portal: PortalId,
    found: Vec<(String, Contact)>,
    query: &QueryParams,
    headers: &HeaderMap,
) -> Result<Response, V1Error> {
    let read = ReadOptions::from_query(query, PROFILE, V1Selection::AllSet)?;
    let contacts: Vec<Contact> = found.iter().map(|(_, c)| c.clone()).collect();
    let rendered = render(state, portal, &contacts, &read, &base_url(headers), |_| {
        None
    })
    .await?;
    let mut out = Map::new();
    for ((key, _), contact) in found.into_iter().zip(rendered) {
        out.insert(key, serde_json::to_value(contact).map_err(Error::internal)?);
    }
    Ok(json(StatusCode::OK, &Value::Object(out)))
}

/// `GET /contacts/v1/contact/vids/batch?vid=1&vid=2`: an object keyed by
/// the vids asked for; unknown vids are left out. `includeDeletes=true`
/// also returns deleted (archived) contacts.
pub async fn get_by_vids(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let vids = query.list("vid");
    check_batch_read(vids.len(), "vid")?;
    let include_deletes = query.bool("includeDeletes")?.unwrap_or(false);
    let crm = &state.crm;
    let mut found = Vec::new();
    for text in vids {
        let Ok(id) = vid(&text) else { continue };
        let lookup = ContactLookup::Id(id);
        let mut contact = crm.find_contact(portal, &lookup, false).await?;
        if contact.is_none() && include_deletes {
            contact = crm.find_contact(portal, &lookup, true).await?;
        }
        if let Some(contact) = contact {
            found.push((id.0.to_string(), contact));
        }
    }
    keyed(&state, portal, found, &query, &headers).await
}

/// `GET /contacts/v1/contact/emails/batch?email=a&email=b`: an object
/// keyed by vid; unknown emails are left out.
pub async fn get_by_emails(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let emails = query.list("email");
    check_batch_read(emails.len(), "email")?;
    let mut found: Vec<(String, Contact)> = Vec::new();
    for email in emails {
        if let Some(contact) = state
            .crm
            .find_contact(portal, &by_email(&email), false)
            .await?
        {
            let key = contact.id.0.to_string();
            if !found.iter().any(|(k, _)| *k == key) {
                found.push((key, contact));
            }
        }
    }
    keyed(&state, portal, found, &query, &headers).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeBody {
    vid_to_merge: Value,
}

/// `POST /contacts/v1/contact/merge-vids/:vid/`: merges `vidToMerge` into
/// the path's contact; 200 with the text `SUCCESS`.
pub async fn merge(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(primary): Path<String>,
    JsonBody(body): JsonBody<MergeBody>,
) -> Result<Response, V1Error> {
    let secondary = match &body.vid_to_merge {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => {
            return Err(Error::invalid_field(
                "vidToMerge",
                format!("vidToMerge must be a contact vid, not {other}."),
            )
            .into())
        }
    };
    match state.crm.merge_contacts(portal, &primary, &secondary).await {
        Ok(_) => Ok((
            StatusCode::OK,
            [(CONTENT_TYPE, "text/plain;charset=utf-8")],
            "SUCCESS",
        )
            .into_response()),
        Err(Error::NotFound(_)) => Err(not_found().into()),
        Err(err) => Err(err.into()),
    }
}
