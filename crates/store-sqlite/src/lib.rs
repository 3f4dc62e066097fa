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

mod connection;
mod contacts;
pub mod migrations;
mod outbox;
mod portals;
mod properties;
mod search_index;

use connection::Connections;
use contacts::Indexed;
use search_index::SearchIndexes;
use spoke_domain::ids::PortalId;
use spoke_domain::property::PropertySchema;
use spoke_domain::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

pub use connection::Synchronous;

/// How to open a store.
#[derive(Clone, Debug)]
pub struct SqliteOptions {
    /// The database file; created when missing.
    pub path: PathBuf,
    /// Durability of a commit (see [`Synchronous`]).
    pub synchronous: Synchronous,
}

impl SqliteOptions {
    pub fn new(path: impl AsRef<Path>) -> SqliteOptions {
        SqliteOptions {
            path: path.as_ref().to_path_buf(),
            synchronous: Synchronous::Full,
        }
    }
}

/// The SQLite store. Cheap to clone; every clone shares the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    connections: Connections,
    /// Property schemas per portal, dropped whenever a definition changes.
    schemas: RwLock<HashMap<PortalId, Arc<PropertySchema>>>,
    /// Known token hashes: authentication is on every request's path, and
    /// a hit here saves a read transaction. Tokens are never deleted today;
    /// whatever revokes one must also remove it here.
    tokens: RwLock<HashMap<[u8; 32], PortalId>>,
    /// The search index of every portal.
    indexes: SearchIndexes,
}

impl SqliteStore {
    /// Opens (creating when missing) the database, applies migrations and
    /// builds the search index of every portal.
    pub fn open(options: &SqliteOptions) -> Result<SqliteStore> {
        let connections = Connections::open(options)?;
        connections.with_writer(|conn| migrations::apply(conn).map_err(internal))?;
        let store = SqliteStore {
            inner: Arc::new(Inner {
                connections,
                schemas: RwLock::new(HashMap::new()),
                tokens: RwLock::new(HashMap::new()),
                indexes: SearchIndexes::default(),
            }),
        };
        store.connections().with_writer(|conn| {
            let portals: Vec<i64> = conn
                .prepare("SELECT id FROM portals ORDER BY id")
                .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
                .map_err(internal)?;
            for portal in portals.into_iter().map(PortalId) {
                let started = std::time::Instant::now();
                let schema = properties::load_schema(conn, portal)?;
                store.indexes().rebuild(conn, portal, &schema)?;
                let count = store.indexes().get(portal).map_or(0, |i| {
                    i.read().unwrap_or_else(std::sync::PoisonError::into_inner).len()
                });
                tracing::info!(%portal, contacts = count, millis = started.elapsed().as_millis() as u64, "search index built");
            }
            Ok(())
        })?;
        Ok(store)
    }

    fn connections(&self) -> &Connections {
        &self.inner.connections
    }

    fn indexes(&self) -> &SearchIndexes {
        &self.inner.indexes
    }

    /// Runs a contact write; once committed, applies its index changes
    /// under the writer (see [`search_index`]).
    async fn write_indexed<R, F>(
        &self,
        portal: PortalId,
        schema: Arc<PropertySchema>,
        f: F,
    ) -> Result<R>
    where
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<Indexed<R>> + Send + 'static,
        R: Send + 'static,
    {
        let store = self.clone();
        let (out, _) = self
            .connections()
            .write_then(f, move |_, (_, changes): &Indexed<R>| {
                store.indexes().apply(portal, &schema, changes);
                Ok(())
            })
            .await?;
        Ok(out)
    }
}

/// Storage failures are internal errors: logged with the request's
/// correlation id, shown to clients as a generic 500.
pub(crate) fn internal(err: impl std::fmt::Display) -> Error {
    Error::internal(err)
}
