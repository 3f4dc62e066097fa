//! Evaluates new and re-filtered lists over their portal in steps (one
//! transaction of a few thousand contacts each), so a list over a large
//! portal never holds up other requests; starts again, on a schedule, the
//! lists whose filters depend on the time (rolling date ranges); converts
//! the lists whose conversion to static is due; and records list sizes for
//! their history.
//!
//! Every node runs it; a step another node took first is simply looked at
//! again (the store checks the list's position under a lock).

use super::pause_or_stop;
use spoke_domain::lists::service::EVALUATION_STEP;
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often the worker looks for lists to evaluate when there are none.
const IDLE: Duration = Duration::from_millis(200);

/// Longest time between two looks for conversions due and sizes changed
/// (shorter when the refresh period is).
const HOUSEKEEPING: Duration = Duration::from_secs(60);

/// Converts the lists due and records the sizes that changed.
async fn housekeeping(store: &dyn Store) {
    let now = Timestamp::now();
    match store.convert_due_lists(now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(lists = n, "lists converted to static"),
        Err(err) => tracing::warn!(%err, "cannot convert the lists due"),
    }
    if let Err(err) = store.record_list_sizes(now).await {
        tracing::warn!(%err, "cannot record list sizes");
    }
}

pub async fn run(store: Arc<dyn Store>, refresh: Duration, mut stopped: watch::Receiver<bool>) {
    let mut last_refresh = Instant::now();
    let housekeeping_every = refresh.min(HOUSEKEEPING);
    let mut last_housekeeping: Option<Instant> = None;
    loop {
        if last_housekeeping.is_none_or(|at| at.elapsed() >= housekeeping_every) {
            last_housekeeping = Some(Instant::now());
            housekeeping(store.as_ref()).await;
        }
        if last_refresh.elapsed() >= refresh {
            last_refresh = Instant::now();
            let before = Timestamp::from_stored(
                Timestamp::now().millis() - i64::try_from(refresh.as_millis()).unwrap_or(i64::MAX),
            );
            match store.refresh_lists_relative_to_now(before).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(lists = n, "re-evaluating lists with rolling date ranges"),
                Err(err) => tracing::warn!(%err, "cannot start the re-evaluation of rolling lists"),
            }
        }
        let busy = match store.lists_processing(16).await {
            Ok(lists) => {
                for (portal, list) in &lists {
                    let started = Instant::now();
                    loop {
                        match store.evaluate_list(*portal, *list, EVALUATION_STEP).await {
                            Ok(true) => {
                                tracing::info!(%portal, list = list.0, millis = started.elapsed().as_millis() as u64, "list evaluated");
                                break;
                            }
                            Ok(false) if *stopped.borrow() => return,
                            Ok(false) => {}
                            Err(err) => {
                                tracing::warn!(%portal, list = list.0, %err, "list evaluation step failed; trying again");
                                break;
                            }
                        }
                    }
                }
                !lists.is_empty()
            }
            Err(err) => {
                tracing::warn!(%err, "cannot look for lists to evaluate");
                false
            }
        };
        if !busy && pause_or_stop(&mut stopped, IDLE).await {
            return;
        }
        if *stopped.borrow() {
            return;
        }
    }
}
