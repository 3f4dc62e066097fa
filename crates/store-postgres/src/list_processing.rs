//! The list worker's statements, which span portals: which lists are being
//! evaluated, and starting again the lists whose filters depend on the
//! time. Everything else about lists is per portal (`lists/`).

use crate::db::{client, db};
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
