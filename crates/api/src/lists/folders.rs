//! List folders: the tree under a folder, create, rename, move, delete,
//! and moving a list into a folder. The root folder is `0`.

use super::handlers::list_id;
use super::wire;
use crate::error::ApiError;
use crate::extract::{JsonBody, Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use spoke_domain::ids::PortalId;
use spoke_domain::lists::list::ROOT_FOLDER;
use spoke_domain::lists::Folder;
use spoke_domain::Error;

fn folder_id(text: &str) -> Result<i64, Error> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| Error::NotFound(format!("Folder {text} does not exist.")))
}

/// A folder with everything below it.
async fn tree(state: &AppState, portal: PortalId, id: i64) -> Result<Value, Error> {
    let folders = state.lists.folders(portal).await?;
    let lists = state.lists.many(portal, None).await?;
    if id == ROOT_FOLDER {
        return Ok(wire::folder(
            ROOT_FOLDER,
            "Root",
            None,
            &folders,
            &lists,
            None,
        ));
    }
    let me: &Folder = folders
        .iter()
        .find(|f| f.id == id)
        .ok_or_else(|| Error::NotFound(format!("Folder {id} does not exist.")))?;
    Ok(wire::folder(
        me.id,
        &me.name,
        Some(me.parent),
        &folders,
        &lists,
        Some(me),
    ))
}

/// `GET /crm/v3/lists/folders?folderId=0`
pub async fn get_folder(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let id = folder_id(query.get("folderId").unwrap_or("0"))?;
    let folder = tree(&state, portal, id).await?;
    Ok(json(StatusCode::OK, &json!({ "folder": folder })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    name: Option<String>,
    parent_folder_id: Option<Value>,
}

/// `POST /crm/v3/lists/folders`
pub async fn create_folder(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Response, ApiError> {
    let parent = match body.parent_folder_id {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(folder_id(&s)?),
        Some(Value::Number(n)) => Some(folder_id(&n.to_string())?),
        Some(_) => {
            return Err(Error::invalid_field(
                "parentFolderId",
                "parentFolderId must be a folder id.",
            )
            .into())
        }
    };
    let created = state
        .lists
        .create_folder(portal, body.name.as_deref().unwrap_or(""), parent)
        .await?;
    let folder = tree(&state, portal, created.id).await?;
    Ok(json(StatusCode::OK, &json!({ "folder": folder })))
}

/// `PUT /crm/v3/lists/folders/{folderId}/rename?newFolderName=`
pub async fn rename_folder(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let id = folder_id(&id)?;
    let name = query.get("newFolderName").ok_or_else(|| {
        Error::invalid_field(
            "newFolderName",
            "The newFolderName query parameter is required.",
        )
    })?;
    state.lists.rename_folder(portal, id, name).await?;
    let folder = tree(&state, portal, id).await?;
    Ok(json(StatusCode::OK, &json!({ "folder": folder })))
}

/// `PUT /crm/v3/lists/folders/{folderId}/move/{newParentFolderId}`
pub async fn move_folder(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((id, parent)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = folder_id(&id)?;
    state
        .lists
        .move_folder(portal, id, folder_id(&parent)?)
        .await?;
    let folder = tree(&state, portal, id).await?;
    Ok(json(StatusCode::OK, &json!({ "folder": folder })))
}

/// `DELETE /crm/v3/lists/folders/{folderId}` (204; only an empty folder).
pub async fn delete_folder(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.lists.delete_folder(portal, folder_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveListBody {
    list_id: Value,
    new_folder_id: Value,
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `PUT /crm/v3/lists/folders/move-list` (204).
pub async fn move_list(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(body): JsonBody<MoveListBody>,
) -> Result<StatusCode, ApiError> {
    let list = list_id(&text(&body.list_id))?;
    let folder = folder_id(&text(&body.new_folder_id))?;
    state.lists.move_list(portal, list, folder).await?;
    Ok(StatusCode::NO_CONTENT)
}
