//! Removes finished webhook deliveries, their attempts and dispatched
//! outbox events once they are older than the retention period.

use super::pause_or_stop;
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(store: Arc<dyn Store>, retention: Duration, mut stopped: watch::Receiver<bool>) {
    // Every tenth of the retention period, at most hourly, at least each
    // second.
    let every = (retention / 10).clamp(Duration::from_secs(1), Duration::from_secs(3600));
    loop {
        let cutoff = Timestamp::from_stored(
            Timestamp::now().millis() - i64::try_from(retention.as_millis()).unwrap_or(i64::MAX),
        );
        match store.prune_webhooks(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "pruned old webhook deliveries and events"),
            Err(err) => tracing::warn!(%err, "pruning webhook deliveries failed"),
        }
        if pause_or_stop(&mut stopped, every).await {
            return;
        }
    }
}
