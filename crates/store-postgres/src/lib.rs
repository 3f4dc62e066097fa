//! Spoke's scale-out storage backend: PostgreSQL.
//!
//! Nodes are stateless: every node serves every portal from the same
//! database, and keeps only caches that a notice from any other node drops
//! ([`invalidation`]). Contact writes are planned by the domain
//! ([`spoke_domain::contact::plan`]) over rows read and locked in the
//! write's transaction, and persisted in a few statements; when another
//! node wins a race for a unique value, the write runs again and answers
//! as the domain decides (409 with the winner's id). Search runs in
//! PostgreSQL on indexes it maintains ([`search`]), so a contact written
//! through one node is found through any other as soon as the write has
//! returned, and the data can outgrow any node's memory.
//!
//! Driver: tokio-postgres with a deadpool pool, measured against sqlx
//! before it was chosen (BENCHMARKS.md).

mod access;
pub mod catalogue;
mod contacts;
mod credentials;
mod db;
mod faults;
mod invalidation;
mod journal;
mod list_processing;
mod lists;
pub mod migrations;
mod outbox;
mod portals;
mod properties;
mod rate_usage;
mod readers;
mod retention;
mod search;
mod snapshots;
mod statistics;
pub mod testing;
pub mod tls;
mod transfers;
mod webhooks;

use deadpool_postgres::Pool;
use invalidation::Caches;
use spoke_domain::Error;
use std::sync::Arc;
use std::time::Duration;

/// How to reach the database.
#[derive(Clone)]
pub struct PostgresOptions {
    /// `postgres://user:password@host:port/database?options=...`
    pub url: String,
    /// Connections this node keeps for requests.
    pub pool_size: usize,
}

impl std::fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("url", &redacted(&self.url))
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

/// The URL without its password, for messages and logs.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable database URL>".into();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

/// Why the store did not open.
#[derive(Debug)]
pub enum OpenError {
    /// The URL is not one PostgreSQL understands.
    BadUrl(String),
    /// The server could not be reached or refused the connection.
    Unreachable(String),
    /// The database was written by a newer Spoke.
    NewerSchema {
        unknown: Vec<String>,
    },
    Other(Error),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::BadUrl(why) => write!(f, "the database URL is not valid: {why}"),
            OpenError::Unreachable(why) => write!(f, "cannot reach the database: {why}"),
            OpenError::NewerSchema { unknown } => write!(
                f,
                "the database was written by a newer Spoke (migrations this binary does not know: {}); run that version or a later one",
                unknown.join(", ")
            ),
            OpenError::Other(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for OpenError {}

/// The PostgreSQL store. Cheap to clone; every clone shares the pools.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// Connections for writes and long reads.
    pool: Pool,
    /// Connections shared by point reads.
    readers: readers::Readers,
    /// Connections that hand out contact ids, in transactions of their own
    /// that need not wait for the disk (see contacts/ids.rs).
    ids: Pool,
    caches: Arc<Caches>,
    /// Where this database's cache notices go.
    channel: String,
    /// Tells the notice listener to stop.
    closing: tokio::sync::watch::Sender<bool>,
    /// Keeps the planner's statistics fresh after bulk writes.
    statistics: statistics::Statistics,
    /// Each portal's live lists, parsed.
    live_lists: spoke_domain::lists::LiveListCache,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.closing.send(true);
    }
}

impl PostgresStore {
    /// Connects, applies migrations (one node at a time), and starts
    /// listening for cache notices.
    pub async fn open(options: &PostgresOptions) -> Result<PostgresStore, OpenError> {
        let (url, tls) = tls::from_url(&options.url).map_err(OpenError::BadUrl)?;
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| OpenError::BadUrl(e.to_string()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("spoke");
        }
        let where_ = redacted(&options.url);
        let (mut client, connection) = config
            .connect(tls.clone())
            .await
            .map_err(|e| OpenError::Unreachable(format!("{where_}: {}", describe(&e))))?;
        let driver = tokio::spawn(connection);
        let unknown = migrations::apply(&mut client)
            .await
            .map_err(|e| OpenError::Other(db::db(e)))?;
        if !unknown.is_empty() {
            return Err(OpenError::NewerSchema { unknown });
        }
        let channel: String = client
            .query_one("SELECT 'spoke_' || left(md5(current_schema()), 16)", &[])
            .await
            .map_err(|e| OpenError::Other(db::db(e)))?
            .get(0);
        drop(client);
        let _ = driver.await;

        // Writes and searches send arrays of any length to cached
        // statements, into tables that grow from nothing: a generic plan,
        // made once (perhaps while a table was small), may scan a table
        // where a plan for the arrays at hand looks up a few keys. Planning
        // each time costs a fraction of a millisecond a statement
        // (measured on single creates at 32 clients: about 830/s, against
        // 540/s when a generic plan went wrong; batches of 100 hardly
        // notice it).
        let pool_config = with_settings(&config, "-c plan_cache_mode=force_custom_plan");
        let pool = db::pool(pool_config, options.pool_size.max(1), tls.clone())
            .map_err(OpenError::Other)?;
        let ids_config = with_settings(&config, "-c synchronous_commit=off");
        let ids = db::pool(ids_config, 2, tls.clone()).map_err(OpenError::Other)?;

        // A quarter of the pool, at least two: each carries many reads.
        let readers =
            readers::Readers::new(config.clone(), (options.pool_size / 4).max(2), tls.clone());
        let caches = Arc::new(Caches::default());
        let (closing, closed) = tokio::sync::watch::channel(false);
        tokio::spawn(invalidation::listen(
            config,
            tls,
            channel.clone(),
            Arc::clone(&caches),
            closed,
        ));
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                statistics: statistics::Statistics::new(pool.clone()),
                live_lists: Default::default(),
                pool,
                readers,
                ids,
                caches,
                channel,
                closing,
            }),
        })
    }

    fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    fn caches(&self) -> &Caches {
        &self.inner.caches
    }

    fn channel(&self) -> &str {
        &self.inner.channel
    }
}

/// `config` with session settings added to those the URL gives.
fn with_settings(config: &tokio_postgres::Config, settings: &str) -> tokio_postgres::Config {
    let mut config = config.clone();
    let options = match config.get_options() {
        Some(existing) => format!("{existing} {settings}"),
        None => settings.to_string(),
    };
    config.options(&options);
    config
}

/// A connection error's cause, which tokio-postgres keeps as its source.
fn describe(err: &tokio_postgres::Error) -> String {
    match std::error::Error::source(err) {
        Some(source) => format!("{err}: {source}"),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_in_messages() {
        assert_eq!(
            redacted("postgres://spoke:s3cret@db.example:5432/spoke?sslmode=require"),
            "postgres://spoke@db.example:5432/spoke?sslmode=require"
        );
        assert_eq!(
            redacted("postgres://db.example/spoke"),
            "postgres://db.example/spoke"
        );
        let shown = format!(
            "{:?}",
            PostgresOptions {
                url: "postgres://u:pw@h/d".into(),
                pool_size: 1
            }
        );
        assert!(!shown.contains("pw"), "{shown}");
    }
}
