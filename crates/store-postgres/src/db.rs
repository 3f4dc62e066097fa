//! Connections: the pool, what a driver error means to the domain, and
//! running a write again when a concurrent writer got in first.

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Timeouts};
use spoke_domain::{Error, Result};
use std::future::Future;
use std::time::Duration;
use tokio_postgres::error::SqlState;

/// How often a write is tried before a conflict with concurrent writers is
/// reported as an internal error.
const ATTEMPTS: u32 = 8;

/// A pool of connections made from `config`.
pub(crate) fn pool(
    config: tokio_postgres::Config,
    size: usize,
    tls: crate::tls::PgTls,
) -> Result<Pool> {
    let manager = Manager::from_config(
        config,
        tls,
        ManagerConfig {
            // A connection the server closed is noticed when it is handed
            // out, and replaced.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .timeouts(Timeouts {
            wait: Some(Duration::from_secs(30)),
            create: Some(Duration::from_secs(10)),
            recycle: Some(Duration::from_secs(5)),
        })
        .build()
        .map_err(|e| Error::internal(format!("cannot make the connection pool: {e}")))
}

/// A connection from the pool; an unreachable database is `Unavailable`.
pub(crate) async fn client(pool: &Pool) -> Result<deadpool_postgres::Object> {
    let started = std::time::Instant::now();
    let got = pool.get().await.map_err(|err| match err {
        PoolError::Backend(err) => db(err),
        other => Error::Unavailable(format!("no database connection: {other}")),
    });
    metrics::histogram!("spoke_database_pool_wait_seconds", "backend" => "postgres")
        .record(started.elapsed().as_secs_f64());
    got
}

/// What a driver error means: a lost or refused connection is
/// `Unavailable`; a unique key another writer took first, a serialization
/// failure or a deadlock is `Retry`; anything else is internal.
pub(crate) fn db(err: tokio_postgres::Error) -> Error {
    if let Some(db) = err.as_db_error() {
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            return Error::Retry(db.message().to_string());
        }
        if *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
            || *code == SqlState::TOO_MANY_CONNECTIONS
            || *code == SqlState::DISK_FULL
            || *code == SqlState::INSUFFICIENT_RESOURCES
            || *code == SqlState::OUT_OF_MEMORY
            || *code == SqlState::IO_ERROR
        {
            return Error::Unavailable(db.message().to_string());
        }
        return Error::internal(format!("{}: {}", code.code(), db.message()));
    }
    if err.is_closed() || std::error::Error::source(&err).is_some_and(|s| s.is::<std::io::Error>())
    {
        return Error::Unavailable(err.to_string());
    }
    Error::internal(err)
}

/// Runs `attempt` until it does not ask for a retry (a concurrent writer
/// changed what it read, or claimed a unique value first), a few times at
/// most, with a short randomized pause between tries.
pub(crate) async fn retrying<R, F, Fut>(mut attempt: F) -> Result<R>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<R>>,
{
    let mut tries = 0;
    let started = std::time::Instant::now();
    let record = |outcome: Result<R>| {
        metrics::histogram!("spoke_database_seconds", "backend" => "postgres", "operation" => "write")
            .record(started.elapsed().as_secs_f64());
        outcome
    };
    loop {
        tries += 1;
        match attempt().await {
            Err(Error::Retry(why)) if tries < ATTEMPTS => {
                tracing::debug!(attempt = tries, reason = %why, "retrying a write after a concurrent one");
                let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 8;
                tokio::time::sleep(Duration::from_millis((1 << tries.min(5)) + jitter)).await;
            }
            Err(Error::Retry(why)) => {
                return record(Err(Error::internal(format!(
                    "a write kept conflicting with concurrent writes ({tries} tries): {why}"
                ))))
            }
            other => return record(other),
        }
    }
}
