//! Connections shared by point reads (a contact by id, a token, a page of
//! the listing): each carries many queries at once, as tokio-postgres
//! pipelines them, so a read needs no connection of its own, and reads in
//! flight together share their socket writes and reads. Measured on GET by
//! id (BENCHMARKS.md), that is most of what a read through a pool of
//! exclusive connections spends beyond SQLite.
//!
//! Reads that take long (search) use the pool instead, so they never hold
//! up the point reads queued behind them. A connection that is lost is
//! made again on the next read.

use crate::db::db;
use spoke_domain::{Error, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use tokio_postgres::{Client, Statement};

pub(crate) struct Readers {
    config: tokio_postgres::Config,
    tls: crate::tls::PgTls,
    slots: Vec<Slot>,
    next: AtomicUsize,
}

struct Slot {
    current: RwLock<Option<Arc<Reader>>>,
    /// One reconnection at a time.
    connecting: tokio::sync::Mutex<()>,
}

pub(crate) struct Reader {
    client: Client,
    statements: Mutex<HashMap<&'static str, Statement>>,
}

impl Readers {
    pub fn new(
        config: tokio_postgres::Config,
        connections: usize,
        tls: crate::tls::PgTls,
    ) -> Readers {
        Readers {
            config,
            tls,
            slots: (0..connections.max(1))
                .map(|_| Slot {
                    current: RwLock::new(None),
                    connecting: tokio::sync::Mutex::new(()),
                })
                .collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// A live shared connection, made if need be.
    pub async fn reader(&self) -> Result<Arc<Reader>> {
        let slot = &self.slots[self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len()];
        if let Some(reader) = slot.live() {
            return Ok(reader);
        }
        let _turn = slot.connecting.lock().await;
        if let Some(reader) = slot.live() {
            return Ok(reader);
        }
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| Error::Unavailable(format!("cannot connect: {e}")))?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "a shared read connection ended");
            }
        });
        let reader = Arc::new(Reader {
            client,
            statements: Mutex::new(HashMap::new()),
        });
        *slot.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&reader));
        Ok(reader)
    }
}

impl Slot {
    fn live(&self) -> Option<Arc<Reader>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|r| !r.client.is_closed())
            .cloned()
    }
}

impl Reader {
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The statement of `sql`, prepared once per connection.
    pub async fn statement(&self, sql: &'static str) -> Result<Statement> {
        let cached = self
            .statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(sql)
            .cloned();
        if let Some(statement) = cached {
            return Ok(statement);
        }
        let statement = self.client.prepare(sql).await.map_err(db)?;
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(sql, statement.clone());
        Ok(statement)
    }
}
