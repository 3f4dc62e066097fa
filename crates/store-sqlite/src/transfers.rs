//! Imports and exports in SQLite: each import's row updated after every
//! chunk together with the chunk's errors (one transaction), errors
//! numbered per import.

use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use spoke_domain::exports::{ExportRecord, NewExport};
use spoke_domain::ids::PortalId;
use spoke_domain::imports::{
    ImportCounters, ImportError, ImportProgress, ImportRecord, ImportState, NewImport,
};
use spoke_domain::store::TransferStore;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};

const IMPORT_COLUMNS: &str = "id, name, file_name, state, created_at, updated_at, request,
     total_rows, created_objects, updated_objects, error_rows, property_values,
     bytes_total, bytes_read, failure";

fn import_row(r: &Row<'_>) -> rusqlite::Result<ImportRecord> {
    let state: String = r.get(3)?;
    let request: String = r.get(6)?;
    let count = |i: usize| r.get::<_, i64>(i).map(|n| n.max(0) as u64);
    Ok(ImportRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        file_name: r.get(2)?,
        state: ImportState::parse(&state).unwrap_or(ImportState::Failed),
        created_at: Timestamp::from_stored(r.get(4)?),
        updated_at: Timestamp::from_stored(r.get(5)?),
        request: serde_json::from_str(&request).unwrap_or_default(),
        counters: ImportCounters {
            rows: count(7)?,
            created: count(8)?,
            updated: count(9)?,
            errors: count(10)?,
            property_values: count(11)?,
        },
        bytes_total: count(12)?,
        bytes_read: count(13)?,
        failure: r.get(14)?,
    })
}

fn find_import(
    conn: &rusqlite::Connection,
    portal: PortalId,
    id: i64,
) -> Result<Option<ImportRecord>> {
    conn.query_row(
        &format!("SELECT {IMPORT_COLUMNS} FROM imports WHERE portal_id = ?1 AND id = ?2"),
        params![portal.0, id],
        import_row,
    )
    .optional()
    .map_err(internal)
}

#[async_trait]
impl TransferStore for SqliteStore {
    async fn create_import(&self, portal: PortalId, import: NewImport) -> Result<ImportRecord> {
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO imports (portal_id, name, file_name, state, created_at, updated_at,
                         request, bytes_total)
                     VALUES (?1, ?2, ?3, 'STARTED', ?4, ?4, ?5, ?6)",
                    params![
                        portal.0,
                        import.name,
                        import.file_name,
                        import.at.millis(),
                        import.request.to_string(),
                        import.bytes_total as i64
                    ],
                )
                .map_err(internal)?;
                let id = tx.last_insert_rowid();
                find_import(tx, portal, id)?
                    .ok_or_else(|| Error::internal("an import went missing"))
            })
            .await
    }

    async fn record_import_progress(
        &self,
        portal: PortalId,
        id: i64,
        progress: ImportProgress,
        errors: Vec<ImportError>,
    ) -> Result<Option<ImportState>> {
        self.connections()
            .write(move |tx| {
                let Some(current) = find_import(tx, portal, id)? else {
                    return Ok(None);
                };
                if !current.state.is_active() {
                    return Ok(Some(current.state));
                }
                let first: i64 = tx
                    .query_row(
                        "SELECT coalesce(max(id), 0) + 1 FROM import_errors
                         WHERE portal_id = ?1 AND import_id = ?2",
                        params![portal.0, id],
                        |r| r.get(0),
                    )
                    .map_err(internal)?;
                for (n, e) in (first..).zip(&errors) {
                    tx.prepare_cached(
                        "INSERT INTO import_errors (portal_id, import_id, id, created_at, line,
                             error_type, message, invalid_value, column_number, row_data)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )
                    .and_then(|mut stmt| {
                        stmt.execute(params![
                            portal.0,
                            id,
                            n,
                            progress.at.millis(),
                            e.line as i64,
                            e.error_type,
                            e.message,
                            e.invalid_value,
                            e.column.map(i64::from),
                            serde_json::to_string(&e.fields).unwrap_or_default()
                        ])
                    })
                    .map_err(internal)?;
                }
                let c = progress.counters;
                tx.execute(
                    "UPDATE imports SET state = ?3, updated_at = ?4, total_rows = ?5,
                         created_objects = ?6, updated_objects = ?7, error_rows = ?8,
                         property_values = ?9, bytes_read = ?10, failure = ?11
                     WHERE portal_id = ?1 AND id = ?2",
                    params![
                        portal.0,
                        id,
                        progress.state.as_str(),
                        progress.at.millis(),
                        c.rows as i64,
                        c.created as i64,
                        c.updated as i64,
                        c.errors as i64,
                        c.property_values as i64,
                        progress.bytes_read as i64,
                        progress.failure
                    ],
                )
                .map_err(internal)?;
                Ok(Some(progress.state))
            })
            .await
    }

    async fn import(&self, portal: PortalId, id: i64) -> Result<Option<ImportRecord>> {
        self.connections()
            .read(|conn| find_import(conn, portal, id))
    }

    async fn imports(
        &self,
        portal: PortalId,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ImportRecord>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {IMPORT_COLUMNS} FROM imports WHERE portal_id = ?1 AND id < ?2
                     ORDER BY id DESC LIMIT ?3"
                ))
                .map_err(internal)?;
            let rows = stmt
                .query_map(
                    params![portal.0, before.unwrap_or(i64::MAX), limit as i64],
                    import_row,
                )
                .map_err(internal)?;
            rows.collect::<rusqlite::Result<_>>().map_err(internal)
        })
    }

    async fn import_errors(
        &self,
        portal: PortalId,
        id: i64,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Timestamp, ImportError)>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT id, created_at, line, error_type, message, invalid_value,
                            column_number, row_data
                     FROM import_errors WHERE portal_id = ?1 AND import_id = ?2 AND id > ?3
                     ORDER BY id LIMIT ?4",
                )
                .map_err(internal)?;
            let rows = stmt
                .query_map(
                    params![portal.0, id, after.unwrap_or(0), limit as i64],
                    |r| {
                        let fields: String = r.get(7)?;
                        Ok((
                            r.get(0)?,
                            Timestamp::from_stored(r.get(1)?),
                            ImportError {
                                line: r.get::<_, i64>(2)?.max(0) as u64,
                                error_type: r.get(3)?,
                                message: r.get(4)?,
                                invalid_value: r.get(5)?,
                                column: r.get::<_, Option<i64>>(6)?.map(|c| c as u32),
                                fields: serde_json::from_str(&fields).unwrap_or_default(),
                            },
                        ))
                    },
                )
                .map_err(internal)?;
            rows.collect::<rusqlite::Result<_>>().map_err(internal)
        })
    }

    async fn cancel_import(
        &self,
        portal: PortalId,
        id: i64,
        at: Timestamp,
    ) -> Result<Option<ImportRecord>> {
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "UPDATE imports SET state = 'CANCELED', updated_at = ?3
                     WHERE portal_id = ?1 AND id = ?2 AND state IN ('STARTED', 'PROCESSING')",
                    params![portal.0, id, at.millis()],
                )
                .map_err(internal)?;
                find_import(tx, portal, id)
            })
            .await
    }

    async fn forget_in_imports(&self, portal: PortalId, values: &[String]) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let values = values.to_vec();
        self.connections()
            .write_then(
                move |tx| {
                    for value in &values {
                        tx.prepare_cached(
                            "DELETE FROM import_errors WHERE portal_id = ?1
                               AND (instr(lower(row_data), ?2) > 0 OR instr(lower(message), ?2) > 0
                                    OR instr(lower(coalesce(invalid_value, '')), ?2) > 0)",
                        )
                        .and_then(|mut stmt| stmt.execute(params![portal.0, value]))
                        .map_err(internal)?;
                    }
                    Ok(())
                },
                // As for the journal: deleted content is zeroed, and the
                // log's older page images go with a checkpoint.
                |conn, _| {
                    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                        .map_err(internal)
                },
            )
            .await
    }

    async fn create_export(&self, portal: PortalId, export: NewExport) -> Result<ExportRecord> {
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO exports (portal_id, name, request, link_key, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        portal.0,
                        export.name,
                        export.request.to_string(),
                        export.link_key.as_slice(),
                        export.at.millis()
                    ],
                )
                .map_err(internal)?;
                Ok(ExportRecord {
                    id: tx.last_insert_rowid(),
                    portal,
                    name: export.name,
                    request: export.request,
                    link_key: export.link_key,
                    created_at: export.at,
                })
            })
            .await
    }

    async fn export(&self, id: i64) -> Result<Option<ExportRecord>> {
        self.connections().read(|conn| {
            conn.query_row(
                "SELECT portal_id, name, request, link_key, created_at FROM exports WHERE id = ?1",
                [id],
                |r| {
                    let request: String = r.get(2)?;
                    let hash: Vec<u8> = r.get(3)?;
                    Ok(ExportRecord {
                        id,
                        portal: PortalId(r.get(0)?),
                        name: r.get(1)?,
                        request: serde_json::from_str(&request).unwrap_or_default(),
                        link_key: hash.try_into().unwrap_or([0; 32]),
                        created_at: Timestamp::from_stored(r.get(4)?),
                    })
                },
            )
            .optional()
            .map_err(internal)
        })
    }
}
