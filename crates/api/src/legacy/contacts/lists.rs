//! The legacy v1 lists API (`/contacts/v1/lists...`) over the same lists
//! as v3: a v1 `listId` is the legacy id (`/crm/v3/lists/idmapping`), a
//! DYNAMIC list is `"dynamic": true`, MANUAL and SNAPSHOT lists are
//! STATIC. Contacts of a list in the v1 contact shape.

use super::listings::offset;
use super::wire::V1Selection;
use super::{base_url, render, ReadOptions, LISTING};
use crate::error::v1::V1Error;
use crate::extract::{JsonBody, Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use spoke_domain::ids::{ContactId, ListId, PortalId};
use spoke_domain::lists::legacy::to_v1;
use spoke_domain::lists::list::from_legacy_id;
use spoke_domain::lists::{
    ContactList, MemberCursor, MemberOrder, MemberPage, ProcessingStatus, ProcessingType,
};
use spoke_domain::Error;

/// `count` of the list listings: default 20, at most 250.
const DEFAULT_LISTS: usize = 20;
const MAX_LISTS: usize = 250;
/// `count` of a list's contacts: default 20, at most 100.
const DEFAULT_CONTACTS: usize = 20;
const MAX_CONTACTS: usize = 100;

fn not_found() -> Error {
    Error::NotFound("list does not exist".into())
}

/// The list a v1 id names.
fn legacy(text: &str) -> Result<ListId, Error> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(from_legacy_id)
        .ok_or_else(not_found)
}

/// The v1 list object.
fn v1_list(portal: PortalId, list: &ContactList) -> Value {
    let dynamic = list.processing_type == ProcessingType::Dynamic;
    let filters = list.filters.as_ref().map_or(json!([]), to_v1);
    json!({
        "portalId": portal.0,
        "listId": list.legacy_id(),
        "internalListId": list.id.0,
        "createdAt": list.created_at.millis(),
        "updatedAt": list.updated_at.millis(),
        "name": list.name,
        "listType": if dynamic { "DYNAMIC" } else { "STATIC" },
        "authorId": 0,
        "filters": filters,
        "metaData": {
            "size": list.size,
            "lastSizeChangeAt": list.updated_at.millis(),
            "processing": if list.processing_status == ProcessingStatus::Complete { "DONE" } else { "PROCESSING" },
            "lastProcessingStateChangeAt": list.updated_at.millis(),
            "error": "",
            "listReferencesCount": Value::Null,
            "parentFolderId": if list.folder == 0 { Value::Null } else { json!(list.folder) },
        },
        "archived": false,
        "teamIds": [],
        "ilsFilterBranch": list.filters.as_ref().map_or(String::new(), Value::to_string),
        "limitExempt": false,
        "internal": false,
        "dynamic": dynamic,
        "readOnly": false,
        "deleteable": true,
    })
}

fn lists_count(query: &QueryParams) -> Result<usize, Error> {
    Ok(query
        .positive_int("count")?
        .unwrap_or(DEFAULT_LISTS)
        .min(MAX_LISTS))
}

async fn listing(
    state: &AppState,
    portal: PortalId,
    query: &QueryParams,
    keep: impl Fn(&ContactList) -> bool,
) -> Result<Response, V1Error> {
    let count = lists_count(query)?;
    let start = offset(query, "offset")?.unwrap_or(0) as usize;
    let all: Vec<ContactList> = state
        .lists
        .many(portal, None)
        .await?
        .into_iter()
        .filter(|l| keep(l))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(count)
        .map(|l| v1_list(portal, l))
        .collect();
    let next = start + page.len();
    Ok(json(
        StatusCode::OK,
        &json!({"lists": page, "offset": next, "has-more": next < all.len()}),
    ))
}

/// `GET /contacts/v1/lists`
pub async fn all_lists(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, V1Error> {
    listing(&state, portal, &query, |_| true).await
}

/// `GET /contacts/v1/lists/static`
pub async fn static_lists(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, V1Error> {
    listing(&state, portal, &query, |l| l.processing_type.is_static()).await
}

/// `GET /contacts/v1/lists/dynamic`
pub async fn dynamic_lists(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, V1Error> {
    listing(&state, portal, &query, |l| !l.processing_type.is_static()).await
}

/// `GET /contacts/v1/lists/batch?listId=...`
pub async fn batch(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, V1Error> {
    let ids: Vec<ListId> = query
        .list("listId")
        .iter()
        .filter_map(|t| legacy(t).ok())
        .collect();
    let lists: Vec<Value> = state
        .lists
        .many(portal, Some(&ids))
        .await?
        .iter()
        .map(|l| v1_list(portal, l))
        .collect();
    Ok(json(StatusCode::OK, &json!({ "lists": lists })))
}

/// `GET /contacts/v1/lists/{listId}`
pub async fn get_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<Response, V1Error> {
    let list = state
        .lists
        .get(portal, legacy(&id)?)
        .await
        .map_err(|_| not_found())?;
    Ok(json(StatusCode::OK, &v1_list(portal, &list)))
}

#[derive(Deserialize)]
pub struct ListBody {
    name: Option<String>,
    #[serde(default)]
    dynamic: bool,
    filters: Option<Value>,
}

/// `POST /contacts/v1/lists`
pub async fn create_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(body): JsonBody<ListBody>,
) -> Result<Response, V1Error> {
    let list = state
        .lists
        .create_v1(portal, body.name, body.dynamic, body.filters.as_ref())
        .await?;
    Ok(json(StatusCode::OK, &v1_list(portal, &list)))
}

/// `POST /contacts/v1/lists/{listId}`: a new name and/or new filters.
pub async fn update_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, V1Error> {
    let id = legacy(&id)?;
    state.lists.get(portal, id).await.map_err(|_| not_found())?;
    let name = body.get("name").and_then(Value::as_str);
    let list = state
        .lists
        .update_v1(portal, id, name, body.get("filters"))
        .await?;
    Ok(json(StatusCode::OK, &v1_list(portal, &list)))
}

/// `DELETE /contacts/v1/lists/{listId}` (204).
pub async fn delete_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<StatusCode, V1Error> {
    state
        .lists
        .delete(portal, legacy(&id)?)
        .await
        .map_err(|_| not_found())?;
    Ok(StatusCode::NO_CONTENT)
}

fn contacts_count(query: &QueryParams) -> Result<usize, Error> {
    Ok(query
        .positive_int("count")?
        .unwrap_or(DEFAULT_CONTACTS)
        .min(MAX_CONTACTS))
}

/// `GET /contacts/v1/lists/{listId}/contacts/all`: members by vid, from
/// `vidOffset`.
pub async fn contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let read = ReadOptions::from_query(&query, LISTING, V1Selection::ListDefaults)?;
    let count = contacts_count(&query)?;
    let after = offset(&query, "vidOffset")?.unwrap_or(0);
    let (_, mut members) = state
        .lists
        .member_contacts(
            portal,
            legacy(&id)?,
            MemberPage {
                order: MemberOrder::RecordId,
                after: Some(MemberCursor {
                    added_at: 0,
                    contact: ContactId(after),
                }),
                before: None,
                limit: count + 1,
            },
        )
        .await
        .map_err(|e| {
            if matches!(e, Error::NotFound(_)) {
                not_found()
            } else {
                e
            }
        })?;
    let has_more = members.len() > count;
    members.truncate(count);
    let last = members.last().map_or(after, |(m, _)| m.contact.0);
    page_of_contacts(
        &state, portal, members, &read, &headers, has_more, last, None,
    )
    .await
}

/// `GET /contacts/v1/lists/{listId}/contacts/recent`: the members that
/// joined last, newest first, from `timeOffset` and `vidOffset`.
pub async fn recent_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let read = ReadOptions::from_query(&query, LISTING, V1Selection::ListDefaults)?;
    let count = contacts_count(&query)?;
    let time_offset = offset(&query, "timeOffset")?;
    let vid_offset = offset(&query, "vidOffset")?;
    let before = MemberCursor {
        added_at: time_offset.unwrap_or(i64::MAX),
        contact: ContactId(vid_offset.unwrap_or(i64::MAX)),
    };
    let (_, mut members) = state
        .lists
        .member_contacts(
            portal,
            legacy(&id)?,
            MemberPage {
                order: MemberOrder::JoinOrder,
                after: None,
                before: Some(before),
                limit: count + 1,
            },
        )
        .await
        .map_err(|e| {
            if matches!(e, Error::NotFound(_)) {
                not_found()
            } else {
                e
            }
        })?;
    let has_more = members.len() > count;
    members.truncate(count);
    let (time, vid) = members.last().map_or(
        (time_offset.unwrap_or(0), vid_offset.unwrap_or(0)),
        |(m, _)| (m.added_at.millis(), m.contact.0),
    );
    page_of_contacts(
        &state,
        portal,
        members,
        &read,
        &headers,
        has_more,
        vid,
        Some(time),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn page_of_contacts(
    state: &AppState,
    portal: PortalId,
    members: Vec<(
        spoke_domain::lists::Membership,
        spoke_domain::contact::Contact,
    )>,
    read: &ReadOptions,
    headers: &HeaderMap,
    has_more: bool,
    vid_offset: i64,
    time_offset: Option<i64>,
) -> Result<Response, V1Error> {
    let added: std::collections::HashMap<ContactId, i64> = members
        .iter()
        .map(|(m, _)| (m.contact, m.added_at.millis()))
        .collect();
    let contacts: Vec<_> = members.into_iter().map(|(_, c)| c).collect();
    let rendered = render(state, portal, &contacts, read, &base_url(headers), |c| {
        added.get(&c.id).copied()
    })
    .await?;
    let mut body = json!({"contacts": rendered, "has-more": has_more, "vid-offset": vid_offset});
    if let Some(time) = time_offset {
        body["time-offset"] = json!(time);
    }
    Ok(json(StatusCode::OK, &body))
}

#[derive(Deserialize)]
pub struct MembersBody {
    #[serde(default)]
    vids: Vec<Value>,
    #[serde(default)]
    emails: Vec<String>,
}

async fn change(
    state: AppState,
    portal: PortalId,
    id: String,
    body: MembersBody,
    adding: bool,
) -> Result<Response, V1Error> {
    let id = legacy(&id)?;
    state.lists.get(portal, id).await.map_err(|_| not_found())?;
    let mut invalid = Vec::new();
    let mut vids = Vec::new();
    for v in &body.vids {
        match v {
            Value::Number(n) if n.as_i64().is_some() => vids.push(n.as_i64().unwrap_or(0)),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                vids.push(s.trim().parse().unwrap_or(0))
            }
            other => invalid.push(other.clone()),
        }
    }
    if !invalid.is_empty() {
        return Err(Error::invalid(format!("vids must be numbers: {invalid:?}")).into());
    }
    let update = state
        .lists
        .update_members_v1(portal, id, &vids, &body.emails, adding)
        .await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "updated": update.updated,
            "discarded": update.discarded,
            "invalidVids": update.invalid_vids,
            "invalidEmails": update.invalid_emails,
        }),
    ))
}

/// `POST /contacts/v1/lists/{listId}/add` (static lists only).
pub async fn add(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MembersBody>,
) -> Result<Response, V1Error> {
    change(state, portal, id, body, true).await
}

/// `POST /contacts/v1/lists/{listId}/remove` (static lists only).
pub async fn remove(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MembersBody>,
) -> Result<Response, V1Error> {
    change(state, portal, id, body, false).await
}
