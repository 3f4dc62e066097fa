//! Typed configuration, built from the command line and environment.

use crate::cli::{RateLimits, ServeArgs, SyncMode};
use crate::tls::TlsSource;
use crate::workers::{TargetPolicy, WorkerSettings};
use spoke_domain::access::limits::LimitsMode;
use spoke_domain::webhooks::RetryPolicy;
use spoke_store_postgres::PostgresOptions;
use spoke_store_sqlite::{DatabaseKey, SqliteOptions, Synchronous};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A secret that `Debug` never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Where the data lives.
#[derive(Clone, Debug)]
pub enum Database {
    /// Embedded SQLite: one node.
    Sqlite(SqliteOptions),
    /// PostgreSQL: any number of stateless nodes.
    Postgres(PostgresOptions),
}

impl Database {
    /// What to tell the user (no password).
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(options) => format!("SQLite {}", options.path.display()),
            Database::Postgres(options) => {
                format!(
                    "PostgreSQL {}",
                    spoke_store_postgres::redacted(&options.url)
                )
            }
        }
    }
}

/// Everything `Application::build` needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    pub database: Database,
    /// Chosen access token of the default portal.
    pub bootstrap_token: Option<Secret>,
    /// Chosen token of the sandbox admin API.
    pub admin_token: Option<Secret>,
    /// Limits of portals without their own.
    pub rate_limits: LimitsMode,
    /// The consent page skips the sign-in.
    pub open_consent: bool,
    /// Portals' request journals are kept.
    pub request_journal: bool,
    /// The background workers: webhook retries, retention and targets; the
    /// list refresh period.
    pub workers: WorkerSettings,
    /// HTTPS, and where its certificate comes from; plain HTTP without.
    pub tls: Option<TlsSource>,
}

impl Config {
    /// Embedded SQLite in a data directory, as `spoke serve` runs by default.
    pub fn sqlite_in(
        listen: SocketAddr,
        data_dir: &std::path::Path,
        synchronous: Synchronous,
    ) -> Config {
        Config {
            listen,
            database: Database::Sqlite(SqliteOptions {
                path: data_dir.join("spoke.db"),
                synchronous,
                key: None,
            }),
            bootstrap_token: None,
            admin_token: None,
            rate_limits: LimitsMode::Off,
            open_consent: false,
            request_journal: true,
            workers: WorkerSettings::default(),
            tls: None,
        }
    }
}

/// The database a URL names.
pub fn database_from_url(
    url: &str,
    synchronous: Synchronous,
    pool_size: usize,
) -> Result<Database, String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Database::Postgres(PostgresOptions {
            url: url.to_string(),
            pool_size,
        }));
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(
                "a sqlite:// URL needs a file path, e.g. sqlite:///var/lib/spoke/spoke.db".into(),
            );
        }
        return Ok(Database::Sqlite(SqliteOptions {
            path: PathBuf::from(path),
            synchronous,
            key: None,
        }));
    }
    let scheme = url.split_once("://").map_or(url, |(s, _)| s);
    Err(format!(
        "unsupported database URL scheme {scheme:?}: use postgres://user:password@host/database or sqlite://PATH"
    ))
}

impl TryFrom<&ServeArgs> for Config {
    type Error = String;

    fn try_from(args: &ServeArgs) -> Result<Config, String> {
        let synchronous = match args.sqlite_synchronous {
            SyncMode::Full => Synchronous::Full,
            SyncMode::Normal => Synchronous::Normal,
        };
        let mut database = match &args.database_url {
            Some(url) => database_from_url(url, synchronous, args.database_pool_size)
                .map_err(|e| format!("--database-url: {e}"))?,
            None => Database::Sqlite(SqliteOptions {
                path: args.data_dir.join("spoke.db"),
                synchronous,
                key: None,
            }),
        };
        if let Some(file) = &args.encryption_key_file {
            match &mut database {
                Database::Sqlite(options) => {
                    options.key = Some(
                        DatabaseKey::from_file(file)
                            .map_err(|e| format!("--encryption-key-file: {e}"))?,
                    );
                }
                Database::Postgres(_) => {
                    return Err("--encryption-key-file encrypts a SQLite database; on PostgreSQL use the server's own encryption at rest (see the README)".into())
                }
            }
        }
        let tls = match (&args.tls_cert, &args.tls_key, args.tls_self_signed) {
            (None, None, false) => None,
            (None, None, true) => Some(TlsSource::SelfSigned {
                dir: args.data_dir.join("tls"),
            }),
            (Some(cert), Some(key), false) => Some(TlsSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (Some(_), Some(_), true) => {
                return Err("--tls-self-signed makes its own certificate: give it or --tls-cert and --tls-key, not both".into())
            }
            _ => return Err("--tls-cert and --tls-key go together: give both".into()),
        };
        Ok(Config {
            tls,
            listen: args.listen,
            database,
            bootstrap_token: args.bootstrap_token.clone().map(Secret::new),
            admin_token: args.admin_token.clone().map(Secret::new),
            rate_limits: match args.rate_limits {
                RateLimits::Off => LimitsMode::Off,
                RateLimits::Hubspot => LimitsMode::Hubspot,
            },
            open_consent: args.open_consent,
            request_journal: args.request_journal,
            workers: WorkerSettings {
                retry: RetryPolicy {
                    scale: check_scale(args.webhook_retry_scale)?,
                },
                retention: std::time::Duration::from_secs(args.webhook_retention_seconds.max(1)),
                archived_retention: std::time::Duration::from_secs(
                    args.archived_retention_days.max(1) * 24 * 3600,
                ),
                journal_retention: std::time::Duration::from_secs(
                    args.request_journal_retention_seconds.max(1),
                ),
                targets: if args.webhook_public_targets_only {
                    TargetPolicy::PublicOnly
                } else {
                    TargetPolicy::Any
                },
                list_refresh: std::time::Duration::from_secs(args.list_refresh_seconds.max(1)),
            },
        })
    }
}

fn check_scale(scale: f64) -> Result<f64, String> {
    if scale.is_finite() && scale > 0.0 && scale <= 1000.0 {
        Ok(scale)
    } else {
        Err(format!(
            "--webhook-retry-scale must be a number above 0 (0.001 turns 24 hours into about 86 seconds), got {scale}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: database_from_url(
                "postgres://spoke:pw-very-secret@db/spoke",
                Synchronous::Full,
                4,
            )
            .unwrap(),
            bootstrap_token: Some(Secret::new("pat-na1-very-secret")),
            admin_token: Some(Secret::new("admin-very-secret")),
            rate_limits: LimitsMode::Off,
            open_consent: false,
            request_journal: true,
            workers: WorkerSettings::default(),
            tls: None,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("redacted"));
        assert_eq!(
            config.database.describe(),
            "PostgreSQL postgres://spoke@db/spoke"
        );
    }

    #[test]
    fn urls_choose_the_backend() {
        match database_from_url("sqlite:///var/lib/spoke.db", Synchronous::Full, 4).unwrap() {
            Database::Sqlite(o) => assert_eq!(o.path, PathBuf::from("/var/lib/spoke.db")),
            other => panic!("{other:?}"),
        }
        match database_from_url("postgresql://h/d", Synchronous::Full, 4).unwrap() {
            Database::Postgres(o) => assert_eq!(o.pool_size, 4),
            other => panic!("{other:?}"),
        }
        assert!(database_from_url("mysql://h/d", Synchronous::Full, 4)
            .unwrap_err()
            .contains("\"mysql\""));
        assert!(database_from_url("sqlite://", Synchronous::Full, 4).is_err());
    }
}
