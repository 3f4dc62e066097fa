//! Reading the outbox of change events.

use crate::contacts::{parse_kind, timestamp};
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::params;
use spoke_domain::contact::plan::MergeDetails;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::store::{OutboxEvent, OutboxStore};
use spoke_domain::Result;

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn outbox_after(
        &self,
        portal: PortalId,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OutboxEvent>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT o.id, o.portal_id, o.object_id, o.kind, o.occurred_at,
                            coalesce(c.changed_values, '{}'), coalesce(c.source_type, 'API'),
                            o.payload
                     FROM outbox o LEFT JOIN contact_changes c ON c.id = o.change_id
                     WHERE o.portal_id = ?1 AND o.id > ?2 ORDER BY o.id LIMIT ?3",
                )
                .map_err(internal)?;
            read_events(&mut stmt, params![portal.0, after, limit as i64])
        })
    }
}

/// Outbox events from a statement selecting, in order: id, portal, object,
/// kind, occurred at, changed values, source type, payload.
pub(crate) fn read_events(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<OutboxEvent>> {
    let rows = stmt
        .query_map(params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })
        .map_err(internal)?;
    let mut events = Vec::new();
    for row in rows {
        let (id, portal, contact, kind, at, values, source, payload) = row.map_err(internal)?;
        events.push(OutboxEvent {
            id,
            portal: PortalId(portal),
            contact: ContactId(contact),
            kind: parse_kind(&kind)?,
            occurred_at: timestamp(at),
            values: serde_json::from_str(&values).map_err(internal)?,
            source,
            merge: MergeDetails::from_payload_json(&payload),
        });
    }
    Ok(events)
}
