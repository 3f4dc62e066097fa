//! The writer connection and the per-thread reader connections.

use crate::{internal, SqliteOptions};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use spoke_domain::{Error, Result};
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// Writes waiting for the next group commit.
    queue: Arc<Mutex<Vec<Job>>>,
    /// Whether a blocking thread is running groups.
    leading: Arc<AtomicBool>,
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
            queue: Arc::new(Mutex::new(Vec::new())),
            leading: Arc::new(AtomicBool::new(false)),
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

    /// Runs `f` in a write transaction on the blocking pool; commits when
    /// it returns `Ok`, rolls back otherwise.
    pub async fn write<R, F>(&self, f: F) -> Result<R>
    where
        F: FnOnce(&Transaction<'_>) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.write_then(f, |_, _| Ok(())).await
    }

    /// Like [`Connections::write`], then runs `then` after the commit, in
    /// commit order and before the write returns: derived state (the
    /// search index) follows the database exactly.
    ///
    /// Writes are group-committed: whoever takes the writer runs every write
    /// queued by then in one transaction, each in its own savepoint (a
    /// failing write is rolled back alone and answered with its error), and
    /// commits once. One commit and one fsync serve them all.
    pub async fn write_then<R, F, T>(&self, f: F, then: T) -> Result<R>
    where
        F: FnOnce(&Transaction<'_>) -> Result<R> + Send + 'static,
        T: FnOnce(&Connection, &R) -> Result<()> + Send + 'static,
        R: Send + 'static,
    {
        let (sender, receiver) = tokio::sync::oneshot::channel::<Result<R>>();
        let reply = Arc::new(Mutex::new(Some(sender)));
        let failed = Arc::clone(&reply);
        let job = Job {
            run: Box::new(move |tx| match f(tx) {
                Err(err) => {
                    answer(&reply, Err(err));
                    None
                }
                Ok(out) => Some(Box::new(
                    move |committed: std::result::Result<&Connection, &Error>| {
                        let result = match committed {
                            Ok(conn) => then(conn, &out).map(|()| out),
                            Err(err) => Err(err.clone()),
                        };
                        answer(&reply, result);
                    },
                ) as Completion),
            }),
            fail: Box::new(move |err| answer(&failed, Err(err))),
        };
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(job);
        // One leader at a time runs groups until nothing is queued; writes
        // queued meanwhile make the next group.
        if !self.leading.swap(true, Ordering::AcqRel) {
            let (writer, queue, leading) = (
                Arc::clone(&self.writer),
                Arc::clone(&self.queue),
                Arc::clone(&self.leading),
            );
            tokio::task::spawn_blocking(move || lead(&writer, &queue, &leading));
        }
        receiver
            .await
            .unwrap_or_else(|_| Err(internal("a write was dropped unanswered")))
    }
}

/// Runs groups while writes are queued, then steps down. A write queued
/// just as the leader steps down finds no leader and starts one, or the
/// leader sees it on its last look and carries on.
fn lead(writer: &Mutex<Connection>, queue: &Mutex<Vec<Job>>, leading: &AtomicBool) {
    loop {
        run_queued(writer, queue);
        if !queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
        {
            continue;
        }
        leading.store(false, Ordering::Release);
        let more = !queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty();
        if !more || leading.swap(true, Ordering::AcqRel) {
            return;
        }
    }
}

/// Run after the commit of its group, with the commit's outcome.
type Completion = Box<dyn FnOnce(std::result::Result<&Connection, &Error>) + Send>;

/// Runs a queued write in its group's transaction: its completion, or
/// `None` when it failed (and has been answered).
type Run = Box<dyn FnOnce(&Transaction<'_>) -> Option<Completion> + Send>;

/// A queued write.
pub(crate) struct Job {
    run: Run,
    /// Answers the write when its group could not run.
    fail: Box<dyn FnOnce(Error) + Send>,
}

fn answer<R>(slot: &Mutex<Option<tokio::sync::oneshot::Sender<Result<R>>>>, result: Result<R>) {
    if let Some(sender) = slot.lock().unwrap_or_else(PoisonError::into_inner).take() {
        // The requester may have gone away; the write stands regardless.
        let _ = sender.send(result);
    }
}

/// Most writes one group takes; later ones wait for the next group.
const MAX_GROUP: usize = 64;

/// Takes the writer, runs every queued write (up to [`MAX_GROUP`]) in one
/// transaction, commits, then runs their completions in order.
fn run_queued(writer: &Mutex<Connection>, queue: &Mutex<Vec<Job>>) {
    let mut conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
    let jobs: Vec<Job> = {
        let mut queued = queue.lock().unwrap_or_else(PoisonError::into_inner);
        let take = queued.len().min(MAX_GROUP);
        queued.drain(..take).collect()
    };
    if jobs.is_empty() {
        return;
    }
    tracing::debug!(writes = jobs.len(), "group commit");
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            let err = internal(err);
            jobs.into_iter().for_each(|job| (job.fail)(err.clone()));
            return;
        }
    };
    let mut completions = Vec::with_capacity(jobs.len());
    for job in jobs {
        if let Err(err) = tx.execute_batch("SAVEPOINT job") {
            (job.fail)(internal(err));
            continue;
        }
        match (job.run)(&tx) {
            Some(completion) => match tx.execute_batch("RELEASE job") {
                Ok(()) => completions.push(completion),
                Err(err) => completion(Err(&internal(err))),
            },
            None => {
                if let Err(err) = tx.execute_batch("ROLLBACK TO job; RELEASE job") {
                    tracing::error!(error = %err, "cannot roll back a failed write");
                }
            }
        }
    }
    match tx.commit().map_err(internal) {
        Ok(()) => {
            for completion in completions {
                completion(Ok(&conn));
            }
        }
        Err(err) => {
            for completion in completions {
                completion(Err(&err));
            }
        }
    }
}
