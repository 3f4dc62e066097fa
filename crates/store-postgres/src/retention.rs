//! The retention worker's statements, which span every portal: contacts
//! archived past their period, and request journal calls past theirs
//! (listed in catalogue.rs as a file whose statements may cross portals).

use crate::db::{client, db};
use deadpool_postgres::Pool;
use spoke_domain::contact::ContactState;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

/// Up to `limit` contacts, of every portal, archived before `before`.
pub(crate) async fn archived_before(
    pool: &Pool,
    before: Timestamp,
    limit: usize,
) -> Result<Vec<(PortalId, ContactId)>> {
    let client = client(pool).await?;
    let rows = client
        .query(
            "SELECT portal_id, contact_id FROM contacts
             WHERE state = $1 AND archived_at < $2 ORDER BY archived_at LIMIT $3",
            &[
                &ContactState::Archived.code(),
                &before.millis(),
                &(limit as i64),
            ],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| (PortalId(r.get(0)), ContactId(r.get(1))))
        .collect())
}

/// Deletes every portal's journal calls made before `before`.
pub(crate) async fn prune_journal(pool: &Pool, before: Timestamp) -> Result<u64> {
    let client = client(pool).await?;
    client
        .execute(
            "DELETE FROM request_journal WHERE at < $1",
            &[&before.millis()],
        )
        .await
        .map_err(db)
}
