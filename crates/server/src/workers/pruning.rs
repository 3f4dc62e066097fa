//! Retention: removes finished webhook deliveries, their attempts and
//! dispatched outbox events, and request journal calls, once they are older
//! than their periods, and
//! purges contacts archived longer ago than theirs (HubSpot's 90 days by
//! default), for good, as a GDPR delete removes a contact.

use super::pause_or_stop;
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Archived contacts purged per round.
const PURGE_BATCH: usize = 500;

pub async fn run(
    store: Arc<dyn Store>,
    retention: Duration,
    archived_retention: Duration,
    journal_retention: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    // Every tenth of the shorter period, at most hourly, at least each
    // second.
    let crm = spoke_domain::crm::Crm::new(Arc::clone(&store));
    let every = (retention.min(archived_retention).min(journal_retention) / 10)
        .clamp(Duration::from_secs(1), Duration::from_secs(3600));
    loop {
        match store.prune_webhooks(cutoff(retention)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "pruned old webhook deliveries and events"),
            Err(err) => tracing::warn!(%err, "pruning webhook deliveries failed"),
        }
        match crm
            .purge_archived(cutoff(archived_retention), PURGE_BATCH)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                contacts = n,
                "purged contacts archived past their retention"
            ),
            Err(err) => tracing::warn!(%err, "purging archived contacts failed"),
        }
        if pause_or_stop(&mut stopped, every).await {
            return;
        }
    }
}

fn cutoff(period: Duration) -> Timestamp {
    Timestamp::from_stored(
        Timestamp::now().millis() - i64::try_from(period.as_millis()).unwrap_or(i64::MAX),
    )
}
