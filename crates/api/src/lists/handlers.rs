//! Lists v3: create, read, search, rename, re-filter, delete, restore, and
//! the legacy-id mapping.

use super::wire;
use crate::error::ApiError;
use crate::extract::{JsonBody, OptionalJson, Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use spoke_domain::ids::ListId;
use spoke_domain::lists::list::from_legacy_id;
use spoke_domain::lists::service::{CreateInput, SearchInput};
use spoke_domain::Error;

/// A list id from a path: one that cannot be an id names no list.
pub fn list_id(text: &str) -> Result<ListId, Error> {
    ListId::parse(text.trim())
        .ok_or_else(|| Error::NotFound(format!("List {text} does not exist.")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    name: Option<String>,
    object_type_id: Option<String>,
    processing_type: Option<String>,
    filter_branch: Option<Value>,
    list_folder_id: Option<Value>,
}

/// A folder id given as a number or a string.
fn folder_id(value: Option<&Value>, key: &str) -> Result<Option<i64>, Error> {
    let id = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    id.filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| Error::invalid_field(key, format!("{key} must be a folder id.")))
}

/// `POST /crm/v3/lists` (200, not 201, as at HubSpot).
pub async fn create_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Response, ApiError> {
    let created = state
        .lists
        .create(
            portal,
            CreateInput {
                name: body.name,
                object_type_id: body.object_type_id,
                processing_type: body.processing_type,
                filter_branch: body.filter_branch,
                folder: folder_id(body.list_folder_id.as_ref(), "listFolderId")?,
            },
        )
        .await?;
    Ok(json(
        StatusCode::OK,
        &json!({"list": wire::list(&created, true)}),
    ))
}

/// `GET /crm/v3/lists?listIds=...&includeFilters=`
pub async fn get_lists(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let include = query.bool("includeFilters")?.unwrap_or(false);
    let ids: Vec<ListId> = query
        .list("listIds")
        .iter()
        .filter_map(|s| ListId::parse(s))
        .collect();
    let requested = !query.list("listIds").is_empty();
    let lists = state
        .lists
        .many(portal, requested.then_some(ids.as_slice()))
        .await?;
    let lists: Vec<Value> = lists.iter().map(|l| wire::list(l, include)).collect();
    Ok(json(StatusCode::OK, &json!({ "lists": lists })))
}

/// `GET /crm/v3/lists/{listId}`
pub async fn get_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let include = query.bool("includeFilters")?.unwrap_or(false);
    let list = state.lists.get(portal, list_id(&id)?).await?;
    Ok(json(
        StatusCode::OK,
        &json!({"list": wire::list(&list, include)}),
    ))
}

/// `GET /crm/v3/lists/object-type-id/{objectTypeId}/name/{listName}`
pub async fn get_list_by_name(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((object_type, name)): Path<(String, String)>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let include = query.bool("includeFilters")?.unwrap_or(false);
    let list = state.lists.by_name(portal, &object_type, &name).await?;
    Ok(json(
        StatusCode::OK,
        &json!({"list": wire::list(&list, include)}),
    ))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SearchBody {
    query: Option<String>,
    count: Option<i64>,
    offset: Option<i64>,
    #[serde(default)]
    processing_types: Vec<String>,
    #[serde(default)]
    list_ids: Vec<Value>,
    #[serde(default)]
    additional_properties: Vec<String>,
    sort: Option<String>,
}

/// `POST /crm/v3/lists/search`
pub async fn search_lists(
    State(state): State<AppState>,
    Portal(portal): Portal,
    OptionalJson(body): OptionalJson<SearchBody>,
) -> Result<Response, ApiError> {
    let count = match body.count {
        None => None,
        Some(n) if n > 0 => Some(n as usize),
        Some(_) => {
            return Err(Error::invalid_field("count", "count must be a positive integer.").into())
        }
    };
    let offset = match body.offset {
        None => 0,
        Some(n) if n >= 0 => n as usize,
        Some(_) => {
            return Err(Error::invalid_field(
                "offset",
                "offset must be zero or a positive integer.",
            )
            .into())
        }
    };
    let list_ids = body
        .list_ids
        .iter()
        .map(|v| match v {
            Value::String(s) => ListId::parse(s),
            Value::Number(n) => n.as_i64().filter(|n| *n > 0).map(ListId),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::invalid_field("listIds", "listIds must be list ids."))?;
    let _ = body.additional_properties;
    let page = state
        .lists
        .search(
            portal,
            SearchInput {
                query: body.query,
                count,
                offset,
                processing_types: body.processing_types,
                list_ids,
                sort: body.sort,
            },
        )
        .await?;
    let lists: Vec<Value> = page.lists.iter().map(wire::search_result).collect();
    Ok(json(
        StatusCode::OK,
        &json!({
            "lists": lists,
            "total": page.total,
            "offset": page.offset,
            "hasMore": page.has_more,
        }),
    ))
}

/// `PUT /crm/v3/lists/{listId}/update-list-name?listName=`
pub async fn rename_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let include = query.bool("includeFilters")?.unwrap_or(false);
    let name = query.get("listName").ok_or_else(|| {
        Error::invalid_field("listName", "The listName query parameter is required.")
    })?;
    let list = state.lists.rename(portal, list_id(&id)?, name).await?;
    Ok(json(
        StatusCode::OK,
        &json!({"updatedList": wire::list(&list, include)}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FiltersBody {
    filter_branch: Option<Value>,
}

/// `PUT /crm/v3/lists/{listId}/update-list-filters`
pub async fn refilter_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FiltersBody>,
) -> Result<Response, ApiError> {
    let list = state
        .lists
        .refilter(portal, list_id(&id)?, body.filter_branch.as_ref())
        .await?;
    Ok(json(
        StatusCode::OK,
        &json!({"updatedList": wire::list(&list, true)}),
    ))
}

/// `DELETE /crm/v3/lists/{listId}` (204; restorable).
pub async fn delete_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.lists.delete(portal, list_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /crm/v3/lists/{listId}/restore` (204).
pub async fn restore_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.lists.restore(portal, list_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /crm/v3/lists/idmapping?legacyListId=`
pub async fn id_mapping(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let legacy = query.get("legacyListId").unwrap_or("").trim().to_string();
    let id = legacy
        .parse::<i64>()
        .ok()
        .and_then(from_legacy_id)
        .ok_or_else(|| Error::NotFound(format!("No list has legacy id {legacy}.")))?;
    let list = state
        .lists
        .get(portal, id)
        .await
        .map_err(|_| Error::NotFound(format!("No list has legacy id {legacy}.")))?;
    Ok(json(
        StatusCode::OK,
        &json!({"legacyListId": list.legacy_id().to_string(), "listId": list.id.0.to_string()}),
    ))
}

/// `POST /crm/v3/lists/idmapping` with a JSON array of legacy ids.
pub async fn id_mappings(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(legacy): JsonBody<Vec<Value>>,
) -> Result<Response, ApiError> {
    if legacy.len() > 10_000 {
        return Err(Error::invalid("At most 10000 legacy list ids may be mapped at once.").into());
    }
    let texts: Vec<String> = legacy
        .iter()
        .map(|v| match v {
            Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        })
        .collect();
    let ids: Vec<ListId> = texts
        .iter()
        .filter_map(|t| t.parse::<i64>().ok().and_then(from_legacy_id))
        .collect();
    let found = state.lists.many(portal, Some(&ids)).await?;
    let mut mapped = Vec::new();
    let mut missing = Vec::new();
    for text in texts {
        let hit = text
            .parse::<i64>()
            .ok()
            .and_then(from_legacy_id)
            .and_then(|id| found.iter().find(|l| l.id == id));
        match hit {
            Some(list) => mapped.push(
                json!({"legacyListId": list.legacy_id().to_string(), "listId": list.id.0.to_string()}),
            ),
            None => missing.push(text),
        }
    }
    Ok(json(
        StatusCode::OK,
        &json!({"legacyListIdsToIdsMapping": mapped, "missingLegacyListIds": missing}),
    ))
}
