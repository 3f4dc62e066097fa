//! The list worker's statements, which span portals: which lists are being
//! evaluated, starting again the lists whose filters depend on the time,
//! converting lists whose conversion to static is due, and recording list
//! sizes. Everything else about lists is per portal (`lists/`).

use crate::db::{client, db};
use crate::lists::conversion::parse_requested;
use crate::lists::follow::bump_generation;
use deadpool_postgres::Pool;
use spoke_domain::ids::{ListId, PortalId};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

pub(crate) async fn lists_processing(pool: &Pool, limit: usize) -> Result<Vec<(PortalId, ListId)>> {
    let client = client(pool).await?;
    Ok(client
        .query(
            "SELECT portal_id, id FROM lists
             WHERE processing_status = 'PROCESSING' AND deleted_at IS NULL
             ORDER BY evaluation_started, portal_id, id LIMIT $1",
            &[&(limit as i64)],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| (PortalId(r.get(0)), ListId(r.get(1))))
        .collect())
}

pub(crate) async fn refresh_lists_relative_to_now(pool: &Pool, before: Timestamp) -> Result<usize> {
    let client = client(pool).await?;
    let changed = client
        .execute(
            "UPDATE lists SET processing_status = 'PROCESSING', evaluated_through = 0,
                    evaluation_started = $2
             WHERE relative_to_now AND processing_type = 'DYNAMIC' AND deleted_at IS NULL
               AND processing_status = 'COMPLETE' AND evaluation_started < $1",
            &[&before.millis(), &Timestamp::now().millis()],
        )
        .await
        .map_err(db)?;
    Ok(changed as usize)
}

/// Makes static every live, evaluated DYNAMIC list whose conversion is due
/// at `now`, each in its own transaction with the list row locked, so two
/// nodes never convert one list twice.
pub(crate) async fn convert_due_lists(pool: &Pool, now: Timestamp) -> Result<usize> {
    let mut client = client(pool).await?;
    let pending = client
        .query(
            "SELECT l.portal_id, l.id, l.conversion, l.conversion_requested_at,
                    (SELECT nullif(max(s.changed_at), 0) FROM list_sizes s
                     WHERE s.portal_id = l.portal_id AND s.list_id = l.id)
             FROM lists l
             WHERE l.conversion IS NOT NULL AND l.converted_at IS NULL AND l.deleted_at IS NULL
               AND l.processing_type = 'DYNAMIC' AND l.processing_status = 'COMPLETE'",
            &[],
        )
        .await
        .map_err(db)?;
    let mut converted = 0;
    for row in pending {
        let (portal, list): (i64, i64) = (row.get(0), row.get(1));
        let requested = parse_requested(row.get(2))?;
        let requested_at = Timestamp::from_stored(row.get(3));
        let changed_at = row.get::<_, Option<i64>>(4).map(Timestamp::from_stored);
        if !requested.is_due(requested_at, changed_at, now) {
            continue;
        }
        let tx = client.transaction().await.map_err(db)?;
        let done = tx
            .execute(
                "UPDATE lists SET processing_type = 'MANUAL', filters = NULL,
                        relative_to_now = false, version = version + 1, updated_at = $3,
                        converted_at = $3
                 WHERE portal_id = $1 AND id = $2 AND converted_at IS NULL
                   AND processing_type = 'DYNAMIC' AND deleted_at IS NULL",
                &[&portal, &list, &now.millis()],
            )
            .await
            .map_err(db)?;
        if done > 0 {
            bump_generation(&tx, PortalId(portal)).await?;
            converted += 1;
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(converted)
}

/// Records the size of every evaluated live list whose size changed since
/// its last point.
pub(crate) async fn record_list_sizes(pool: &Pool, at: Timestamp) -> Result<usize> {
    let client = client(pool).await?;
    let recorded = client
        .execute(
            "INSERT INTO list_history (portal_id, list_id, kind, at, size)
             SELECT portal_id, id, 'size', $1, size FROM (
               SELECT l.portal_id, l.id,
                      coalesce((SELECT sum(s.size) FROM list_sizes s
                                WHERE s.portal_id = l.portal_id AND s.list_id = l.id), 0)::bigint
                        AS size,
                      (SELECT h.size FROM list_history h
                       WHERE h.portal_id = l.portal_id AND h.list_id = l.id AND h.kind = 'size'
                       ORDER BY h.at DESC LIMIT 1) AS last
               FROM lists l
               WHERE l.deleted_at IS NULL AND l.processing_status = 'COMPLETE'
             ) now_and_last
             WHERE last IS DISTINCT FROM size
             ON CONFLICT DO NOTHING",
            &[&at.millis()],
        )
        .await
        .map_err(db)?;
    Ok(recorded as usize)
}
