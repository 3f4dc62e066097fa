//! Contact ids. Each portal's counter is a row of `portals`; a write sets
//! ids aside in a transaction of its own on a connection of its own, which
//! holds the row lock only for that one statement and does not wait for
//! the disk (`synchronous_commit=off`): so writers to one portal through
//! any number of nodes run side by side and never share an id.
//!
//! Durability: the write that uses the ids commits after the counter's
//! transaction, and PostgreSQL makes a commit durable with everything
//! logged before it, so an id a durable contact holds is never handed out
//! again. Ids set aside by a write that then fails are not reused (HubSpot's
//! ids have gaps too). Creation times never go back, so id order is
//! creation order.

use crate::db::{client, db};
use deadpool_postgres::Pool;
use spoke_domain::contact::plan::IdBlock;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};

/// Sets `count` ids aside. The block's floor is the portal's latest
/// creation time before it; the counter moves on to `latest` (the latest
/// time any of the block's contacts may be created at) so that the next
/// block starts after this one.
pub(crate) async fn set_aside(
    pool: &Pool,
    portal: PortalId,
    count: usize,
    latest: Timestamp,
) -> Result<IdBlock> {
    let client = client(pool).await?;
    let stmt = client
        .prepare_cached(
            "UPDATE portals
             SET next_contact_id = next_contact_id + $2,
                 block_floor = last_created_at,
                 last_created_at = greatest(last_created_at, $3)
             WHERE portal_id = $1
             RETURNING next_contact_id - $2, block_floor",
        )
        .await
        .map_err(db)?;
    let row = client
        .query_opt(&stmt, &[&portal.0, &(count as i64), &latest.millis()])
        .await
        .map_err(db)?
        .ok_or_else(|| Error::NotFound(format!("portal {portal} does not exist")))?;
    Ok(IdBlock {
        first: ContactId(row.get(0)),
        count,
        created_floor: Timestamp::from_stored(row.get(1)),
    })
}
