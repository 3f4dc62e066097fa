//! The metrics that are states rather than events, read every few seconds:
//! webhook queue depth and lag, outbox events not yet dispatched, and the
//! list evaluation backlog (the whole database's, the same on every node).

use super::pause_or_stop;
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const EVERY: Duration = Duration::from_secs(5);
/// Lists counted at most (a backlog past it is shown as this).
const MAX_LISTS: usize = 10_000;

pub async fn run(store: Arc<dyn Store>, mut stopped: watch::Receiver<bool>) {
    loop {
        read(store.as_ref()).await;
        if pause_or_stop(&mut stopped, EVERY).await {
            return;
        }
    }
}

async fn read(store: &dyn Store) {
    match store.webhook_backlog().await {
        Ok(backlog) => {
            metrics::gauge!("spoke_webhook_queue_depth").set(backlog.deliveries as f64);
            metrics::gauge!("spoke_webhook_undispatched_events")
                .set(backlog.undispatched_events as f64);
            let lag = backlog
                .oldest
                .map(|at| (Timestamp::now().millis() - at.millis()).max(0) as f64 / 1000.0)
                .unwrap_or(0.0);
            metrics::gauge!("spoke_webhook_lag_seconds").set(lag);
        }
        Err(err) => tracing::debug!(%err, "cannot read the webhook backlog"),
    }
    match store.lists_processing(MAX_LISTS).await {
        Ok(lists) => metrics::gauge!("spoke_list_evaluation_backlog").set(lists.len() as f64),
        Err(err) => tracing::debug!(%err, "cannot read the list backlog"),
    }
}
