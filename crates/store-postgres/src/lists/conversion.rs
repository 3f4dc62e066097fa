//! Lists that become static on a schedule, and the history of list sizes
//! and filter edits, in PostgreSQL: the per-portal statements. What is due
//! is the domain's decision ([`ConversionTime::is_due`]); the list worker's
//! statements across portals are in `list_processing.rs`.

use super::not_found;
use crate::db::db;
use deadpool_postgres::GenericClient;
use spoke_domain::ids::{ListId, PortalId};
use spoke_domain::lists::conversion::{ConversionTime, ListConversion, ListHistory, SizePoint};
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};

/// Notes that a list's filters were edited at `at` (ms).
pub(super) async fn record_edit(
    client: &impl GenericClient,
    portal: PortalId,
    list: ListId,
    at: i64,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO list_history (portal_id, list_id, kind, at) VALUES ($1, $2, 'edit', $3)
             ON CONFLICT DO NOTHING",
            &[&portal.0, &list.0, &at],
        )
        .await
        .map_err(db)
        .map(drop)
}

pub(crate) fn parse_requested(text: &str) -> Result<ConversionTime> {
    let value = serde_json::from_str(text).map_err(Error::internal)?;
    ConversionTime::from_stored(&value)
}

/// A live list's conversion.
pub(super) async fn conversion(
    client: &impl GenericClient,
    portal: PortalId,
    list: ListId,
) -> Result<ListConversion> {
    let row = client
        .query_opt(
            "SELECT conversion, conversion_requested_at, converted_at FROM lists
             WHERE portal_id = $1 AND id = $2 AND deleted_at IS NULL",
            &[&portal.0, &list.0],
        )
        .await
        .map_err(db)?
        .ok_or_else(|| not_found(list))?;
    let requested: Option<String> = row.get(0);
    Ok(ListConversion {
        list,
        requested: requested.as_deref().map(parse_requested).transpose()?,
        requested_at: row.get::<_, Option<i64>>(1).map(Timestamp::from_stored),
        converted_at: row.get::<_, Option<i64>>(2).map(Timestamp::from_stored),
    })
}

/// Asks for, or cancels, a live list's conversion.
pub(super) async fn schedule(
    client: &impl GenericClient,
    portal: PortalId,
    list: ListId,
    requested: Option<ConversionTime>,
    at: Timestamp,
) -> Result<ListConversion> {
    let changed = client
        .execute(
            "UPDATE lists SET conversion = $3, conversion_requested_at = $4
             WHERE portal_id = $1 AND id = $2 AND deleted_at IS NULL",
            &[
                &portal.0,
                &list.0,
                &requested.map(|r| r.to_json().to_string()),
                &requested.map(|_| at.millis()),
            ],
        )
        .await
        .map_err(db)?;
    if changed == 0 {
        return Err(not_found(list));
    }
    conversion(client, portal, list).await
}

/// A live list's sizes and edits from `from` to `to`: the size in force at
/// `from` (stamped `from`), then every point and edit up to `to`.
pub(super) async fn history(
    client: &impl GenericClient,
    portal: PortalId,
    list: ListId,
    from: Timestamp,
    to: Timestamp,
) -> Result<ListHistory> {
    let exists = client
        .query_opt(
            "SELECT 1 FROM lists WHERE portal_id = $1 AND id = $2 AND deleted_at IS NULL",
            &[&portal.0, &list.0],
        )
        .await
        .map_err(db)?;
    if exists.is_none() {
        return Err(not_found(list));
    }
    let mut out = ListHistory::default();
    let before = client
        .query_opt(
            "SELECT size FROM list_history
             WHERE portal_id = $1 AND list_id = $2 AND kind = 'size' AND at < $3
             ORDER BY at DESC LIMIT 1",
            &[&portal.0, &list.0, &from.millis()],
        )
        .await
        .map_err(db)?;
    if let Some(row) = before.filter(|_| from <= to) {
        out.sizes.push(SizePoint {
            at: from,
            size: row.get(0),
        });
    }
    let rows = client
        .query(
            "SELECT kind, at, size FROM list_history
             WHERE portal_id = $1 AND list_id = $2 AND at >= $3 AND at <= $4
             ORDER BY at, kind",
            &[&portal.0, &list.0, &from.millis(), &to.millis()],
        )
        .await
        .map_err(db)?;
    for row in rows {
        let kind: String = row.get(0);
        let at = Timestamp::from_stored(row.get(1));
        match (kind.as_str(), row.get::<_, Option<i64>>(2)) {
            ("size", Some(size)) => out.sizes.push(SizePoint { at, size }),
            ("edit", _) => out.edits.push(at),
            _ => {}
        }
    }
    Ok(out)
}
