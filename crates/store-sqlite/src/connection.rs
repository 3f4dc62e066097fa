//! The writer connection and the per-thread reader connections.

use crate::{internal, SqliteOptions};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use spoke_domain::Result;
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use thread_local::ThreadLocal;

/// SQLite's `synchronous` setting for the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Synchronous {
    /// fsync on every commit: a committed write survives power loss.
    Full,
    /// fsync at checkpoints only: survives a crash of Spoke, may lose the
    /// last commits on power loss. Faster for many small writes.
    Normal,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

pub(crate) struct Connections {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: ThreadLocal<RefCell<Connection>>,
}

impl Connections {
    pub fn open(options: &SqliteOptions) -> Result<Connections> {
        let writer = Connection::open(&options.path).map_err(internal)?;
        writer
            .execute_batch(&format!(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = {};
                 PRAGMA busy_timeout = 5000;
                 PRAGMA cache_size = -65536;
                 PRAGMA temp_store = MEMORY;
                 PRAGMA secure_delete = ON;",
                options.synchronous.pragma()
            ))
            .map_err(internal)?;
        Ok(Connections {
            path: options.path.clone(),
            writer: Arc::new(Mutex::new(writer)),
            readers: ThreadLocal::new(),
        })
    }

    fn open_reader(&self) -> rusqlite::Result<RefCell<Connection>> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch(
            "PRAGMA busy_timeout = 5000;
             PRAGMA cache_size = -16384;
             PRAGMA temp_store = MEMORY;",
        )?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(RefCell::new(conn))
    }

    /// Runs a read on this thread's reader connection.
    pub fn read<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let cell = self
            .readers
            .get_or_try(|| self.open_reader())
            .map_err(internal)?;
        // A read never awaits, so the borrow cannot be held across a
        // suspension point and re-entered on this thread.
        let conn = cell.try_borrow().map_err(internal)?;
        f(&conn)
    }

    /// Runs `f` on the writer connection, synchronously (startup only).
    pub fn with_writer<R>(&self, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
        let mut conn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn)
    }

    /// Runs `f` in one write transaction on the blocking pool; commits when
    /// it returns `Ok`, rolls back otherwise.
    pub async fn write<R, F>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&Transaction<'_>) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.write_then(f, |_, _| Ok(())).await
    }

    /// Like [`Connections::write`], then runs `then` after the commit while
    /// still holding the writer: derived state (the search index) is
    /// updated in commit order, before the write returns.
    pub async fn write_then<R, F, T>(&self, f: F, then: T) -> Result<R>
    where
        F: FnOnce(&Transaction<'_>) -> Result<R> + Send + 'static,
        T: FnOnce(&Connection, &R) -> Result<()> + Send + 'static,
        R: Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(internal)?;
            let out = f(&tx)?;
            tx.commit().map_err(internal)?;
            then(&conn, &out)?;
            Ok(out)
        })
        .await
        .map_err(internal)?
    }
}
