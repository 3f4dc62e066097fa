//! The writer connection and the per-thread reader connections.

use crate::encryption::{unlock, DatabaseKey};
use crate::{internal, OpenError, SqliteOptions};
use rusqlite::hooks::Wal;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use spoke_domain::{Error, Result};
use std::cell::RefCell;
use std::ffi::c_int;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
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

/// Checkpoints (copying the write-ahead log into the database file) run on
/// their own thread once the log holds this many frames, so a commit only
/// appends to the log. SQLite's default runs them inside the commit that
/// crosses 1,000 frames, on the writer's path.
const CHECKPOINT_FRAMES: c_int = 1_000;

/// Should the checkpoint thread fall this far behind, the writer
/// checkpoints inline, as SQLite would, so the log stays bounded.
const WRITER_CHECKPOINT_FRAMES: c_int = 20_000;

pub(crate) struct Connections {
    path: PathBuf,
    key: Option<DatabaseKey>,
    // Readers close before the writer, and the checkpoint thread is joined
    // first (see `Drop`), so the writer is the last connection to close
    // and its close checkpoints and removes the log.
    readers: ThreadLocal<RefCell<Connection>>,
    _checkpoints: Checkpoints,
    writer: Arc<Mutex<Connection>>,
    /// Writes waiting for the next group commit.
    queue: Arc<Mutex<Vec<Job>>>,
    /// Whether a blocking thread is running groups.
    leading: Arc<AtomicBool>,
}

impl Connections {
    pub fn open(options: &SqliteOptions) -> std::result::Result<Connections, OpenError> {
        let mut writer = Connection::open(&options.path).map_err(internal)?;
        unlock(&writer, options.key.as_ref()).map_err(OpenError::Encryption)?;
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
        let checkpoints = Checkpoints::start(&options.path, options.key.as_ref())?;
        let wanted = checkpoints.signal();
        // Replaces SQLite's automatic checkpoint after a commit.
        writer
            .wal_hook(Some(move |wal: &mut Wal, frames: c_int| {
                if frames >= WRITER_CHECKPOINT_FRAMES {
                    return wal.checkpoint();
                }
                if frames >= CHECKPOINT_FRAMES {
                    wanted.raise();
                }
                Ok(())
            }))
            .map_err(internal)?;
        Ok(Connections {
            path: options.path.clone(),
            key: options.key.clone(),
            readers: ThreadLocal::new(),
            _checkpoints: checkpoints,
            writer: Arc::new(Mutex::new(writer)),
            queue: Arc::new(Mutex::new(Vec::new())),
            leading: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Runs a read on this thread's reader connection.
    pub fn read<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let cell = self
            .readers
            .get_or_try(|| open_reader(&self.path, self.key.as_ref()).map(RefCell::new))
            .map_err(internal)?;
        // A read never awaits, so the borrow cannot be held across a
        // suspension point and re-entered on this thread.
        let conn = cell.try_borrow().map_err(internal)?;
        let started = std::time::Instant::now();
        let out = f(&conn);
        metrics::histogram!("spoke_database_seconds", "backend" => "sqlite", "operation" => "read")
            .record(started.elapsed().as_secs_f64());
        out
    }

    /// The database's key, for connections opened beside these.
    pub fn key(&self) -> Option<&DatabaseKey> {
        self.key.as_ref()
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
        T: FnOnce(&Connection, &mut R) -> Result<()> + Send + 'static,
        R: Send + 'static,
    {
        let started = std::time::Instant::now();
        let (sender, receiver) = tokio::sync::oneshot::channel::<Result<R>>();
        let reply = Arc::new(Mutex::new(Some(sender)));
        let failed = Arc::clone(&reply);
        let job = Job {
            run: Box::new(move |tx| match f(tx) {
                // A refusal is answered after the group commits too: a
                // loser told "taken by 7" must find 7 when it looks.
                Err(err) => Ran::Failed(Box::new(move |_| answer(&reply, Err(err)))),
                Ok(mut out) => Ran::Done(Box::new(
                    move |committed: std::result::Result<&Connection, &Error>| {
                        let result = match committed {
                            Ok(conn) => then(conn, &mut out).map(|()| out),
                            Err(err) => Err(err.clone()),
                        };
                        answer(&reply, result);
                    },
                )),
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
        let out = receiver
            .await
            .unwrap_or_else(|_| Err(internal("a write was dropped unanswered")));
        // Queueing, the group's transaction and its commit (fsync).
        metrics::histogram!("spoke_database_seconds", "backend" => "sqlite", "operation" => "write")
            .record(started.elapsed().as_secs_f64());
        out
    }
}

/// A read-only connection to the database.
pub(crate) fn open_reader(path: &Path, key: Option<&DatabaseKey>) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(internal)?;
    unlock(&conn, key).map_err(internal)?;
    conn.execute_batch(
        "PRAGMA busy_timeout = 5000;
         PRAGMA cache_size = -16384;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(internal)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
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

/// How a queued write ran in its group's transaction.
enum Ran {
    /// It stands, to be answered after the commit.
    Done(Completion),
    /// It failed and is rolled back to its savepoint; its error is answered
    /// after the commit, whatever the commit's outcome.
    Failed(Completion),
}

/// Runs a queued write in its group's transaction.
type Run = Box<dyn FnOnce(&Transaction<'_>) -> Ran + Send>;

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
            Ran::Done(completion) => match tx.execute_batch("RELEASE job") {
                Ok(()) => completions.push(completion),
                Err(err) => completion(Err(&internal(err))),
            },
            Ran::Failed(completion) => {
                if let Err(err) = tx.execute_batch("ROLLBACK TO job; RELEASE job") {
                    tracing::error!(error = %err, "cannot roll back a failed write");
                }
                completions.push(completion);
            }
        }
    }
    let committed = tx.commit().map_err(internal);
    for completion in completions {
        completion(committed.as_ref().map(|()| &*conn));
    }
}

/// Whether a checkpoint is wanted, and whether the thread should stop.
#[derive(Default)]
struct Wanted {
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

/// Raises the checkpoint thread's flag (many raises make one checkpoint).
#[derive(Clone)]
struct Signal(Arc<Wanted>);

impl Signal {
    fn raise(&self) {
        self.0
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0 = true;
        self.0.changed.notify_one();
    }
}

/// The checkpoint thread and its own connection.
struct Checkpoints {
    wanted: Arc<Wanted>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpoints {
    fn start(path: &Path, key: Option<&DatabaseKey>) -> Result<Checkpoints> {
        let conn = Connection::open(path).map_err(internal)?;
        unlock(&conn, key).map_err(internal)?;
        conn.execute_batch("PRAGMA busy_timeout = 5000;")
            .map_err(internal)?;
        let wanted = Arc::new(Wanted::default());
        let shared = Arc::clone(&wanted);
        let thread = std::thread::Builder::new()
            .name("spoke-checkpoint".into())
            .spawn(move || checkpoint_when_wanted(&conn, &shared))
            .map_err(internal)?;
        Ok(Checkpoints {
            wanted,
            thread: Some(thread),
        })
    }

    fn signal(&self) -> Signal {
        Signal(Arc::clone(&self.wanted))
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.wanted
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1 = true;
        self.wanted.changed.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs a passive checkpoint (it never blocks the writer or readers)
/// whenever one is wanted, until told to stop.
fn checkpoint_when_wanted(conn: &Connection, wanted: &Wanted) {
    loop {
        {
            let mut state = wanted.state.lock().unwrap_or_else(PoisonError::into_inner);
            while !state.0 && !state.1 {
                state = wanted
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.1 {
                return;
            }
            state.0 = false;
        }
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(0)
        });
        if let Err(err) = done {
            tracing::warn!(error = %err, "checkpoint failed; the next commit retries it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two writes in one group, the second refused: the refusal is answered
    /// only once the first write is committed and visible to readers.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    // The writer is held on purpose while the writes queue; the group's
    // leader waits for it on a blocking thread, not on this task.
    #[allow(clippy::await_holding_lock)]
    async fn a_refused_write_is_answered_after_its_group_commits() {
        let dir = tempfile::tempdir().unwrap();
        let connections =
            Arc::new(Connections::open(&SqliteOptions::new(dir.path().join("group.db"))).unwrap());
        connections
            .with_writer(|conn| {
                conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY)")
                    .map_err(internal)
            })
            .unwrap();
        // Holding the writer makes both writes queue into one group.
        let held = connections.writer.lock().unwrap();
        let first = tokio::spawn({
            let connections = Arc::clone(&connections);
            async move {
                connections
                    .write(|tx| {
                        tx.execute("INSERT INTO t VALUES ('a')", [])
                            .map_err(internal)
                    })
                    .await
            }
        });
        while connections.queue.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        let second = tokio::spawn({
            let connections = Arc::clone(&connections);
            async move {
                connections
                    .write(|_| Err::<(), _>(Error::Conflict("refused".into())))
                    .await
            }
        });
        while connections.queue.lock().unwrap().len() < 2 {
            tokio::task::yield_now().await;
        }
        drop(held);
        assert!(second.await.unwrap().is_err());
        let seen: i64 = connections
            .read(|conn| {
                conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                    .map_err(internal)
            })
            .unwrap();
        assert_eq!(
            seen, 1,
            "the group committed before the refusal was answered"
        );
        assert_eq!(first.await.unwrap().unwrap(), 1);
    }
}
