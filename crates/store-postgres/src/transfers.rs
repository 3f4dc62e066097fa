//! Imports and exports in PostgreSQL: each import's row updated after every
//! chunk together with the chunk's errors (one transaction, the import's
//! row locked, so a cancel from another node is never overwritten).

use crate::db::{client, db};
use crate::PostgresStore;
use async_trait::async_trait;
use spoke_domain::exports::{ExportRecord, NewExport};
use spoke_domain::ids::PortalId;
use spoke_domain::imports::{
    ImportCounters, ImportError, ImportProgress, ImportRecord, ImportState, NewImport,
};
use spoke_domain::store::TransferStore;
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use tokio_postgres::Row;

const IMPORT_COLUMNS: &str = "id, name, file_name, state, created_at, updated_at, request,
     total_rows, created_objects, updated_objects, error_rows, property_values,
     bytes_total, bytes_read, failure";

fn import_row(r: &Row) -> ImportRecord {
    let state: String = r.get(3);
    let request: String = r.get(6);
    let count = |i: usize| r.get::<_, i64>(i).max(0) as u64;
    ImportRecord {
        id: r.get(0),
        name: r.get(1),
        file_name: r.get(2),
        state: ImportState::parse(&state).unwrap_or(ImportState::Failed),
        created_at: Timestamp::from_stored(r.get(4)),
        updated_at: Timestamp::from_stored(r.get(5)),
        request: serde_json::from_str(&request).unwrap_or_default(),
        counters: ImportCounters {
            rows: count(7),
            created: count(8),
            updated: count(9),
            errors: count(10),
            property_values: count(11),
        },
        bytes_total: count(12),
        bytes_read: count(13),
        failure: r.get(14),
    }
}

#[async_trait]
impl TransferStore for PostgresStore {
    async fn create_import(&self, portal: PortalId, import: NewImport) -> Result<ImportRecord> {
        let client = client(self.pool()).await?;
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO imports (portal_id, name, file_name, state, created_at, updated_at,
                         request, bytes_total)
                     VALUES ($1, $2, $3, 'STARTED', $4, $4, $5, $6)
                     RETURNING {IMPORT_COLUMNS}"
                ),
                &[
                    &portal.0,
                    &import.name,
                    &import.file_name,
                    &import.at.millis(),
                    &import.request.to_string(),
                    &(import.bytes_total as i64),
                ],
            )
            .await
            .map_err(db)?;
        Ok(import_row(&row))
    }

    async fn record_import_progress(
        &self,
        portal: PortalId,
        id: i64,
        progress: ImportProgress,
        errors: Vec<ImportError>,
    ) -> Result<Option<ImportState>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let Some(current) = tx
            .query_opt(
                "SELECT state FROM imports WHERE portal_id = $1 AND id = $2 FOR UPDATE",
                &[&portal.0, &id],
            )
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let current = ImportState::parse(current.get(0)).unwrap_or(ImportState::Failed);
        if !current.is_active() {
            return Ok(Some(current));
        }
        let first: i64 = tx
            .query_one(
                "SELECT coalesce(max(id), 0) + 1 FROM import_errors
                 WHERE portal_id = $1 AND import_id = $2",
                &[&portal.0, &id],
            )
            .await
            .map_err(db)?
            .get(0);
        if !errors.is_empty() {
            let insert = tx
                .prepare(
                    "INSERT INTO import_errors (portal_id, import_id, id, created_at, line,
                         error_type, message, invalid_value, column_number, row_data)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .await
                .map_err(db)?;
            for (n, e) in (first..).zip(&errors) {
                tx.execute(
                    &insert,
                    &[
                        &portal.0,
                        &id,
                        &n,
                        &progress.at.millis(),
                        &(e.line as i64),
                        &e.error_type,
                        &e.message,
                        &e.invalid_value,
                        &e.column.map(i64::from),
                        &serde_json::to_string(&e.fields).unwrap_or_default(),
                    ],
                )
                .await
                .map_err(db)?;
            }
        }
        let c = progress.counters;
        tx.execute(
            "UPDATE imports SET state = $3, updated_at = $4, total_rows = $5,
                 created_objects = $6, updated_objects = $7, error_rows = $8,
                 property_values = $9, bytes_read = $10, failure = $11
             WHERE portal_id = $1 AND id = $2",
            &[
                &portal.0,
                &id,
                &progress.state.as_str(),
                &progress.at.millis(),
                &(c.rows as i64),
                &(c.created as i64),
                &(c.updated as i64),
                &(c.errors as i64),
                &(c.property_values as i64),
                &(progress.bytes_read as i64),
                &progress.failure,
            ],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Some(progress.state))
    }

    async fn import(&self, portal: PortalId, id: i64) -> Result<Option<ImportRecord>> {
        let client = client(self.pool()).await?;
        let row = client
            .query_opt(
                &format!("SELECT {IMPORT_COLUMNS} FROM imports WHERE portal_id = $1 AND id = $2"),
                &[&portal.0, &id],
            )
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(import_row))
    }

    async fn imports(
        &self,
        portal: PortalId,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ImportRecord>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {IMPORT_COLUMNS} FROM imports WHERE portal_id = $1 AND id < $2
                     ORDER BY id DESC LIMIT $3"
                ),
                &[&portal.0, &before.unwrap_or(i64::MAX), &(limit as i64)],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(import_row).collect())
    }

    async fn import_errors(
        &self,
        portal: PortalId,
        id: i64,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, Timestamp, ImportError)>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT id, created_at, line, error_type, message, invalid_value,
                        column_number, row_data
                 FROM import_errors WHERE portal_id = $1 AND import_id = $2 AND id > $3
                 ORDER BY id LIMIT $4",
                &[&portal.0, &id, &after.unwrap_or(0), &(limit as i64)],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| {
                let fields: String = r.get(7);
                (
                    r.get(0),
                    Timestamp::from_stored(r.get(1)),
                    ImportError {
                        line: r.get::<_, i64>(2).max(0) as u64,
                        error_type: r.get(3),
                        message: r.get(4),
                        invalid_value: r.get(5),
                        column: r.get::<_, Option<i64>>(6).map(|c| c as u32),
                        fields: serde_json::from_str(&fields).unwrap_or_default(),
                    },
                )
            })
            .collect())
    }

    async fn cancel_import(
        &self,
        portal: PortalId,
        id: i64,
        at: Timestamp,
    ) -> Result<Option<ImportRecord>> {
        let client = client(self.pool()).await?;
        client
            .execute(
                "UPDATE imports SET state = 'CANCELED', updated_at = $3
                 WHERE portal_id = $1 AND id = $2 AND state IN ('STARTED', 'PROCESSING')",
                &[&portal.0, &id, &at.millis()],
            )
            .await
            .map_err(db)?;
        drop(client);
        self.import(portal, id).await
    }

    async fn forget_in_imports(&self, portal: PortalId, values: &[String]) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let client = client(self.pool()).await?;
        for value in values {
            client
                .execute(
                    "DELETE FROM import_errors WHERE portal_id = $1
                       AND (strpos(lower(row_data), $2) > 0 OR strpos(lower(message), $2) > 0
                            OR strpos(lower(coalesce(invalid_value, '')), $2) > 0)",
                    &[&portal.0, value],
                )
                .await
                .map_err(db)?;
        }
        Ok(())
    }

    async fn create_export(&self, portal: PortalId, export: NewExport) -> Result<ExportRecord> {
        let client = client(self.pool()).await?;
        let row = client
            .query_one(
                "INSERT INTO exports (portal_id, name, request, link_key, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &portal.0,
                    &export.name,
                    &export.request.to_string(),
                    &export.link_key.as_slice(),
                    &export.at.millis(),
                ],
            )
            .await
            .map_err(db)?;
        Ok(ExportRecord {
            id: row.get(0),
            portal,
            name: export.name,
            request: export.request,
            link_key: export.link_key,
            created_at: export.at,
        })
    }

    async fn export(&self, id: i64) -> Result<Option<ExportRecord>> {
        let client = client(self.pool()).await?;
        let row = client
            .query_opt(
                "SELECT portal_id, name, request, link_key, created_at FROM exports WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(db)?;
        Ok(row.map(|r| {
            let request: String = r.get(2);
            let hash: Vec<u8> = r.get(3);
            ExportRecord {
                id,
                portal: PortalId(r.get(0)),
                name: r.get(1),
                request: serde_json::from_str(&request).unwrap_or_default(),
                link_key: hash.try_into().unwrap_or([0; 32]),
                created_at: Timestamp::from_stored(r.get(4)),
            }
        }))
    }
}
