//! Background work that starts and stops with the server: turning the
//! outbox into webhook batches, sending them, pruning what is old,
//! evaluating lists over their portal, and reading the gauges of
//! `/metrics`.
//!
//! Every node runs the same workers; the store decides who does what (one
//! dispatcher at a time, claims with leases), so a node can die at any
//! moment and another, or the same one restarted, carries on.

mod gauges;
mod list_evaluation;
mod pruning;
mod webhook_delivery;
mod webhook_dispatch;

use spoke_domain::store::Store;
use spoke_domain::webhooks::RetryPolicy;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use webhook_delivery::TargetPolicy;

/// How the workers behave (from the command line).
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    pub retry: RetryPolicy,
    /// Finished deliveries and dispatched outbox events older than this go.
    pub retention: Duration,
    /// Contacts archived longer ago than this are purged.
    pub archived_retention: Duration,
    /// Request journal calls older than this go.
    pub journal_retention: Duration,
    pub targets: TargetPolicy,
    /// How often lists with rolling date ranges are evaluated again.
    pub list_refresh: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            retry: RetryPolicy::default(),
            retention: Duration::from_secs(7 * 24 * 3600),
            archived_retention: Duration::from_secs(90 * 24 * 3600),
            journal_retention: Duration::from_secs(7 * 24 * 3600),
            targets: TargetPolicy::Any,
            list_refresh: Duration::from_secs(300),
        }
    }
}

/// The running workers.
pub struct Workers {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    pub fn start(store: Arc<dyn Store>, settings: WorkerSettings) -> Workers {
        let (stop, stopped) = watch::channel(false);
        let handles = vec![
            tokio::spawn(webhook_dispatch::run(Arc::clone(&store), stopped.clone())),
            tokio::spawn(webhook_delivery::run(
                Arc::clone(&store),
                settings.retry,
                settings.targets,
                stopped.clone(),
            )),
            tokio::spawn(list_evaluation::run(
                Arc::clone(&store),
                settings.list_refresh,
                stopped.clone(),
            )),
            tokio::spawn(gauges::run(Arc::clone(&store), stopped.clone())),
            tokio::spawn(pruning::run(
                store,
                settings.retention,
                settings.archived_retention,
                settings.journal_retention,
                stopped,
            )),
        ];
        Workers { stop, handles }
    }

    /// Stops taking new work and waits for the work in hand (a send in
    /// flight has its answer recorded).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let _ = handle.await;
        }
    }
}

/// Sleeps for `pause`, or less when asked to stop; `true` when stopping.
async fn pause_or_stop(stopped: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    if *stopped.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(pause) => *stopped.borrow(),
        _ = stopped.changed() => true,
    }
}
