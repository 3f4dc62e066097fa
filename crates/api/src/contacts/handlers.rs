//! Contact handlers: extract, call the domain, write the wire type.

use super::wire::{
    input_values, Collection, CreateInput, ForwardPaging, NextPage, Selection, SimplePublicObject,
    UpdateInput,
};
use crate::error::ApiError;
use crate::extract::{JsonBody, Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use spoke_domain::contact::{ChangeSource, Contact, PropertyHistory};
use spoke_domain::crm::{MAX_PAGE_SIZE, MAX_PAGE_SIZE_WITH_HISTORY};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::Error;
use std::collections::HashMap;
use std::sync::Arc;

/// HubSpot's default page size.
const DEFAULT_PAGE_SIZE: usize = 10;

/// The read parameters shared by get and list.
struct ReadOptions {
    selection: Selection,
    with_history: Vec<String>,
    archived: bool,
}

impl ReadOptions {
    fn from_query(query: &QueryParams) -> Result<ReadOptions, Error> {
        let properties = query.list("properties");
        Ok(ReadOptions {
            selection: if properties.is_empty() {
                Selection::Defaults
            } else {
                Selection::Named(properties)
            },
            with_history: query.list("propertiesWithHistory"),
            archived: query.bool("archived")?.unwrap_or(false),
        })
    }
}

/// The portal's schema, when the selection needs it.
async fn schema_for(
    state: &AppState,
    portal: PortalId,
    selection: &Selection,
) -> Result<Option<Arc<PropertySchema>>, Error> {
    if selection.needs_schema() {
        state.crm.schema(portal).await.map(Some)
    } else {
        Ok(None)
    }
}

async fn histories(
    state: &AppState,
    portal: PortalId,
    contacts: &[Contact],
    names: &[String],
) -> Result<Option<HashMap<ContactId, PropertyHistory>>, Error> {
    if names.is_empty() {
        return Ok(None);
    }
    state
        .crm
        .property_history(portal, contacts, names)
        .await
        .map(Some)
}

/// `GET …/contacts`
pub async fn list_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    OriginalUri(uri): OriginalUri,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let read = ReadOptions::from_query(&query)?;
    let cap = if read.with_history.is_empty() {
        MAX_PAGE_SIZE
    } else {
        MAX_PAGE_SIZE_WITH_HISTORY
    };
    // HubSpot serves a smaller page rather than refusing a large limit; the
    // official clients' getAll() asks for 100 even with history.
    let limit = query
        .positive_int("limit")?
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .min(cap);
    let after = match query.get("after") {
        None | Some("") => None,
        Some(text) => Some(ContactId::parse(text).ok_or_else(|| {
            Error::invalid_field(
                "after",
                format!("Query parameter 'after' must be a cursor returned in paging.next.after, not \"{text}\"."),
            )
        })?),
    };
    let page = state
        .crm
        .list_contacts(portal, after, limit, read.archived)
        .await?;
    let schema = schema_for(&state, portal, &read.selection).await?;
    let histories = histories(&state, portal, &page.contacts, &read.with_history).await?;
    let results = page
        .contacts
        .iter()
        .map(|c| {
            let history = histories.as_ref().and_then(|h| h.get(&c.id));
            SimplePublicObject::new(c, &read.selection, schema.as_deref(), history)
        })
        .collect();
    let paging = page.next_after.map(|next| ForwardPaging {
        next: NextPage {
            after: next.to_string(),
            link: Some(next_link(uri.path(), &query, &next.to_string())),
        },
    });
    Ok(json(StatusCode::OK, &Collection { results, paging }))
}

/// The same request with `after` set to the next cursor.
fn next_link(path: &str, query: &QueryParams, after: &str) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for key in ["limit", "archived"] {
        if let Some(value) = query.get(key) {
            serializer.append_pair(key, value);
        }
    }
    for key in ["properties", "propertiesWithHistory"] {
        let list = query.list(key);
        if !list.is_empty() {
            serializer.append_pair(key, &list.join(","));
        }
    }
    serializer.append_pair("after", after);
    format!("{path}?{}", serializer.finish())
}

/// `POST …/contacts`
pub async fn create_contact(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(input): JsonBody<CreateInput>,
) -> Result<Response, ApiError> {
    if !input.associations.is_empty() {
        return Err(Error::invalid_field(
            "associations",
            "Spoke does not store associations yet: send the contact without them.",
        )
        .into());
    }
    let values = input_values(input.properties);
    let contact = state
        .crm
        .create_contact(portal, &values, ChangeSource::api())
        .await?;
    let schema = state.crm.schema(portal).await?;
    let body = SimplePublicObject::new(&contact, &Selection::AllSet, Some(&schema), None);
    Ok(json(StatusCode::CREATED, &body))
}

/// `GET …/contacts/{contactId}`
pub async fn get_contact(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let read = ReadOptions::from_query(&query)?;
    let lookup = state
        .crm
        .lookup(portal, &id, query.get("idProperty"))
        .await?;
    let contact = state
        .crm
        .get_contact(portal, &lookup, read.archived)
        .await?;
    let schema = schema_for(&state, portal, &read.selection).await?;
    let contacts = [contact];
    let histories = histories(&state, portal, &contacts, &read.with_history).await?;
    let [contact] = contacts;
    let history = histories.as_ref().and_then(|h| h.get(&contact.id));
    let body = SimplePublicObject::new(&contact, &read.selection, schema.as_deref(), history);
    Ok(json(StatusCode::OK, &body))
}

/// `PATCH …/contacts/{contactId}`
pub async fn update_contact(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
    JsonBody(input): JsonBody<UpdateInput>,
) -> Result<Response, ApiError> {
    let lookup = state
        .crm
        .lookup(portal, &id, query.get("idProperty"))
        .await?;
    let values = input_values(input.properties);
    let contact = state
        .crm
        .update_contact(portal, &lookup, &values, ChangeSource::api())
        .await?;
    let schema = state.crm.schema(portal).await?;
    let body = SimplePublicObject::new(&contact, &Selection::AllSet, Some(&schema), None);
    Ok(json(StatusCode::OK, &body))
}

/// `DELETE …/contacts/{contactId}`: archives.
pub async fn archive_contact(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lookup = state.crm.lookup(portal, &id, None).await?;
    state.crm.archive_contact(portal, &lookup).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
