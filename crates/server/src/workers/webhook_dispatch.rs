//! Turns committed outbox events into queued webhook events, oldest first.

use super::pause_or_stop;
use spoke_domain::store::Store;
use spoke_domain::webhooks::plan_batches;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Outbox events taken in one transaction.
const BATCH: usize = 1000;
/// How long an idle dispatcher waits before looking again.
const IDLE: Duration = Duration::from_millis(20);

pub async fn run(store: Arc<dyn Store>, mut stopped: watch::Receiver<bool>) {
    loop {
        let pause = match store.dispatch_outbox(BATCH, plan_batches).await {
            Ok(n) if n == BATCH => Duration::ZERO,
            Ok(_) => IDLE,
            Err(err) => {
                tracing::warn!(%err, "webhook dispatch failed; trying again");
                Duration::from_secs(1)
            }
        };
        if pause_or_stop(&mut stopped, pause).await {
            return;
        }
    }
}
