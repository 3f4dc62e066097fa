//! The request journal in PostgreSQL: notes stored in one transaction per
//! batch (each node's writer), each portal numbered on under its row lock
//! and cut to its newest calls.

use crate::db::{client, db};
use crate::portals::lock_portal;
use crate::PostgresStore;
use async_trait::async_trait;
use spoke_domain::ids::PortalId;
use spoke_domain::sandbox::journal::{JournalEntry, JournalQuery, KEEP_PER_PORTAL};
use spoke_domain::store::JournalStore;
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::collections::BTreeMap;

#[async_trait]
impl JournalStore for PostgresStore {
    async fn record_requests(&self, notes: Vec<(PortalId, JournalEntry)>) -> Result<()> {
        let mut by_portal: BTreeMap<PortalId, Vec<JournalEntry>> = BTreeMap::new();
        for (portal, entry) in notes {
            by_portal.entry(portal).or_default().push(entry);
        }
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        for (portal, entries) in by_portal {
            // Numbering waits for another node's batch of the same portal;
            // a portal deleted meanwhile takes no notes.
            if !lock_portal(&tx, portal).await? {
                continue;
            }
            let next: i64 = tx
                .query_one(
                    "SELECT coalesce(max(id), 0) + 1 FROM request_journal WHERE portal_id = $1",
                    &[&portal.0],
                )
                .await
                .map_err(db)?
                .get(0);
            for (i, e) in entries.iter().enumerate() {
                tx.execute(
                    "INSERT INTO request_journal (portal_id, id, at, credential, method, path, status,
                         latency_ms, correlation_id, request_body, response_body)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    &[
                        &portal.0,
                        &(next + i as i64),
                        &e.at.millis(),
                        &e.credential,
                        &e.method,
                        &e.path,
                        &i64::from(e.status),
                        &(e.latency_ms as i64),
                        &e.correlation_id,
                        &e.request_body,
                        &e.response_body,
                    ],
                )
                .await
                .map_err(db)?;
            }
            tx.execute(
                "DELETE FROM request_journal WHERE portal_id = $1 AND id <= $2",
                &[
                    &portal.0,
                    &(next + entries.len() as i64 - 1 - KEEP_PER_PORTAL as i64),
                ],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn journal(
        &self,
        portal: PortalId,
        query: JournalQuery,
    ) -> Result<Vec<(i64, JournalEntry)>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT id, at, credential, method, path, status, latency_ms, correlation_id,
                        request_body, response_body
                 FROM request_journal
                 WHERE portal_id = $1
                   AND ($2::text IS NULL OR strpos(path, $2) > 0)
                   AND ($3::bigint IS NULL OR status = $3)
                   AND ($4::text IS NULL OR correlation_id = $4)
                   AND ($5::bigint IS NULL OR id > $5)
                 ORDER BY id DESC LIMIT $6",
                &[
                    &portal.0,
                    &query.path,
                    &query.status.map(i64::from),
                    &query.correlation_id,
                    &query.after,
                    &(query.limit as i64),
                ],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    JournalEntry {
                        at: Timestamp::from_stored(r.get(1)),
                        credential: r.get(2),
                        method: r.get(3),
                        path: r.get(4),
                        status: r.get::<_, i64>(5) as u16,
                        latency_ms: r.get::<_, i64>(6).max(0) as u64,
                        correlation_id: r.get(7),
                        request_body: r.get(8),
                        response_body: r.get(9),
                    },
                )
            })
            .collect())
    }

    async fn clear_journal(&self, portal: PortalId) -> Result<()> {
        let client = client(self.pool()).await?;
        client
            .execute(
                "DELETE FROM request_journal WHERE portal_id = $1",
                &[&portal.0],
            )
            .await
            .map_err(db)
            .map(drop)
    }

    async fn prune_journal(&self, before: Timestamp) -> Result<u64> {
        crate::retention::prune_journal(self.pool(), before).await
    }

    async fn forget_in_journal(&self, portal: PortalId, values: &[String]) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let client = client(self.pool()).await?;
        client
            .execute(
                "DELETE FROM request_journal WHERE portal_id = $1
                   AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS v(value)
                               WHERE strpos(lower(path), v.value) > 0
                                  OR strpos(lower(request_body), v.value) > 0
                                  OR strpos(lower(response_body), v.value) > 0)",
                &[&portal.0, &values],
            )
            .await
            .map_err(db)
            .map(drop)
    }
}
