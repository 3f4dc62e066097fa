//! Contacts in from CSV files: HubSpot's imports API (`/crm/v3/imports`)
//! and `spoke import`, one engine.
//!
//! A file is read as a stream ([`file`]), its columns mapped to properties
//! before any row is read ([`columns`]), each row checked against the
//! portal's property types and the emails before it ([`rows`]), and the rows
//! that pass upserted by email in chunks of [`CHUNK_ROWS`], each chunk one
//! transaction ([`service`]). Refused rows become errors with their line;
//! the import's state, counters and errors are stored so that any node
//! answers for them. Empty cells never clear a value and an unchanged value
//! records nothing, so importing the same file again changes nothing.

pub mod columns;
pub mod file;
pub mod rows;
pub mod service;

use crate::time::Timestamp;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Largest file taken, as on HubSpot.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Errors kept per import; past them rows are still counted.
pub const MAX_ERRORS_KEPT: u64 = 100_000;
/// Rows written in one transaction.
pub const CHUNK_ROWS: usize = 1_000;
/// An import still running that has reported no progress for this long
/// died with its node; it is shown as failed.
pub const STALE_AFTER_MS: i64 = 120_000;

/// HubSpot's states of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportState {
    Started,
    Processing,
    Done,
    Failed,
    Canceled,
}

impl ImportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportState::Started => "STARTED",
            ImportState::Processing => "PROCESSING",
            ImportState::Done => "DONE",
            ImportState::Failed => "FAILED",
            ImportState::Canceled => "CANCELED",
        }
    }

    pub fn parse(text: &str) -> Option<ImportState> {
        [
            ImportState::Started,
            ImportState::Processing,
            ImportState::Done,
            ImportState::Failed,
            ImportState::Canceled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn is_active(self) -> bool {
        matches!(self, ImportState::Started | ImportState::Processing)
    }
}

/// What an import has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportCounters {
    /// Rows read (blank lines not counted).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows refused.
    pub errors: u64,
    pub property_values: u64,
}

impl ImportCounters {
    /// HubSpot's `metadata.counters`.
    pub fn to_json(&self) -> Value {
        let mut counters = BTreeMap::new();
        counters.insert("TOTAL_ROWS", self.rows);
        counters.insert("CREATED_OBJECTS", self.created);
        counters.insert("UPDATED_OBJECTS", self.updated);
        counters.insert("UNIQUE_OBJECTS_WRITTEN", self.created + self.updated);
        counters.insert("PROPERTY_VALUES_EMITTED", self.property_values);
        counters.insert("ERRORS", self.errors);
        json!(counters)
    }
}

/// An import as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRecord {
    pub id: i64,
    pub name: String,
    pub file_name: String,
    pub state: ImportState,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// HubSpot's `importRequestJson`: the request as understood.
    pub request: Value,
    pub counters: ImportCounters,
    pub bytes_total: u64,
    pub bytes_read: u64,
    /// Why a failed import failed.
    pub failure: Option<String>,
}

impl ImportRecord {
    /// The state to show at `now`: a running import whose node stopped
    /// reporting progress is failed.
    pub fn state_at(&self, now: Timestamp) -> ImportState {
        if self.state.is_active() && now.millis() - self.updated_at.millis() > STALE_AFTER_MS {
            ImportState::Failed
        } else {
            self.state
        }
    }

    /// HubSpot's import object, plus Spoke's `progress`.
    pub fn to_json(&self, now: Timestamp) -> Value {
        let state = self.state_at(now);
        let failure = match (state, &self.failure) {
            (ImportState::Failed, None) => {
                Some("The node running the import stopped before it finished; import the file again (an import changes nothing it already wrote).".to_string())
            }
            (_, failure) => failure.clone(),
        };
        json!({
            "id": self.id.to_string(),
            "state": state.as_str(),
            "importName": self.name,
            "importSource": "API",
            "optOutImport": false,
            "createdAt": self.created_at.to_iso(),
            "updatedAt": self.updated_at.to_iso(),
            "mappedObjectTypeIds": ["0-1"],
            "importRequestJson": self.request,
            "metadata": {
                "counters": self.counters.to_json(),
                "fileIds": [format!("{}", self.id)],
                "objectLists": [],
            },
            "progress": {
                "bytesRead": self.bytes_read,
                "bytesTotal": self.bytes_total,
                "failure": failure,
            },
        })
    }
}

/// What a running import reports after each chunk.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportProgress {
    pub state: ImportState,
    pub counters: ImportCounters,
    pub bytes_read: u64,
    pub failure: Option<String>,
    pub at: Timestamp,
}

/// A new import, before its first row.
#[derive(Clone, Debug, PartialEq)]
pub struct NewImport {
    pub name: String,
    pub file_name: String,
    pub request: Value,
    pub bytes_total: u64,
    pub at: Timestamp,
}

/// One problem of one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// HubSpot's `errorType`, e.g. `INVALID_EMAIL`.
    pub error_type: String,
    pub message: String,
    pub invalid_value: Option<String>,
    /// The column at fault, counted from 0.
    pub column: Option<u32>,
    /// The row as read.
    pub fields: Vec<String>,
}

impl ImportError {
    /// HubSpot's error object.
    pub fn to_json(
        &self,
        id: i64,
        import: i64,
        at: Timestamp,
        with_message: bool,
        with_row: bool,
    ) -> Value {
        let mut out = json!({
            "id": id.to_string(),
            "createdAt": at.millis(),
            "errorType": self.error_type,
            "objectType": "CONTACT",
            "objectTypeId": "0-1",
            "sourceData": {
                "lineNumber": self.line,
                "rowData": if with_row { self.fields.clone() } else { Vec::new() },
                "containsEncryptedProperties": false,
                "fileId": import,
            },
        });
        if let Some(value) = &self.invalid_value {
            out["invalidValue"] = json!(value);
            out["invalidValueToDisplay"] = json!(value);
        }
        if let Some(column) = self.column {
            out["knownColumnNumber"] = json!(column);
        }
        if with_message {
            out["errorMessage"] = json!(self.message);
        }
        out
    }
}
