//! Spoke's embedded storage backend: SQLite, bundled into the binary.
//!
//! How the server reaches SQLite matters more than anything else here
//! (measured: a pooled async driver did ~2,000 point reads/s sequentially
//! where rusqlite does ~200,000/s), so:
//! - reads run inline on the calling thread, each thread with its own
//!   read-only connection (WAL lets readers proceed while a write commits);
//!   a point read takes microseconds, less than a hop to another thread;
//! - writes go to one writer connection on the blocking pool, one
//!   transaction per call, so a commit's fsync never stalls the runtime;
//!   writes queued while a commit runs share the next one (group commit);
//! - checkpoints run on their own thread and connection, so a commit only
//!   appends to the write-ahead log.
//!
//! SQLite is one node's database: the store takes a lock file beside the
//! database, and a second Spoke on the same file refuses to start.

mod access;
pub mod backup;
mod connection;
mod contacts;
mod credentials;
pub mod encryption;
mod faults;
mod journal;
mod lists;
mod lock;
pub mod migrations;
mod outbox;
mod portals;
mod properties;
mod search_index;
mod snapshots;
mod transfers;
mod webhooks;

use connection::Connections;
use contacts::PlannedWrite;
use lock::DatabaseLock;
use search_index::SearchIndexes;
use spoke_domain::access::limits::MemoryCounter;
use spoke_domain::access::StoredCredential;
use spoke_domain::ids::PortalId;
use spoke_domain::property::PropertySchema;
use spoke_domain::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;

pub use connection::Synchronous;
pub use encryption::DatabaseKey;
pub use lock::LockError;

/// How to open a store.
#[derive(Clone, Debug)]
pub struct SqliteOptions {
    /// The database file; created when missing.
    pub path: PathBuf,
    /// Durability of a commit (see [`Synchronous`]).
    pub synchronous: Synchronous,
    /// Encryption at rest ([`encryption`]); `None`: a plain database.
    pub key: Option<DatabaseKey>,
}

impl SqliteOptions {
    pub fn new(path: impl AsRef<Path>) -> SqliteOptions {
        SqliteOptions {
            path: path.as_ref().to_path_buf(),
            synchronous: Synchronous::Full,
            key: None,
        }
    }
}

/// Why a store did not open.
#[derive(Debug)]
pub enum OpenError {
    /// Another process has the database open.
    Locked(LockError),
    /// The key is missing or wrong.
    Encryption(String),
    /// The database was written by a newer Spoke.
    NewerSchema {
        unknown: Vec<String>,
    },
    Other(Error),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Locked(err) => err.fmt(f),
            OpenError::NewerSchema { unknown } => write!(
                f,
                "the database was written by a newer Spoke (migrations this binary does not know: {}); run that version or a later one",
                unknown.join(", ")
            ),
            OpenError::Encryption(message) => f.write_str(message),
            OpenError::Other(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for OpenError {}

impl From<Error> for OpenError {
    fn from(err: Error) -> Self {
        OpenError::Other(err)
    }
}

/// The SQLite store. Cheap to clone; every clone shares the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// Stops the background index build when the store closes.
    closing: Arc<AtomicBool>,
    builder: Mutex<Option<JoinHandle<()>>>,
    connections: Connections,
    /// Property schemas per portal, dropped whenever a definition changes.
    schemas: RwLock<HashMap<PortalId, Arc<PropertySchema>>>,
    /// Known credentials by digest: authentication is on every request's
    /// path, and a hit here saves a read transaction. Whatever changes a
    /// portal's credentials or limits drops that portal's entries.
    credentials: RwLock<HashMap<[u8; 32], StoredCredential>>,
    /// Rate-limited calls, counted in this process (one node per database).
    counter: Arc<MemoryCounter>,
    /// The search index of every portal.
    indexes: Arc<SearchIndexes>,
    /// Each portal's live lists, parsed.
    live_lists: Arc<spoke_domain::lists::LiveListCache>,
    /// Each portal's faults, read on every call.
    faults: RwLock<HashMap<PortalId, Arc<spoke_domain::sandbox::faults::PortalFaults>>>,
    /// Released last, once every connection is closed.
    _lock: DatabaseLock,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The builder's read transaction must end before the writer closes,
        // so that the close can checkpoint the whole log.
        self.closing.store(true, Ordering::Release);
        let builder = self
            .builder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(builder) = builder {
            let _ = builder.join();
        }
    }
}

impl SqliteStore {
    /// Opens (creating when missing) the database and applies migrations.
    /// The search index of every portal is built in the background from a
    /// snapshot; searches wait for it, writes do not.
    pub fn open(options: &SqliteOptions) -> Result<SqliteStore, OpenError> {
        let lock = DatabaseLock::acquire(&options.path).map_err(OpenError::Locked)?;
        let connections = Connections::open(options)?;
        let unknown = connections.with_writer(|conn| migrations::apply(conn).map_err(internal))?;
        if !unknown.is_empty() {
            return Err(OpenError::NewerSchema { unknown });
        }
        let store = SqliteStore {
            inner: Arc::new(Inner {
                closing: Arc::new(AtomicBool::new(false)),
                builder: Mutex::new(None),
                connections,
                schemas: RwLock::new(HashMap::new()),
                credentials: RwLock::new(HashMap::new()),
                counter: access::new_counter(),
                indexes: Arc::new(SearchIndexes::default()),
                live_lists: Arc::default(),
                faults: RwLock::new(HashMap::new()),
                _lock: lock,
            }),
        };
        store.build_indexes_in_background(&options.path)?;
        Ok(store)
    }

    /// Takes a read snapshot while holding the writer (so that every write
    /// after it is queued for the index), then builds each portal's index
    /// from that snapshot on a thread of its own.
    fn build_indexes_in_background(&self, path: &Path) -> Result<()> {
        let reader = connection::open_reader(path, self.connections().key())?;
        let indexes = Arc::clone(&self.inner.indexes);
        let portals = self.connections().with_writer(|_| {
            reader.execute_batch("BEGIN").map_err(internal)?;
            let portals: Vec<PortalId> = reader
                .prepare("SELECT id FROM portals ORDER BY id")
                .and_then(|mut stmt| {
                    stmt.query_map([], |r| r.get(0))?
                        .map(|id| id.map(PortalId))
                        .collect()
                })
                .map_err(internal)?;
            indexes.start_building(&portals);
            Ok(portals)
        })?;
        let closing = Arc::clone(&self.inner.closing);
        let thread = std::thread::Builder::new()
            .name("spoke-index-build".into())
            .spawn(move || {
                for portal in portals {
                    if closing.load(Ordering::Acquire) {
                        break;
                    }
                    let started = std::time::Instant::now();
                    let built = properties::load_schema(&reader, portal)
                        .and_then(|schema| search_index::build(&reader, portal, &schema));
                    match built {
                        Ok(index) => {
                            let contacts = index.len();
                            indexes.finish_building(portal, index);
                            tracing::info!(%portal, contacts, millis = started.elapsed().as_millis() as u64, "search index built");
                        }
                        Err(err) => {
                            tracing::error!(%portal, error = %err, "cannot build the search index; searches of this portal fail until restart");
                        }
                    }
                }
                let _ = reader.execute_batch("COMMIT");
            })
            .map_err(internal)?;
        *self
            .inner
            .builder
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(thread);
        Ok(())
    }

    fn connections(&self) -> &Connections {
        &self.inner.connections
    }

    fn indexes(&self) -> &SearchIndexes {
        &self.inner.indexes
    }

    fn live_lists(&self) -> Arc<spoke_domain::lists::LiveListCache> {
        Arc::clone(&self.inner.live_lists)
    }

    /// Runs a planned contact write; once committed, the search index
    /// follows its row changes, under the writer (see [`search_index`]).
    async fn write_planned<R, F>(
        &self,
        portal: PortalId,
        schema: Option<Arc<PropertySchema>>,
        f: F,
    ) -> Result<R>
    where
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<PlannedWrite<R>> + Send + 'static,
        R: Send + 'static,
    {
        let store = self.clone();
        let (out, _) = self
            .connections()
            .write_then(f, move |_, (_, changes): &mut PlannedWrite<R>| {
                if let Some(schema) = &schema {
                    let rows = std::mem::take(&mut changes.rows).into_values().collect();
                    store.indexes().apply_rows(portal, schema, rows);
                }
                Ok(())
            })
            .await?;
        Ok(out)
    }
}

/// Storage failures are internal errors: logged with the request's
/// correlation id, shown to clients as a generic 500. A disk that is full
/// or fails to write is `Unavailable` instead (a 503 the client may retry):
/// the transaction rolled back whole, and writes succeed again once there
/// is room.
pub(crate) fn internal<E: std::fmt::Display + 'static>(err: E) -> Error {
    let any: &dyn std::any::Any = &err;
    if let Some(rusqlite::Error::SqliteFailure(e, _)) = any.downcast_ref::<rusqlite::Error>() {
        if matches!(
            e.code,
            rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure
        ) {
            return Error::Unavailable(format!("the database cannot write: {err}"));
        }
    }
    Error::internal(err)
}
