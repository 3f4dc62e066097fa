//! Evaluates new and re-filtered lists over their portal in steps (one
//! transaction of a few thousand contacts each), so a list over a large
//! portal never holds up other requests; and starts again, on a schedule,
//! the lists whose filters depend on the time (rolling date ranges).
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

pub async fn run(store: Arc<dyn Store>, refresh: Duration, mut stopped: watch::Receiver<bool>) {
    let mut last_refresh = Instant::now();
    loop {
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
