//! List memberships: a list's members page by page (by record id or in
//! join order), adding and removing members of static lists, and the lists
//! a record is in.

use super::handlers::list_id;
use super::wire;
use crate::error::ApiError;
use crate::extract::{JsonBody, Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::lists::list::CONTACTS_OBJECT_TYPE;
use spoke_domain::lists::{MemberCursor, MemberOrder, MemberPage};
use spoke_domain::time::Timestamp;
use spoke_domain::Error;
use std::collections::BTreeMap;

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 250;
/// Most records one batch read of memberships may name.
const MAX_BATCH_READ: usize = 100;

/// `GET /crm/v3/lists/{listId}/memberships`: by record id.
pub async fn by_record_id(
    state: State<AppState>,
    portal: Portal,
    path: Path<String>,
    query: QueryParams,
    uri: OriginalUri,
) -> Result<Response, ApiError> {
    page(state, portal, path, query, uri, MemberOrder::RecordId).await
}

/// `GET /crm/v3/lists/{listId}/memberships/join-order`
pub async fn in_join_order(
    state: State<AppState>,
    portal: Portal,
    path: Path<String>,
    query: QueryParams,
    uri: OriginalUri,
) -> Result<Response, ApiError> {
    page(state, portal, path, query, uri, MemberOrder::JoinOrder).await
}

async fn page(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
    OriginalUri(uri): OriginalUri,
    order: MemberOrder,
) -> Result<Response, ApiError> {
    let limit = query.positive_int("limit")?.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(Error::invalid_field(
            "limit",
            format!("limit must be at most {MAX_LIMIT}, not {limit}."),
        )
        .into());
    }
    let cursor = |key: &str| -> Result<Option<MemberCursor>, Error> {
        match query.get(key) {
            None | Some("") => Ok(None),
            Some(text) => wire::parse_cursor(text, key).map(Some),
        }
    };
    let after = cursor("after")?;
    let before = if after.is_some() {
        None
    } else {
        cursor("before")?
    };
    let (list, mut members) = state
        .lists
        .members(
            portal,
            list_id(&id)?,
            MemberPage {
                order,
                after,
                before,
                limit: limit + 1,
            },
        )
        .await?;
    let more = members.len() > limit;
    members.truncate(limit);
    let cursor_of = |m: &spoke_domain::lists::Membership| {
        wire::cursor(MemberCursor {
            added_at: m.added_at.millis(),
            contact: m.contact,
        })
    };
    let results: Vec<Value> = members
        .iter()
        .map(|m| {
            json!({
                "recordId": m.contact.0.to_string(),
                "membershipTimestamp": m.added_at.to_iso(),
            })
        })
        .collect();
    let path = uri.path();
    let mut paging = serde_json::Map::new();
    if more {
        if let Some(last) = members.last() {
            let token = cursor_of(last);
            let link = format!("{path}?after={token}&limit={limit}");
            let key = if before.is_some() { "prev" } else { "next" };
            let value = if before.is_some() {
                json!({"before": token, "link": link.replace("after=", "before=")})
            } else {
                json!({"after": token, "link": link})
            };
            paging.insert(key.into(), value);
        }
    }
    // A page reached from a cursor can be left the other way.
    if let (Some(first), true) = (members.first(), after.is_some() || before.is_some()) {
        let token = cursor_of(first);
        if before.is_some() {
            paging.insert(
                "next".into(),
                json!({"after": token, "link": format!("{path}?after={token}&limit={limit}")}),
            );
        } else {
            paging.insert(
                "prev".into(),
                json!({"before": token, "link": format!("{path}?before={token}&limit={limit}")}),
            );
        }
    }
    let mut body = json!({"results": results, "total": list.size});
    if !paging.is_empty() {
        body["paging"] = Value::Object(paging);
    }
    Ok(json(StatusCode::OK, &body))
}

/// Record ids as the body sends them: strings (the SDKs) or numbers.
fn ids(values: &[Value]) -> Result<Vec<String>, Error> {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(Error::invalid("Record ids must be strings or numbers.")),
        })
        .collect()
}

/// `PUT /crm/v3/lists/{listId}/memberships/add` with a JSON array of ids.
pub async fn add(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Vec<Value>>,
) -> Result<Response, ApiError> {
    let update = state
        .lists
        .update_members(portal, list_id(&id)?, &ids(&body)?, &[])
        .await?;
    Ok(json(StatusCode::OK, &wire::membership_update(&update)))
}

/// `PUT /crm/v3/lists/{listId}/memberships/remove`
pub async fn remove(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Vec<Value>>,
) -> Result<Response, ApiError> {
    let update = state
        .lists
        .update_members(portal, list_id(&id)?, &[], &ids(&body)?)
        .await?;
    Ok(json(StatusCode::OK, &wire::membership_update(&update)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeBody {
    #[serde(default)]
    record_ids_to_add: Vec<Value>,
    #[serde(default)]
    record_ids_to_remove: Vec<Value>,
}

/// `PUT /crm/v3/lists/{listId}/memberships/add-and-remove`
pub async fn add_and_remove(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ChangeBody>,
) -> Result<Response, ApiError> {
    let update = state
        .lists
        .update_members(
            portal,
            list_id(&id)?,
            &ids(&body.record_ids_to_add)?,
            &ids(&body.record_ids_to_remove)?,
        )
        .await?;
    Ok(json(StatusCode::OK, &wire::membership_update(&update)))
}

/// `PUT /crm/v3/lists/{listId}/memberships/add-from/{sourceListId}` (204).
pub async fn add_from(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((id, source)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .lists
        .add_from(portal, list_id(&id)?, list_id(&source)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /crm/v3/lists/{listId}/memberships` (204).
pub async fn clear(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.lists.clear(portal, list_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The lists each record is in, as `RecordListMembership`s.
async fn memberships_of(
    state: &AppState,
    portal: PortalId,
    records: &[ContactId],
) -> Result<BTreeMap<ContactId, Vec<Value>>, Error> {
    let all = state.lists.contact_memberships(portal, records).await?;
    let mut out: BTreeMap<ContactId, Vec<Value>> = BTreeMap::new();
    for m in all {
        let at = m.added_at.to_iso();
        out.entry(m.contact).or_default().push(json!({
            "listId": m.list.0.to_string(),
            "listVersion": m.list_version,
            "firstAddedTimestamp": at,
            "lastAddedTimestamp": at,
            "isPublicList": true,
        }));
    }
    Ok(out)
}

fn contacts_only(object_type: &str) -> Result<(), Error> {
    if matches!(object_type, CONTACTS_OBJECT_TYPE | "contacts" | "contact") {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "Spoke keeps lists of contacts (objectTypeId 0-1) only, not {object_type}."
        )))
    }
}

/// `GET /crm/v3/lists/records/{objectTypeId}/{recordId}/memberships`
pub async fn of_record(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((object_type, record)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    contacts_only(&object_type)?;
    let results = match ContactId::parse(record.trim()) {
        Some(id) => memberships_of(&state, portal, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(json(
        StatusCode::OK,
        &json!({"results": results, "total": results.len()}),
    ))
}

#[derive(Deserialize)]
pub struct BatchReadBody {
    inputs: Vec<RecordInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordInput {
    object_type_id: Option<String>,
    record_id: Value,
}

/// `POST /crm/v3/lists/records/memberships/batch/read`
pub async fn of_records(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(body): JsonBody<BatchReadBody>,
) -> Result<Response, ApiError> {
    if body.inputs.len() > MAX_BATCH_READ {
        return Err(Error::invalid(format!(
            "At most {MAX_BATCH_READ} records may be read at once, not {}.",
            body.inputs.len()
        ))
        .into());
    }
    let started = Timestamp::now();
    let mut records = Vec::new();
    for input in &body.inputs {
        contacts_only(
            input
                .object_type_id
                .as_deref()
                .unwrap_or(CONTACTS_OBJECT_TYPE),
        )?;
        let text = match &input.record_id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        records.push((text.clone(), ContactId::parse(text.trim())));
    }
    let ids: Vec<ContactId> = records.iter().filter_map(|(_, id)| *id).collect();
    let mut found = memberships_of(&state, portal, &ids).await?;
    let results: Vec<Value> = records
        .into_iter()
        .map(|(text, id)| {
            json!({
                "objectTypeId": CONTACTS_OBJECT_TYPE,
                "recordId": text,
                "recordListMemberships": id.and_then(|id| found.remove(&id)).unwrap_or_default(),
            })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &json!({
            "status": "COMPLETE",
            "results": results,
            "startedAt": started.to_iso(),
            "completedAt": Timestamp::now().to_iso(),
        }),
    ))
}
