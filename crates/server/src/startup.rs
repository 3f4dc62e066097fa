//! Startup as a value: build the application (storage, default portal,
//! listener), then run it until a shutdown signal.

use crate::config::{Config, Database};
use crate::workers::{TargetPolicy, WorkerSettings, Workers};
use axum::serve::ListenerExt;
use spoke_api::{AppState, Options};
use spoke_domain::access::{secrets, Access};
use spoke_domain::crm::Crm;
use spoke_domain::exports::Exports;
use spoke_domain::ids::PortalId;
use spoke_domain::imports::service::Importer;
use spoke_domain::lists::Lists;
use spoke_domain::sandbox::faults::Faults;
use spoke_domain::sandbox::journal::Journal;
use spoke_domain::sandbox::seed::Seeder;
use spoke_domain::sandbox::snapshots::Snapshots;
use spoke_domain::store::Store;
use spoke_domain::webhooks::Webhooks;
use spoke_store_postgres::PostgresStore;
use spoke_store_sqlite::SqliteStore;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What the first start created, for `main` to tell the user once.
#[derive(Debug)]
pub struct Bootstrap {
    pub portal: PortalId,
    /// The generated token of a newly created default portal. `None` when
    /// the portal already existed or the token was chosen by the user.
    pub new_token: Option<String>,
    /// The generated admin token, at the first start without a chosen one.
    pub new_admin_token: Option<String>,
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    store: Arc<dyn Store>,
    bootstrap: Bootstrap,
    workers: WorkerSettings,
    /// HTTPS: rustls' settings and, for a self-signed certificate, the CA
    /// file to trust.
    tls: Option<(Arc<rustls::ServerConfig>, Option<std::path::PathBuf>)>,
}

#[derive(Debug)]
pub struct StartupError(pub String);

impl std::fmt::Display for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartupError {}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        survive_file_size_limit();
        let chosen = chosen_hash(&config.bootstrap_token, "SPOKE_BOOTSTRAP_TOKEN")?;
        let chosen_admin = chosen_hash(&config.admin_token, "SPOKE_ADMIN_TOKEN")?;
        // Listen first: a port in use shows at once, before any database
        // work.
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartupError(format!("cannot listen on {}: {e}", config.listen)))?;
        let tls = match &config.tls {
            None => None,
            Some(source) => {
                let (certificate, ca) = crate::tls::certificate(source).map_err(StartupError)?;
                let settings =
                    crate::tls::server_config(Arc::clone(&certificate)).map_err(StartupError)?;
                if matches!(source, crate::tls::TlsSource::Files { .. }) {
                    crate::tls::reload_on_hangup(certificate);
                }
                Some((settings, ca))
            }
        };
        // Before the store opens, so that its first timings are kept.
        spoke_api::metrics::install();
        let store = open_store(&config.database).await?;

        let candidate = secrets::private_app_token();
        let default = store
            .ensure_default_portal(chosen, secrets::digest(&candidate))
            .await
            .map_err(|e| StartupError(format!("cannot prepare the default portal: {e}")))?;
        let admin_candidate = secrets::admin_token();
        let admin_created = store
            .ensure_admin_token(chosen_admin, secrets::digest(&admin_candidate))
            .await
            .map_err(|e| StartupError(format!("cannot prepare the admin token: {e}")))?;
        let bootstrap = Bootstrap {
            portal: default.portal,
            new_token: (default.created && chosen.is_none()).then_some(candidate),
            new_admin_token: admin_created.then_some(admin_candidate),
        };

        let (journal, journal_writer) = Journal::new(Arc::clone(&store), config.request_journal);
        tokio::spawn(journal_writer.run(|err| {
            tracing::warn!(%err, "cannot store calls in the request journal");
        }));
        Ok(Application {
            listener,
            store: Arc::clone(&store),
            state: AppState {
                access: Access::new(Arc::clone(&store), config.rate_limits),
                webhooks: Webhooks::new(
                    Arc::clone(&store),
                    config.workers.targets == TargetPolicy::PublicOnly,
                ),
                lists: Lists::new(Arc::clone(&store)),
                faults: Faults::new(Arc::clone(&store)),
                snapshots: Snapshots::new(Arc::clone(&store)),
                seeder: Seeder::new(Arc::clone(&store)),
                journal,
                importer: Importer::new(Arc::clone(&store)),
                exports: Exports::new(Arc::clone(&store)),
                crm: Crm::new(store),
                options: Arc::new(Options {
                    open_consent: config.open_consent,
                }),
            },
            bootstrap,
            workers: config.workers,
            tls,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// The domain operations this application serves.
    pub fn crm(&self) -> &Crm {
        &self.state.crm
    }

    /// Who may call: portals, apps, credentials (tests set up state with
    /// it, such as a second portal).
    pub fn access(&self) -> &Access {
        &self.state.access
    }

    /// The store itself, for tests that check what was persisted.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn bootstrap(&self) -> &Bootstrap {
        &self.bootstrap
    }

    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The CA file clients trust a self-signed certificate by.
    pub fn tls_ca(&self) -> Option<&std::path::Path> {
        self.tls.as_ref().and_then(|(_, ca)| ca.as_deref())
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then lets in-flight requests
    /// finish and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let workers = Workers::start(Arc::clone(&self.store), self.workers);
        drop(self.store);
        let service = spoke_api::service(self.state);
        let make_service = axum::ServiceExt::<axum::extract::Request>::into_make_service(service);
        match self.tls {
            Some((settings, _)) => {
                let listener = crate::tls::TlsListener::new(self.listener, settings)?;
                axum::serve(listener, make_service)
                    .with_graceful_shutdown(shutdown)
                    .await?;
            }
            None => {
                // Responses are small and complete when written: send them
                // at once.
                let listener = self.listener.tap_io(|tcp| {
                    if let Err(err) = tcp.set_nodelay(true) {
                        tracing::warn!(%err, "cannot set TCP_NODELAY");
                    }
                });
                axum::serve(listener, make_service)
                    .with_graceful_shutdown(shutdown)
                    .await?;
            }
        }
        workers.stop().await;
        // The router and the workers (and with them the last handles on the
        // store) are dropped by now: SQLite has checkpointed its WAL and closed the file.
        tracing::info!("stopped cleanly");
        Ok(())
    }
}

/// The digest of a token the user chose, once checked.
fn chosen_hash(
    token: &Option<crate::config::Secret>,
    name: &str,
) -> Result<Option<[u8; 32]>, StartupError> {
    match token {
        Some(token) => {
            secrets::validate_chosen(token.expose())
                .map_err(|e| StartupError(format!("{name}: {e}")))?;
            Ok(Some(secrets::digest(token.expose())))
        }
        None => Ok(None),
    }
}

/// The store the configuration names, migrated and ready.
async fn open_store(database: &Database) -> Result<Arc<dyn Store>, StartupError> {
    match database {
        Database::Sqlite(options) => {
            if let Some(dir) = options.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StartupError(format!(
                        "cannot create the data directory {}: {e}",
                        dir.display()
                    ))
                })?;
            }
            let store = SqliteStore::open(options).map_err(|e| {
                StartupError(format!(
                    "cannot open the SQLite database {}: {e}",
                    options.path.display()
                ))
            })?;
            Ok(Arc::new(store))
        }
        Database::Postgres(options) => {
            let store = PostgresStore::open(options)
                .await
                .map_err(|e| StartupError(format!("PostgreSQL: {e}")))?;
            Ok(Arc::new(store))
        }
    }
}

/// A write past the file-size limit (`ulimit -f`) fails as a full disk
/// does, with an error the request answers, instead of SIGXFSZ ending the
/// process (PostgreSQL ignores the signal for the same reason). Once tokio
/// handles a signal, its default action is gone for the process's life.
fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        // SIGXFSZ: 25 on Linux and the BSDs.
        const SIGXFSZ: i32 = 25;
        if let Err(e) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(SIGXFSZ))
        {
            tracing::warn!("cannot handle SIGXFSZ: {e}");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("received Ctrl-C, shutting down"),
        _ = terminate => tracing::info!("received SIGTERM, shutting down"),
    }
}
