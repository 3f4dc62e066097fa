//! Running an import: start it (the file opened, its columns mapped and the
//! import stored, or a clear refusal with nothing written), then read and
//! write it chunk by chunk, reporting progress after each.

use super::columns::{map_columns, ColumnMapping};
use super::file::CsvFile;
use super::rows::{error_type, Checked, CheckedRow, RowChecker};
use super::{
    ImportCounters, ImportError, ImportProgress, ImportRecord, ImportState, NewImport, CHUNK_ROWS,
    MAX_ERRORS_KEPT,
};
use crate::contact::ChangeSource;
use crate::crm::{BatchInput, Crm};
use crate::error::{Error, Result};
use crate::ids::PortalId;
use crate::store::{OpOutcome, Store};
use crate::time::Timestamp;
use serde_json::Value;
use std::io::Read;
use std::sync::Arc;

/// What an import is asked to do.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportSpec {
    pub name: String,
    pub file_name: String,
    pub mappings: Vec<ColumnMapping>,
    /// The request as the caller gave it, shown back as HubSpot's
    /// `importRequestJson`.
    pub request: Value,
}

/// Starts imports.
#[derive(Clone)]
pub struct Importer {
    crm: Crm,
    store: Arc<dyn Store>,
}

impl Importer {
    pub fn new(store: Arc<dyn Store>) -> Importer {
        Importer {
            crm: Crm::new(Arc::clone(&store)),
            store,
        }
    }

    pub async fn get(&self, portal: PortalId, id: i64) -> Result<Option<ImportRecord>> {
        self.store.import(portal, id).await
    }

    /// The portal's imports, newest first, with ids below `before`.
    pub async fn list(
        &self,
        portal: PortalId,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ImportRecord>> {
        self.store.imports(portal, before, limit).await
    }

    /// An import's errors, numbered from 1, after the `after`th.
    pub async fn errors(
        &self,
        portal: PortalId,
        id: i64,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Timestamp, ImportError)>> {
        self.store.import_errors(portal, id, after, limit).await
    }

    /// Stops a running import after the chunk it is writing.
    pub async fn cancel(&self, portal: PortalId, id: i64) -> Result<Option<ImportRecord>> {
        self.store.cancel_import(portal, id, Timestamp::now()).await
    }

    /// Opens the file and maps its columns; then stores the import,
    /// `STARTED`. A file that cannot be imported at all is refused here,
    /// before anything is stored. Reads the file's first block.
    pub async fn start<R: Read>(
        &self,
        portal: PortalId,
        input: R,
        bytes_total: u64,
        spec: ImportSpec,
    ) -> Result<ImportJob<R>> {
        if self.store.portal(portal).await?.is_none() {
            return Err(crate::access::service::no_portal(portal));
        }
        let schema = self.crm.schema(portal).await?;
        let file = CsvFile::open(input)?;
        let columns = map_columns(file.headers(), &schema, &spec.mappings)?;
        let record = self
            .store
            .create_import(
                portal,
                NewImport {
                    name: spec.name,
                    file_name: spec.file_name,
                    request: spec.request,
                    bytes_total,
                    at: Timestamp::now(),
                },
            )
            .await?;
        Ok(ImportJob {
            portal,
            source: ChangeSource {
                source_type: "IMPORT".into(),
                source_id: Some(record.id.to_string()),
                source_label: None,
                updated_by_user_id: None,
            },
            record,
            file,
            checker: RowChecker::new(columns, schema),
            counters: ImportCounters::default(),
            errors_kept: 0,
            crm: self.crm.clone(),
            store: Arc::clone(&self.store),
        })
    }
}

/// The rows read between two writes.
#[derive(Debug, Default)]
pub struct Chunk {
    rows: Vec<CheckedRow>,
    errors: Vec<ImportError>,
    bytes_read: u64,
    end: bool,
}

/// One import under way.
pub struct ImportJob<R: Read> {
    portal: PortalId,
    record: ImportRecord,
    file: CsvFile<R>,
    checker: RowChecker,
    counters: ImportCounters,
    /// Errors stored so far (at most [`MAX_ERRORS_KEPT`]).
    errors_kept: u64,
    source: ChangeSource,
    crm: Crm,
    store: Arc<dyn Store>,
}

impl<R: Read> ImportJob<R> {
    pub fn record(&self) -> &ImportRecord {
        &self.record
    }

    /// Reads rows until [`CHUNK_ROWS`] of them pass their check, or the
    /// file ends. It reads the file: call it where blocking is allowed.
    pub fn read_chunk(&mut self) -> Result<Chunk> {
        let mut chunk = Chunk::default();
        while chunk.rows.len() < CHUNK_ROWS {
            let Some(row) = self.file.next_row()? else {
                chunk.end = true;
                break;
            };
            self.counters.rows += 1;
            match self.checker.check(row) {
                Checked::Write(row) => chunk.rows.push(row),
                Checked::Refused(errors) => {
                    self.counters.errors += 1;
                    chunk.errors.extend(errors);
                }
            }
        }
        chunk.bytes_read = self.file.position();
        Ok(chunk)
    }

    /// Writes a chunk's rows (one transaction; each row that the write
    /// refuses becomes an error) and reports progress. `Ok(false)` when the
    /// import is over: done, or canceled meanwhile.
    pub async fn write_chunk(&mut self, chunk: Chunk) -> Result<bool> {
        let Chunk {
            rows,
            mut errors,
            bytes_read,
            end,
        } = chunk;
        if !rows.is_empty() {
            let inputs = rows
                .iter()
                .map(|row| BatchInput {
                    properties: row.properties.clone(),
                    id: Some(row.email.clone()),
                    id_property: Some("email".into()),
                    object_write_trace_id: None,
                })
                .collect();
            let results = self
                .crm
                .import_rows(self.portal, inputs, self.source.clone())
                .await?;
            for (row, result) in rows.iter().zip(results) {
                match result {
                    Ok(OpOutcome::Created(_)) => self.counters.created += 1,
                    Ok(OpOutcome::Updated(_)) => self.counters.updated += 1,
                    Err(err) => {
                        self.counters.errors += 1;
                        errors.extend(refused_write(row, err));
                        continue;
                    }
                }
                self.counters.property_values += row.properties.len() as u64;
            }
        }
        errors.truncate(MAX_ERRORS_KEPT.saturating_sub(self.errors_kept) as usize);
        self.errors_kept += errors.len() as u64;
        let state = if end {
            ImportState::Done
        } else {
            ImportState::Processing
        };
        let stored = self
            .store
            .record_import_progress(
                self.portal,
                self.record.id,
                ImportProgress {
                    state,
                    counters: self.counters,
                    bytes_read,
                    failure: None,
                    at: Timestamp::now(),
                },
                errors,
            )
            .await?;
        Ok(stored == Some(ImportState::Processing))
    }

    /// Marks the import failed, with why.
    pub async fn fail(&self, err: &Error) -> Result<()> {
        let failure = match err {
            Error::Internal(_) | Error::Unavailable(_) | Error::Retry(_) => {
                "The import stopped on a storage error; the rows before it were imported. Import the file again to finish it.".to_string()
            }
            other => other.to_string(),
        };
        self.store
            .record_import_progress(
                self.portal,
                self.record.id,
                ImportProgress {
                    state: ImportState::Failed,
                    counters: self.counters,
                    bytes_read: self.file.position(),
                    failure: Some(failure),
                    at: Timestamp::now(),
                },
                Vec::new(),
            )
            .await
            .map(drop)
    }
}

/// A row the write refused, in HubSpot's error types.
fn refused_write(row: &CheckedRow, err: Error) -> Vec<ImportError> {
    let error = |error_type: &str, message: String| ImportError {
        line: row.line,
        error_type: error_type.to_string(),
        message: format!("Line {}: {message}", row.line),
        invalid_value: None,
        column: None,
        fields: row.fields.clone(),
    };
    match err {
        Error::InvalidPropertyValues(problems) => problems
            .into_iter()
            .map(|p| error(error_type(p.code), p.message))
            .collect(),
        Error::UniqueValueTaken {
            property,
            value,
            existing_id,
        } => vec![error(
            "DUPLICATE_UNIQUE_PROPERTY_VALUE",
            format!("contact {existing_id} already has {property} \"{value}\"."),
        )],
        other => vec![error("UNKNOWN_ERROR", other.to_string())],
    }
}
