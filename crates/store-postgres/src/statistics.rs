//! PostgreSQL plans searches from its statistics of the contacts tables:
//! without them (a portal just imported), it cannot tell that a portal's
//! contacts are most of the table, and may scan the table where the search
//! terms' index would take milliseconds. And a search reads every term
//! still waiting in the GIN index's pending list, and every table page not
//! yet marked all-visible (which a count over an index needs). Autovacuum
//! sees to all three, at most once a minute by default; a node that has
//! written many rows since it last asked has the contacts table vacuumed
//! and the tables analyzed at once, in the background.

use crate::db::client;
use deadpool_postgres::Pool;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Rows written (by this node) after which it first has the tables
/// analyzed; each analysis doubles the rows until the next (statistics
/// need fresh samples while a table grows from nothing, far fewer once it
/// is large, and an analysis of a large table costs a second of the
/// database's time), up to [`MOST_ROWS_BETWEEN_ANALYZES`].
const FIRST_ANALYZE_AFTER: u64 = 20_000;
const MOST_ROWS_BETWEEN_ANALYZES: u64 = 2_000_000;

pub(crate) struct Statistics {
    pool: Pool,
    written: AtomicU64,
    next: AtomicU64,
    running: Arc<AtomicBool>,
}

impl Statistics {
    pub fn new(pool: Pool) -> Statistics {
        Statistics {
            pool,
            written: AtomicU64::new(0),
            next: AtomicU64::new(FIRST_ANALYZE_AFTER),
            running: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Counts rows written; past the threshold, analyzes in the background.
    pub fn wrote(&self, rows: usize) {
        let before = self.written.fetch_add(rows as u64, Ordering::Relaxed);
        if before + (rows as u64) < self.next.load(Ordering::Relaxed) {
            return;
        }
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        self.written.store(0, Ordering::Relaxed);
        let next = (self.next.load(Ordering::Relaxed) * 2).min(MOST_ROWS_BETWEEN_ANALYZES);
        self.next.store(next, Ordering::Relaxed);
        let (pool, running) = (self.pool.clone(), Arc::clone(&self.running));
        tokio::spawn(async move {
            match client(&pool).await {
                Ok(client) => {
                    if let Err(err) = client
                        .batch_execute(
                            "ANALYZE contacts; ANALYZE unique_values; ANALYZE contact_numbers",
                        )
                        .await
                    {
                        tracing::warn!(error = %err, "cannot analyze the contacts tables");
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot analyze the contacts tables"),
            }
            running.store(false, Ordering::Release);
        });
    }
}
