//! Reading the outbox of change events.

use crate::contacts::parse_kind;
use crate::db::{client, db};
use crate::PostgresStore;
use async_trait::async_trait;
use spoke_domain::contact::plan::MergeDetails;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::store::{OutboxEvent, OutboxStore};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::collections::BTreeMap;
use tokio_postgres::types::Json;

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn outbox_after(
        &self,
        portal: PortalId,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OutboxEvent>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT o.event_id, o.object_id, o.kind, o.occurred_at,
                        coalesce(c.changed_values, '{}'::jsonb), coalesce(c.source_type, 'API'),
                        o.payload
                 FROM outbox o
                 LEFT JOIN contact_changes c
                   ON c.portal_id = o.portal_id AND c.change_id = o.change_id
                 WHERE o.portal_id = $1 AND o.event_id > $2
                 ORDER BY o.event_id LIMIT $3",
                &[&portal.0, &after, &(limit as i64)],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let values: Json<BTreeMap<String, String>> = row.try_get(4).map_err(db)?;
                let payload: Json<serde_json::Value> = row.try_get(6).map_err(db)?;
                Ok(OutboxEvent {
                    id: row.get(0),
                    portal,
                    contact: ContactId(row.get(1)),
                    kind: parse_kind(row.get(2))?,
                    occurred_at: Timestamp::from_stored(row.get(3)),
                    values: values.0,
                    source: row.get(5),
                    merge: MergeDetails::from_payload_json(&payload.0.to_string()),
                })
            })
            .collect()
    }
}
