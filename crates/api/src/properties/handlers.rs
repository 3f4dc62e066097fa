//! Property definition handlers.

use super::check_object_type;
use super::wire::{BatchCreateInput, BatchNamesInput, BatchReadInput, PropertyBody, Results};
use crate::batch_response::BatchResponse;
use crate::error::{ApiError, StandardError};
use crate::extract::{JsonBody, Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use spoke_domain::crm::check_batch_size;
use spoke_domain::property::rules::PropertyInput;
use spoke_domain::property::PropertyDefinition;
use spoke_domain::time::Timestamp;
use spoke_domain::Error;

/// Properties of the requested sensitivity (absent: `non_sensitive`).
fn sensitivity_matches(def: &PropertyDefinition, wanted: Option<&str>) -> bool {
    let own = def.data_sensitivity.as_deref().unwrap_or("non_sensitive");
    own == wanted.unwrap_or("non_sensitive")
}

/// `GET /crm/v3/properties/{objectType}`
pub async fn list_properties(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(object_type): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    let archived = query.bool("archived")?.unwrap_or(false);
    let names = query.list("properties");
    let sensitivity = query.get("dataSensitivity").filter(|s| !s.is_empty());
    let results: Vec<PropertyBody> = state
        .crm
        .list_properties(portal, archived)
        .await?
        .iter()
        .filter(|d| names.is_empty() || names.contains(&d.name))
        .filter(|d| sensitivity_matches(d, sensitivity))
        .map(Into::into)
        .collect();
    Ok(json(StatusCode::OK, &Results { results }))
}

/// `POST /crm/v3/properties/{objectType}`
pub async fn create_property(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(object_type): Path<String>,
    JsonBody(input): JsonBody<PropertyInput>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    let def = state.crm.create_property(portal, &input).await?;
    let mut response = json(StatusCode::CREATED, &PropertyBody::from(&def));
    if let Ok(location) =
        HeaderValue::from_str(&format!("/crm/v3/properties/{object_type}/{}", def.name))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `GET /crm/v3/properties/{objectType}/{propertyName}`
pub async fn get_property(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((object_type, name)): Path<(String, String)>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    let archived = query.bool("archived")?.unwrap_or(false);
    let def = state.crm.get_property(portal, &name, archived).await?;
    Ok(json(StatusCode::OK, &PropertyBody::from(&def)))
}

/// `PATCH /crm/v3/properties/{objectType}/{propertyName}`
pub async fn update_property(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((object_type, name)): Path<(String, String)>,
    JsonBody(input): JsonBody<PropertyInput>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    let def = state.crm.update_property(portal, &name, &input).await?;
    Ok(json(StatusCode::OK, &PropertyBody::from(&def)))
}

/// `DELETE /crm/v3/properties/{objectType}/{propertyName}`: archives.
pub async fn archive_property(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path((object_type, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    state.crm.archive_property(portal, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST …/batch/create`: 201, or 207 naming each refused input.
pub async fn batch_create_properties(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(object_type): Path<String>,
    JsonBody(batch): JsonBody<BatchCreateInput>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    check_batch_size(batch.inputs.len(), false)?;
    let started = Timestamp::now();
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for input in batch.inputs {
        let name = input.name.clone().unwrap_or_default();
        match state.crm.create_property(portal, &input).await {
            Ok(def) => results.push(PropertyBody::from(&def)),
            Err(err @ Error::Internal(_)) => return Err(err.into()),
            Err(err) => errors.push(StandardError::new(err, &[("name", name)])),
        }
    }
    Ok(BatchResponse::respond(
        results,
        errors,
        started,
        StatusCode::CREATED,
    ))
}

/// `POST …/batch/read`: 200, or 207 naming the properties not found.
pub async fn batch_read_properties(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(object_type): Path<String>,
    JsonBody(batch): JsonBody<BatchReadInput>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    check_batch_size(batch.inputs.len(), false)?;
    let started = Timestamp::now();
    let schema = state.crm.schema(portal).await?;
    let (mut results, mut missing) = (Vec::new(), Vec::new());
    for input in &batch.inputs {
        match schema
            .get_including_archived(&input.name)
            .filter(|d| d.archived == batch.archived)
            .filter(|d| sensitivity_matches(d, batch.data_sensitivity.as_deref()))
        {
            Some(def) => results.push(PropertyBody::from(def)),
            None => missing.push(input.name.clone()),
        }
    }
    let mut errors = Vec::new();
    if !missing.is_empty() {
        let err = Error::NotFound(format!(
            "Could not find some properties: {}",
            missing.join(", ")
        ));
        let context: Vec<(&str, String)> = missing.into_iter().map(|n| ("names", n)).collect();
        errors.push(StandardError::new(err, &context));
    }
    Ok(BatchResponse::respond(
        results,
        errors,
        started,
        StatusCode::OK,
    ))
}

/// `POST …/batch/archive`: 204. Names not found are skipped, as archiving
/// twice is; a HubSpot-defined name refuses the whole batch.
pub async fn batch_archive_properties(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(object_type): Path<String>,
    JsonBody(batch): JsonBody<BatchNamesInput>,
) -> Result<Response, ApiError> {
    check_object_type(&object_type)?;
    check_batch_size(batch.inputs.len(), false)?;
    let schema = state.crm.schema(portal).await?;
    let known: Vec<&str> = batch
        .inputs
        .iter()
        .map(|i| i.name.as_str())
        .filter(|n| schema.get_including_archived(n).is_some())
        .collect();
    if let Some(standard) = known.iter().find(|n| {
        schema
            .get_including_archived(n)
            .is_some_and(|d| d.hubspot_defined)
    }) {
        return Err(Error::invalid(format!(
            "\"{standard}\" is a HubSpot-defined property and cannot be archived; nothing was archived."
        ))
        .into());
    }
    for name in known {
        state.crm.archive_property(portal, name).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
