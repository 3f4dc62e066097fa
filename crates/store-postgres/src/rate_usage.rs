//! Rate-limited calls counted for the whole cluster, in an unlogged table:
//! one row per allowance and bucket. Nodes take calls in leases (see
//! [`spoke_domain::access::limits::Limiter`]), so this is visited about
//! once per lease, not once per call.

use crate::db::{client, db};
use async_trait::async_trait;
use deadpool_postgres::Pool;
use spoke_domain::access::limits::{LimitKey, RateCounter, Taken, Window};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

pub(crate) struct SharedCounter {
    pool: Pool,
}

impl SharedCounter {
    pub fn new(pool: Pool) -> SharedCounter {
        SharedCounter { pool }
    }
}

const USED: &str = "SELECT coalesce(sum(used), 0)::bigint FROM rate_usage
                    WHERE portal_id = $1 AND key = $2 AND bucket >= $3";

#[async_trait]
impl RateCounter for SharedCounter {
    async fn take(
        &self,
        key: &LimitKey,
        window: Window,
        now: Timestamp,
        want: u64,
    ) -> Result<Taken> {
        let name = key.name();
        let mut client = client(&self.pool).await?;
        let tx = client.transaction().await.map_err(db)?;
        // Counts need no durability: the table is unlogged and a lost count
        // lets a few calls more through after a crash.
        tx.batch_execute("SET LOCAL synchronous_commit = off")
            .await
            .map_err(db)?;
        // One taker per allowance at a time, across the cluster.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, $2))",
            &[&name, &key.portal.0],
        )
        .await
        .map_err(db)?;
        let oldest = window.oldest(now);
        let used: i64 = tx
            .query_one(USED, &[&key.portal.0, &name, &oldest])
            .await
            .map_err(db)?
            .get(0);
        let used = used.max(0) as u64;
        let granted = window.grant(used, want);
        if granted > 0 {
            tx.execute(
                "INSERT INTO rate_usage (portal_id, key, bucket, used) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (portal_id, key, bucket) DO UPDATE SET used = rate_usage.used + excluded.used",
                &[&key.portal.0, &name, &window.bucket(now), &(granted as i64)],
            )
            .await
            .map_err(db)?;
        }
        tx.execute(
            "DELETE FROM rate_usage WHERE portal_id = $1 AND key = $2 AND bucket < $3",
            &[&key.portal.0, &name, &oldest],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Taken {
            granted,
            used: used + granted,
        })
    }

    async fn used(&self, key: &LimitKey, window: Window, now: Timestamp) -> Result<u64> {
        let client = client(&self.pool).await?;
        let used: i64 = client
            .query_one(USED, &[&key.portal.0, &key.name(), &window.oldest(now)])
            .await
            .map_err(db)?
            .get(0);
        Ok(used.max(0) as u64)
    }

    fn shared(&self) -> bool {
        true
    }
}
