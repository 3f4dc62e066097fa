//! `batch/create`, `batch/read`, `batch/update`, `batch/upsert` and
//! `batch/archive`.

use super::wire::{
    id_text, input_values, BatchCreateItem, BatchReadInput, BatchWriteItem, Inputs, ObjectId,
    Selection, SimplePublicObject, UpsertObject,
};
use crate::batch_response::BatchResponse;
use crate::error::{ApiError, StandardError};
use crate::extract::{JsonBody, Portal, QueryParams};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use spoke_domain::contact::ChangeSource;
use spoke_domain::crm::{BatchInput, BatchKind};
use spoke_domain::ids::PortalId;
use spoke_domain::property::PropertySchema;
use spoke_domain::store::OpOutcome;
use spoke_domain::time::Timestamp;
use spoke_domain::Error;

/// Runs a batch write and answers it: each outcome as `to_wire` renders
/// it, each failed input as an error naming its `objectWriteTraceId` when
/// it had one; `success` when none failed, 207 otherwise.
async fn write_and_answer<T: Serialize>(
    state: &AppState,
    portal: PortalId,
    kind: BatchKind,
    inputs: Vec<BatchInput>,
    started: Timestamp,
    success: StatusCode,
    to_wire: impl Fn(OpOutcome, &PropertySchema) -> T,
) -> Result<Response, ApiError> {
    let traces: Vec<Option<String>> = inputs
        .iter()
        .map(|i| i.object_write_trace_id.clone())
        .collect();
    let outcomes = state
        .crm
        .write_batch(portal, kind, inputs, ChangeSource::api())
        .await?;
    let schema = state.crm.schema(portal).await?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (outcome, trace) in outcomes.into_iter().zip(traces) {
        match outcome {
            Ok(outcome) => results.push(to_wire(outcome, &schema)),
            Err(err @ Error::Internal(_)) => return Err(err.into()),
            Err(err) => {
                let context: Vec<(&str, String)> = trace
                    .into_iter()
                    .map(|t| ("objectWriteTraceId", t))
                    .collect();
                errors.push(StandardError::new(err, &context));
            }
        }
    }
    Ok(BatchResponse::respond(results, errors, started, success))
}

/// A contact as a batch write answers it: every property with a value.
fn written(outcome: OpOutcome, schema: &PropertySchema) -> SimplePublicObject {
    SimplePublicObject::new(outcome.contact(), &Selection::AllSet, Some(schema), None)
}

fn write_inputs(items: Vec<BatchWriteItem>) -> Vec<BatchInput> {
    items
        .into_iter()
        .map(|i| BatchInput {
            properties: input_values(i.properties),
            id: Some(id_text(&i.id)),
            id_property: i.id_property,
            object_write_trace_id: i.object_write_trace_id,
        })
        .collect()
}

/// `POST …/batch/create`: 201, or 207 with per-input errors when inputs
/// carry an `objectWriteTraceId`.
pub async fn batch_create_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(batch): JsonBody<Inputs<BatchCreateItem>>,
) -> Result<Response, ApiError> {
    let started = Timestamp::now();
    if batch.inputs.iter().any(|i| !i.associations.is_empty()) {
        return Err(Error::invalid_field(
            "inputs.associations",
            "Spoke does not store associations yet: send the contacts without them.",
        )
        .into());
    }
    let inputs = batch
        .inputs
        .into_iter()
        .map(|i| BatchInput {
            properties: input_values(i.properties),
            object_write_trace_id: i.object_write_trace_id,
            ..BatchInput::default()
        })
        .collect();
    write_and_answer(
        &state,
        portal,
        BatchKind::Create,
        inputs,
        started,
        StatusCode::CREATED,
        written,
    )
    .await
}

/// `POST …/batch/update`: 200, or 207.
pub async fn batch_update_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(batch): JsonBody<Inputs<BatchWriteItem>>,
) -> Result<Response, ApiError> {
    let started = Timestamp::now();
    let inputs = write_inputs(batch.inputs);
    write_and_answer(
        &state,
        portal,
        BatchKind::Update,
        inputs,
        started,
        StatusCode::OK,
        written,
    )
    .await
}

/// `POST …/batch/upsert`: 200, or 207; each result says whether it is new.
pub async fn batch_upsert_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(batch): JsonBody<Inputs<BatchWriteItem>>,
) -> Result<Response, ApiError> {
    let started = Timestamp::now();
    let inputs = write_inputs(batch.inputs);
    write_and_answer(
        &state,
        portal,
        BatchKind::Upsert,
        inputs,
        started,
        StatusCode::OK,
        |o, schema| UpsertObject {
            new: matches!(o, OpOutcome::Created(_)),
            object: written(o, schema),
        },
    )
    .await
}

/// `POST …/batch/read`: 200, or 207 naming the ids not found.
pub async fn batch_read_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
    JsonBody(batch): JsonBody<BatchReadInput>,
) -> Result<Response, ApiError> {
    let started = Timestamp::now();
    let archived = query.bool("archived")?.unwrap_or(false);
    let ids: Vec<String> = batch.inputs.iter().map(|i| id_text(&i.id)).collect();
    let with_history = !batch.properties_with_history.is_empty();
    let read = state
        .crm
        .batch_read(
            portal,
            &ids,
            batch.id_property.as_deref(),
            archived,
            with_history,
        )
        .await?;
    let selection = if batch.properties.is_empty() {
        Selection::Defaults
    } else {
        Selection::Named(batch.properties)
    };
    let schema = state.crm.schema(portal).await?;
    let histories = if with_history {
        Some(
            state
                .crm
                .property_history(portal, &read.found, &batch.properties_with_history)
                .await?,
        )
    } else {
        None
    };
    let results = read
        .found
        .iter()
        .map(|c| {
            let history = histories.as_ref().and_then(|h| h.get(&c.id));
            SimplePublicObject::new(c, &selection, Some(&schema), history)
        })
        .collect();
    let mut errors = Vec::new();
    if !read.missing.is_empty() {
        let err = Error::NotFound(
            "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid."
                .into(),
        );
        let context: Vec<(&str, String)> = read.missing.into_iter().map(|id| ("ids", id)).collect();
        errors.push(StandardError::new(err, &context));
    }
    Ok(BatchResponse::respond(
        results,
        errors,
        started,
        StatusCode::OK,
    ))
}

/// `POST …/batch/archive`: 204; ids that name no contact are skipped.
pub async fn batch_archive_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(batch): JsonBody<Inputs<ObjectId>>,
) -> Result<Response, ApiError> {
    let ids: Vec<String> = batch.inputs.iter().map(|i| id_text(&i.id)).collect();
    state.crm.batch_archive(portal, &ids).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
