//! The request journal in SQLite: notes stored in one transaction per
//! batch, each portal numbered on and cut to its newest calls.

use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, params_from_iter, types::Value as Sql};
use spoke_domain::ids::PortalId;
use spoke_domain::sandbox::journal::{JournalEntry, JournalQuery, KEEP_PER_PORTAL};
use spoke_domain::store::JournalStore;
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::collections::BTreeSet;

#[async_trait]
impl JournalStore for SqliteStore {
    async fn record_requests(&self, notes: Vec<(PortalId, JournalEntry)>) -> Result<()> {
        self.connections()
            .write(move |tx| {
                let mut portals = BTreeSet::new();
                for (portal, e) in &notes {
                    portals.insert(*portal);
                    tx.prepare_cached(
                        "INSERT INTO request_journal (portal_id, id, at, credential, method, path, status,
                             latency_ms, correlation_id, request_body, response_body)
                         SELECT ?1, coalesce(max(id), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
                         FROM request_journal WHERE portal_id = ?1",
                    )
                    .and_then(|mut stmt| {
                        stmt.execute(params![
                            portal.0,
                            e.at.millis(),
                            e.credential,
                            e.method,
                            e.path,
                            e.status,
                            e.latency_ms as i64,
                            e.correlation_id,
                            e.request_body,
                            e.response_body
                        ])
                    })
                    .map_err(internal)?;
                }
                for portal in portals {
                    tx.prepare_cached(
                        "DELETE FROM request_journal WHERE portal_id = ?1
                           AND id <= (SELECT max(id) FROM request_journal WHERE portal_id = ?1) - ?2",
                    )
                    .and_then(|mut stmt| stmt.execute(params![portal.0, KEEP_PER_PORTAL as i64]))
                    .map_err(internal)?;
                }
                Ok(())
            })
            .await
    }

    async fn journal(
        &self,
        portal: PortalId,
        query: JournalQuery,
    ) -> Result<Vec<(i64, JournalEntry)>> {
        self.connections().read(|conn| {
            let mut sql = String::from(
                "SELECT id, at, credential, method, path, status, latency_ms, correlation_id,
                        request_body, response_body
                 FROM request_journal WHERE portal_id = ?",
            );
            let mut args: Vec<Sql> = vec![Sql::Integer(portal.0)];
            if let Some(path) = &query.path {
                sql.push_str(" AND instr(path, ?) > 0");
                args.push(Sql::Text(path.clone()));
            }
            if let Some(status) = query.status {
                sql.push_str(" AND status = ?");
                args.push(Sql::Integer(i64::from(status)));
            }
            if let Some(id) = &query.correlation_id {
                sql.push_str(" AND correlation_id = ?");
                args.push(Sql::Text(id.clone()));
            }
            if let Some(after) = query.after {
                sql.push_str(" AND id > ?");
                args.push(Sql::Integer(after));
            }
            sql.push_str(" ORDER BY id DESC LIMIT ?");
            args.push(Sql::Integer(query.limit as i64));
            let mut stmt = conn.prepare(&sql).map_err(internal)?;
            let rows = stmt
                .query_map(params_from_iter(args), |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        JournalEntry {
                            at: Timestamp::from_stored(r.get(1)?),
                            credential: r.get(2)?,
                            method: r.get(3)?,
                            path: r.get(4)?,
                            status: r.get(5)?,
                            latency_ms: r.get::<_, i64>(6)?.max(0) as u64,
                            correlation_id: r.get(7)?,
                            request_body: r.get(8)?,
                            response_body: r.get(9)?,
                        },
                    ))
                })
                .map_err(internal)?;
            rows.collect::<rusqlite::Result<_>>().map_err(internal)
        })
    }

    async fn clear_journal(&self, portal: PortalId) -> Result<()> {
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM request_journal WHERE portal_id = ?1",
                    [portal.0],
                )
                .map(drop)
                .map_err(internal)
            })
            .await
    }

    async fn prune_journal(&self, before: Timestamp) -> Result<u64> {
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM request_journal WHERE at < ?1",
                    [before.millis()],
                )
                .map(|n| n as u64)
                .map_err(internal)
            })
            .await
    }

    async fn forget_in_journal(&self, portal: PortalId, values: &[String]) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let values = values.to_vec();
        self.connections()
            .write_then(
                move |tx| {
                    for value in &values {
                        tx.prepare_cached(
                            "DELETE FROM request_journal WHERE portal_id = ?1
                               AND (instr(lower(path), ?2) > 0 OR instr(lower(request_body), ?2) > 0
                                    OR instr(lower(response_body), ?2) > 0)",
                        )
                        .and_then(|mut stmt| stmt.execute(params![portal.0, value]))
                        .map_err(internal)?;
                    }
                    Ok(())
                },
                // Deleted content is zeroed (secure_delete); the log's
                // older page images go with a checkpoint.
                |conn, _| {
                    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                        .map_err(internal)
                },
            )
            .await
    }
}
