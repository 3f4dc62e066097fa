//! HubSpot's imports API (`/crm/v3/imports`): a multipart CSV and its
//! import request, the import's state, its errors, cancel. The admin API's
//! import (`POST /_spoke/v1/portals/{portalId}/imports`, a raw CSV body,
//! what `spoke import` sends) runs the same engine
//! ([`spoke_domain::imports`]).
//!
//! The file is spooled to an unnamed temporary file as it arrives, then the
//! import is started (a file that cannot be imported is refused here, with
//! nothing written) and runs in the background on this node, chunk by
//! chunk; its state is in the database for every node to answer.

use crate::error::ApiError;
use crate::extract::{Path, Portal, QueryParams};
use crate::wire::json;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use futures_util::{Stream, StreamExt};
use serde_json::{json as j, Value};
use spoke_domain::ids::PortalId;
use spoke_domain::imports::columns::ColumnMapping;
use spoke_domain::imports::service::{ImportJob, ImportSpec};
use spoke_domain::imports::{ImportRecord, MAX_FILE_BYTES};
use spoke_domain::time::Timestamp;
use spoke_domain::Error;
use std::io::{Seek, SeekFrom};
use tokio::io::AsyncWriteExt;

const BASE: &str = "/crm/v3/imports";
/// Errors per page when none is asked for, and the most.
const ERRORS_PAGE: usize = 100;
const MAX_ERRORS_PAGE: usize = 1_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list_imports).post(create_import))
        .route(&format!("{BASE}/{{importId}}"), get(get_import))
        .route(&format!("{BASE}/{{importId}}/cancel"), post(cancel_import))
        .route(&format!("{BASE}/{{importId}}/errors"), get(import_errors))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES as usize + 1024 * 1024))
}

/// `POST /crm/v3/imports` (multipart: `importRequest`, `files`).
pub async fn create_import(
    State(state): State<AppState>,
    Portal(portal): Portal,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    let mut request: Option<String> = None;
    let mut file: Option<(std::fs::File, u64, String)> = None;
    while let Some(field) = multipart.next_field().await.map_err(bad_upload)? {
        match field.name() {
            Some("importRequest") => request = Some(field.text().await.map_err(bad_upload)?),
            Some("files") => {
                if file.is_some() {
                    return Err(Error::invalid_field(
                        "files",
                        "Spoke imports one file per import; send each file in its own import.",
                    )
                    .into());
                }
                let name = field.file_name().unwrap_or("import.csv").to_string();
                let (spooled, bytes) = spool(field).await?;
                file = Some((spooled, bytes, name));
            }
            _ => {}
        }
    }
    let request = request.ok_or_else(|| {
        Error::invalid_field("importRequest", "The importRequest form field is required.")
    })?;
    let (file, bytes, file_name) = file.ok_or_else(|| {
        Error::invalid_field("files", "The files form field (the CSV file) is required.")
    })?;
    let spec = import_request(&request, &file_name)?;
    let record = start(&state, portal, file, bytes, spec).await?;
    Ok(json(StatusCode::OK, &record.to_json(Timestamp::now())))
}

/// `GET /crm/v3/imports`: the portal's imports, newest first.
pub async fn list_imports(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let limit = query
        .positive_int("limit")?
        .unwrap_or(ERRORS_PAGE)
        .min(MAX_ERRORS_PAGE);
    let before = cursor(&query, "after")?;
    let mut records = state.importer.list(portal, before, limit + 1).await?;
    let more = records.len() > limit;
    records.truncate(limit);
    let now = Timestamp::now();
    let mut body = j!({"results": records.iter().map(|r| r.to_json(now)).collect::<Vec<_>>()});
    if let (true, Some(last)) = (more, records.last()) {
        body["paging"] = j!({"next": {"after": last.id.to_string(),
            "link": format!("{BASE}?after={}", last.id)}});
    }
    Ok(json(StatusCode::OK, &body))
}

/// `GET /crm/v3/imports/{importId}`
pub async fn get_import(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record = find(&state, portal, &id).await?;
    Ok(json(StatusCode::OK, &record.to_json(Timestamp::now())))
}

/// `POST /crm/v3/imports/{importId}/cancel`: stops a running import after
/// the chunk it is writing (rows written stay written).
pub async fn cancel_import(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let requested = Timestamp::now();
    let record = find(&state, portal, &id).await?;
    state.importer.cancel(portal, record.id).await?;
    Ok(json(
        StatusCode::OK,
        &j!({
            "status": "COMPLETE",
            "requestedAt": requested.to_iso(),
            "startedAt": requested.to_iso(),
            "completedAt": Timestamp::now().to_iso(),
            "links": {},
        }),
    ))
}

/// `GET /crm/v3/imports/{importId}/errors`
pub async fn import_errors(
    State(state): State<AppState>,
    Portal(portal): Portal,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let record = find(&state, portal, &id).await?;
    errors_page(&state, portal, &record, &query, false).await
}

/// A page of an import's errors, HubSpot's shape. The admin API always
/// includes messages and rows.
pub async fn errors_page(
    state: &AppState,
    portal: PortalId,
    record: &ImportRecord,
    query: &QueryParams,
    everything: bool,
) -> Result<Response, ApiError> {
    let limit = query
        .positive_int("limit")?
        .unwrap_or(ERRORS_PAGE)
        .min(MAX_ERRORS_PAGE);
    let after = cursor(query, "after")?;
    let with_message = everything || query.bool("includeErrorMessage")?.unwrap_or(false);
    let with_row = everything || query.bool("includeRowData")?.unwrap_or(false);
    let mut errors = state
        .importer
        .errors(portal, record.id, after, limit + 1)
        .await?;
    let more = errors.len() > limit;
    errors.truncate(limit);
    let mut body = j!({"results": errors
        .iter()
        .map(|(n, at, e)| e.to_json(*n, record.id, *at, with_message, with_row))
        .collect::<Vec<_>>()});
    if let (true, Some((last, _, _))) = (more, errors.last()) {
        body["paging"] = j!({"next": {"after": last.to_string(),
            "link": format!("{BASE}/{}/errors?after={last}", record.id)}});
    }
    Ok(json(StatusCode::OK, &body))
}

pub async fn find(state: &AppState, portal: PortalId, id: &str) -> Result<ImportRecord, ApiError> {
    let not_found = || Error::NotFound(format!("No import with id \"{id}\" exists."));
    let id: i64 = id.trim().parse().map_err(|_| not_found())?;
    Ok(state
        .importer
        .get(portal, id)
        .await?
        .ok_or_else(not_found)?)
}

fn cursor(query: &QueryParams, key: &str) -> Result<Option<i64>, Error> {
    query
        .get(key)
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.trim().parse::<i64>().map_err(|_| {
                Error::invalid_field(key, format!("\"{v}\" is not a valid {key} cursor."))
            })
        })
        .transpose()
}

fn bad_upload(err: axum::extract::multipart::MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large().into();
    }
    Error::invalid(format!(
        "The multipart body could not be read: {}",
        err.body_text()
    ))
    .into()
}

fn too_large() -> Error {
    Error::invalid_field(
        "files",
        format!(
            "The file is larger than {} MB, the most one import takes; split it.",
            MAX_FILE_BYTES / 1024 / 1024
        ),
    )
}

/// Writes a body to an unnamed temporary file (gone when closed), refusing
/// one larger than [`MAX_FILE_BYTES`]; the file and its size, rewound.
pub async fn spool<S, E>(mut body: S) -> Result<(std::fs::File, u64), ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let file =
        tempfile::tempfile().map_err(|e| Error::internal(format!("spooling an import: {e}")))?;
    let mut out = tokio::fs::File::from_std(file);
    let mut bytes = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Error::invalid(format!("The upload was cut off: {e}")))?;
        bytes += chunk.len() as u64;
        if bytes > MAX_FILE_BYTES {
            return Err(too_large().into());
        }
        out.write_all(&chunk)
            .await
            .map_err(|e| Error::internal(format!("spooling an import: {e}")))?;
    }
    out.flush()
        .await
        .map_err(|e| Error::internal(format!("spooling an import: {e}")))?;
    let mut file = out.into_std().await;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::internal(format!("spooling an import: {e}")))?;
    Ok((file, bytes))
}

/// Starts the import (refusing a file that cannot be imported) and runs it
/// in the background.
pub async fn start(
    state: &AppState,
    portal: PortalId,
    file: std::fs::File,
    bytes: u64,
    spec: ImportSpec,
) -> Result<ImportRecord, ApiError> {
    let job = state.importer.start(portal, file, bytes, spec).await?;
    let record = job.record().clone();
    tokio::spawn(run(job));
    Ok(record)
}

/// Reads (on a blocking thread) and writes chunk after chunk until the
/// import is done, canceled or fails.
async fn run(mut job: ImportJob<std::fs::File>) {
    loop {
        let read = tokio::task::spawn_blocking(move || {
            let chunk = job.read_chunk();
            (job, chunk)
        })
        .await;
        let Ok((back, chunk)) = read else {
            tracing::error!("an import's reader panicked");
            return;
        };
        job = back;
        let written = match chunk {
            Ok(chunk) => job.write_chunk(chunk).await,
            Err(err) => Err(err),
        };
        match written {
            Ok(true) => continue,
            Ok(false) => return,
            Err(err) => {
                tracing::warn!(import = job.record().id, error = %err, "an import failed");
                if let Err(err) = job.fail(&err).await {
                    tracing::error!(import = job.record().id, error = %err, "an import's failure could not be recorded");
                }
                return;
            }
        }
    }
}

/// HubSpot's import request: its name, one CSV file with a header, column
/// mappings of contact properties, upserts.
pub fn import_request(text: &str, file_name: &str) -> Result<ImportSpec, Error> {
    let request: Value = serde_json::from_str(text).map_err(|e| {
        Error::invalid_field(
            "importRequest",
            format!("importRequest is not valid JSON: {e}"),
        )
    })?;
    let invalid = |message: String| Error::invalid_field("importRequest", message);
    let files = request["files"].as_array().cloned().unwrap_or_default();
    if files.len() > 1 {
        return Err(invalid(
            "Spoke imports one file per import; importRequest.files names several.".into(),
        ));
    }
    let described = files.first().cloned().unwrap_or(Value::Null);
    if let Some(format) = described["fileFormat"].as_str() {
        if !format.eq_ignore_ascii_case("CSV") {
            return Err(invalid(format!(
                "Spoke imports CSV files; fileFormat {format} is not served. Save the sheet as CSV UTF-8."
            )));
        }
    }
    let page = &described["fileImportPage"];
    if page["hasHeader"] == Value::Bool(false) {
        return Err(invalid(
            "The file needs a header line naming its columns (hasHeader false is not served)."
                .into(),
        ));
    }
    if let Some(operations) = request["importOperations"].as_object() {
        for (object, operation) in operations {
            if operation.as_str() != Some("UPSERT") {
                return Err(invalid(format!(
                    "Spoke imports create and update contacts by email (UPSERT); importOperations {object}: {operation} is not served."
                )));
            }
        }
    }
    let mut mappings = Vec::new();
    for mapping in page["columnMappings"].as_array().into_iter().flatten() {
        let object = mapping["columnObjectTypeId"].as_str().unwrap_or("0-1");
        if object != "0-1" && !object.eq_ignore_ascii_case("CONTACT") {
            return Err(invalid(format!(
                "Spoke imports contacts (0-1); a column maps to object type {object}."
            )));
        }
        let column = mapping["columnName"]
            .as_str()
            .ok_or_else(|| invalid("Each of columnMappings needs its columnName.".into()))?;
        mappings.push(ColumnMapping {
            column: column.to_string(),
            property: mapping["propertyName"]
                .as_str()
                .filter(|p| !p.trim().is_empty())
                .map(str::to_string),
        });
    }
    let file_name = described["fileName"]
        .as_str()
        .unwrap_or(file_name)
        .to_string();
    Ok(ImportSpec {
        name: request["name"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| file_name.clone()),
        file_name,
        mappings,
        request,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspots_request_becomes_mappings() {
        let spec = import_request(
            r#"{"name": "Leads", "files": [{"fileName": "leads.csv", "fileFormat": "CSV",
                "fileImportPage": {"hasHeader": true, "columnMappings": [
                  {"columnObjectTypeId": "0-1", "columnName": "E-mail", "propertyName": "email",
                   "columnType": "HUBSPOT_ALTERNATE_ID"},
                  {"columnObjectTypeId": "0-1", "columnName": "Notes", "propertyName": null}]}}]}"#,
            "upload.csv",
        )
        .unwrap();
        assert_eq!(spec.name, "Leads");
        assert_eq!(spec.file_name, "leads.csv");
        assert_eq!(
            spec.mappings,
            [
                ColumnMapping {
                    column: "E-mail".into(),
                    property: Some("email".into())
                },
                ColumnMapping {
                    column: "Notes".into(),
                    property: None
                }
            ]
        );
    }

    #[test]
    fn what_spoke_does_not_import_is_refused_by_name() {
        for (request, says) in [
            ("not json", "not valid JSON"),
            (r#"{"files": [{"fileFormat": "SPREADSHEET"}]}"#, "CSV"),
            (r#"{"files": [{}, {}]}"#, "one file"),
            (
                r#"{"files": [{"fileImportPage": {"hasHeader": false}}]}"#,
                "header",
            ),
            (r#"{"importOperations": {"0-1": "CREATE"}}"#, "UPSERT"),
            (
                r#"{"files": [{"fileImportPage": {"columnMappings": [{"columnObjectTypeId": "0-2", "columnName": "x"}]}}]}"#,
                "object type 0-2",
            ),
        ] {
            let Err(Error::Invalid(err)) = import_request(request, "f.csv") else {
                panic!("{request} was taken")
            };
            assert!(err.message.contains(says), "{request}: {}", err.message);
        }
    }
}
