//! Files in and out of a portal through the admin API, what `spoke import`
//! and `spoke export` use: the same engines as HubSpot's imports and
//! exports APIs.
//!
//! - `POST /_spoke/v1/portals/{portalId}/imports?name=&map=Column%3Dproperty`
//!   with the CSV as the raw body → 201, the import (HubSpot's shape, plus
//!   `progress`);
//! - `GET .../imports/{importId}`, `GET .../imports/{importId}/errors`
//!   (every error with its message and row);
//! - `GET .../export?format=csv|jsonl&properties=&archived=&listId=` → the
//!   file, streamed, its contact count in `X-Spoke-Total`.

use super::portal_id;
use crate::error::ApiError;
use crate::extract::{Path, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json as j;
use spoke_domain::imports::columns::ColumnMapping;
use spoke_domain::imports::service::ImportSpec;
use spoke_domain::time::Timestamp;

pub async fn import(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: QueryParams,
    body: Body,
) -> Result<Response, ApiError> {
    let portal = portal_id(&id)?;
    let mappings = query
        .all("map")
        .iter()
        .map(|m| ColumnMapping::parse(m))
        .collect::<Result<Vec<_>, _>>()?;
    let name = query.get("name").unwrap_or("import.csv").to_string();
    let (file, bytes) = crate::imports::spool(body.into_data_stream()).await?;
    let spec = ImportSpec {
        file_name: name.clone(),
        request: j!({
            "name": name,
            "files": [{"fileName": name, "fileFormat": "CSV", "fileImportPage": {
                "hasHeader": true,
                "columnMappings": mappings.iter().map(|m| j!({
                    "columnObjectTypeId": "0-1",
                    "columnName": m.column,
                    "propertyName": m.property,
                })).collect::<Vec<_>>(),
            }}],
        }),
        name,
        mappings,
    };
    let record = crate::imports::start(&state, portal, file, bytes, spec).await?;
    Ok(json(StatusCode::CREATED, &record.to_json(Timestamp::now())))
}

pub async fn show_import(
    State(state): State<AppState>,
    Path((id, import)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let portal = portal_id(&id)?;
    let record = crate::imports::find(&state, portal, &import).await?;
    Ok(json(StatusCode::OK, &record.to_json(Timestamp::now())))
}

pub async fn import_errors(
    State(state): State<AppState>,
    Path((id, import)): Path<(String, String)>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let portal = portal_id(&id)?;
    let record = crate::imports::find(&state, portal, &import).await?;
    crate::imports::errors_page(&state, portal, &record, &query, true).await
}

pub async fn export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let portal = portal_id(&id)?;
    crate::exports::admin_export(&state, portal, &query).await
}
