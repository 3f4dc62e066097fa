//! The command line. Every flag also has a `SPOKE_*` environment form.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "spoke",
    version,
    about = "Spoke: a self-hosted server that speaks HubSpot's Contacts API.",
    long_about = "Spoke: a self-hosted server that speaks HubSpot's Contacts API, so that \
                  HubSpot's official SDKs work against it unchanged.\n\n\
                  Start it with `spoke serve`. The first start creates a default portal and \
                  prints its private-app access token and the sandbox admin token once. The \
                  other commands manage portals and apps on a running server through its \
                  admin API (`/_spoke/v1`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Portals: create, list, delete, reset, clone.
    Portals {
        #[command(subcommand)]
        command: PortalsCommand,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// A portal's private apps: create, delete.
    PrivateApps {
        #[command(subcommand)]
        command: PrivateAppsCommand,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Public OAuth apps: create.
    Apps {
        #[command(subcommand)]
        command: AppsCommand,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// A portal's legacy API key: rotate (create), delete.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Webhook deliveries: follow them as they happen, list, replay.
    Webhooks {
        #[command(subcommand)]
        command: WebhooksCommand,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Fill a portal with deterministic, realistic contacts (names, unique
    /// emails, companies, phones, lifecycle stages, a history of changes),
    /// with a progress bar.
    Seed {
        #[arg(long)]
        portal: i64,
        #[arg(long, default_value_t = 1_000)]
        contacts: u64,
        /// The same seed gives the same contacts.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Import contacts from a CSV file (UTF-8, with a header; commas,
    /// semicolons or tabs): columns are mapped to properties by name or
    /// label (or --map), rows are checked against the portal's property
    /// types and upserted by email in batches; refused rows go to an error
    /// file with their line and why. Importing the same file again changes
    /// nothing.
    Import {
        /// The CSV file.
        file: PathBuf,
        #[arg(long)]
        portal: i64,
        /// Map a column to a property, `--map "E-mail=email"`; `--map
        /// "Notes="` skips a column. Repeatable.
        #[arg(long = "map", value_name = "COLUMN=PROPERTY")]
        map: Vec<String>,
        /// Where the refused rows go (default: FILE.errors.csv beside the
        /// file).
        #[arg(long)]
        errors: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Export a portal's contacts as CSV or JSON lines, streamed to a file or
    /// standard output.
    Export {
        #[arg(long)]
        portal: i64,
        #[arg(long, value_enum, default_value_t = ExportFormatArg::Csv)]
        format: ExportFormatArg,
        /// The properties to export, comma separated (default: id, email,
        /// names, phone, company, job title, lifecycle stage, dates).
        #[arg(long, value_delimiter = ',')]
        properties: Vec<String>,
        /// Archived contacts too (CSV gains an `archived` column).
        #[arg(long)]
        archived: bool,
        /// Only the members of this list.
        #[arg(long)]
        list: Option<i64>,
        /// The file to write (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Copy a SQLite database while its server runs (writes go on): the
    /// copy holds everything acknowledged before the backup began. On
    /// PostgreSQL use pg_dump (see the README).
    Backup {
        /// The file to write (it must not exist).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Put a backup in place of a SQLite database, while no server runs on
    /// it.
    Restore {
        /// The backup to restore.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Change the key of an encrypted SQLite database, or encrypt a plain
    /// one (without --encryption-key-file), while no server runs on it.
    Rekey {
        /// The file of the new key.
        #[arg(long)]
        new_key_file: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// A portal's request journal: list, follow live.
    Requests {
        #[command(subcommand)]
        command: RequestsCommand,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// A portal's snapshots: take, list, restore, delete.
    Snapshots {
        #[command(subcommand)]
        command: SnapshotsCommand,
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The formats of `spoke export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Csv,
    Jsonl,
}

#[derive(Subcommand, Debug)]
pub enum RequestsCommand {
    /// The portal's latest calls, newest first.
    List {
        portal_id: i64,
        /// Only calls whose path holds this.
        #[arg(long)]
        path: Option<String>,
        #[arg(long)]
        status: Option<u16>,
    },
    /// Print the portal's calls as they are answered, one line each, until
    /// interrupted.
    Tail {
        portal_id: i64,
        /// Stop after this many calls.
        #[arg(long)]
        count: Option<usize>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SnapshotsCommand {
    /// Take a snapshot of the portal's contacts, properties and lists.
    Take { portal_id: i64, name: String },
    /// The portal's snapshots, oldest first.
    List { portal_id: i64 },
    /// Bring the portal back to a snapshot.
    Restore { portal_id: i64, name: String },
    /// Delete a snapshot.
    Delete { portal_id: i64, name: String },
}

/// Which database `spoke backup` and `spoke restore` work on, named as
/// `spoke serve` names it.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Directory holding the embedded SQLite database (spoke.db).
    #[arg(long, env = "SPOKE_DATA_DIR", default_value = "./spoke-data")]
    pub data_dir: PathBuf,
    /// `sqlite://PATH` names a SQLite file; a postgres:// URL is refused
    /// (use pg_dump and pg_restore).
    #[arg(long, env = "SPOKE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The key file of an encrypted database.
    #[arg(long, env = "SPOKE_ENCRYPTION_KEY_FILE")]
    pub encryption_key_file: Option<PathBuf>,
}

/// How the admin commands reach a running server.
#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// The running Spoke to talk to (any node of a cluster).
    #[arg(
        long,
        env = "SPOKE_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub server: String,

    /// The server's admin token.
    #[arg(long, env = "SPOKE_ADMIN_TOKEN", hide_env_values = true, global = true)]
    pub admin_token: Option<String>,

    /// Print the server's JSON answer instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum PortalsCommand {
    /// Create an empty portal with HubSpot's standard properties and a
    /// private-app token holding every scope.
    Create {
        #[arg(long)]
        name: Option<String>,
        /// free, starter, professional or enterprise (sets the limits of
        /// `--rate-limits hubspot`).
        #[arg(long)]
        tier: Option<String>,
    },
    /// List every portal.
    List,
    /// Delete a portal and every row that belongs to it.
    Delete { portal_id: i64 },
    /// A new portal with the same property definitions (and, with
    /// --with-data, the same contacts and lists); prints its token.
    Clone {
        portal_id: i64,
        #[arg(long)]
        name: Option<String>,
        /// Copy the contacts, their history and the lists too.
        #[arg(long)]
        with_data: bool,
    },
    /// Empty a portal of its contacts, lists, events and deliveries; its
    /// tokens, apps and API key stay.
    Reset {
        portal_id: i64,
        /// Keep the portal's custom property definitions (otherwise it has
        /// HubSpot's standard properties only).
        #[arg(long)]
        keep_properties: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum PrivateAppsCommand {
    /// Create a private app; prints its access token.
    Create {
        portal_id: i64,
        #[arg(long)]
        name: Option<String>,
        /// A scope the app's token holds; repeat or separate with commas.
        #[arg(long = "scope", value_delimiter = ',', required = true)]
        scopes: Vec<String>,
    },
    /// Delete a private app: its token gets 401 from then on.
    Delete { portal_id: i64, app_id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum AppsCommand {
    /// Create a public OAuth app; prints its client id and secret and its
    /// developer API key.
    Create {
        #[arg(long)]
        name: Option<String>,
        /// A redirect URL; repeat or separate with commas.
        #[arg(long = "redirect-uri", value_delimiter = ',', required = true)]
        redirect_uris: Vec<String>,
        /// A required scope; repeat or separate with commas.
        #[arg(long = "scope", value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// An optional scope; repeat or separate with commas.
        #[arg(long = "optional-scope", value_delimiter = ',')]
        optional_scopes: Vec<String>,
        /// Lifetime of the app's access tokens, in seconds (HubSpot: 1800).
        #[arg(long)]
        access_token_ttl_seconds: Option<u32>,
    },
}

#[derive(Subcommand, Debug)]
pub enum WebhooksCommand {
    /// Print every delivery attempt as it happens (every portal), one line
    /// each, until interrupted.
    Tail {
        /// Print the attempts already made too.
        #[arg(long)]
        from_start: bool,
        /// Stop after this many attempts.
        #[arg(long)]
        count: Option<usize>,
    },
    /// A portal's deliveries, newest first.
    List {
        portal_id: i64,
        /// Only this app's.
        #[arg(long)]
        app_id: Option<i64>,
        /// PENDING, SENDING, RETRYING, DELIVERED or FAILED.
        #[arg(long)]
        status: Option<String>,
    },
    /// Send a delivery's events again, as a new delivery.
    Replay { delivery_id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create or rotate the portal's API key (`?hapikey=`); prints it.
    Rotate { portal_id: i64 },
    /// Delete the portal's API key.
    Delete { portal_id: i64 },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "SPOKE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory holding the embedded SQLite database (spoke.db); created
    /// if missing. Used when no --database-url is given.
    #[arg(long, env = "SPOKE_DATA_DIR", default_value = "./spoke-data")]
    pub data_dir: PathBuf,

    /// The database: `postgres://user:password@host:port/database` runs
    /// Spoke on PostgreSQL (several Spoke nodes may share it);
    /// `sqlite://PATH` names a SQLite file. Without it, SQLite in
    /// --data-dir.
    #[arg(long, env = "SPOKE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Connections this node keeps to PostgreSQL.
    #[arg(long, env = "SPOKE_DATABASE_POOL_SIZE", default_value_t = 16)]
    pub database_pool_size: usize,

    /// Access token for the default portal, instead of a generated one (for
    /// scripts and CI). Registered on every start if not yet known; never
    /// printed.
    #[arg(long, env = "SPOKE_BOOTSTRAP_TOKEN", hide_env_values = true)]
    pub bootstrap_token: Option<String>,

    /// Token of the sandbox admin API (`/_spoke/v1`) and of the consent
    /// page's sign-in, instead of a generated one. Registered on every start
    /// if not yet known; never printed.
    #[arg(long, env = "SPOKE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// Rate limits of portals that have not set their own: `off` (no
    /// limits, no headers) or `hubspot` (HubSpot's limits for the portal's
    /// tier, with its headers and 429 bodies).
    #[arg(long, env = "SPOKE_RATE_LIMITS", value_enum, default_value_t = RateLimits::Off)]
    pub rate_limits: RateLimits,

    /// The OAuth consent page skips the sign-in with the admin token (for
    /// a sandbox only you can reach).
    #[arg(long, env = "SPOKE_OPEN_CONSENT")]
    pub open_consent: bool,

    /// Keep each portal's request journal (its newest calls with their
    /// bodies, `/_spoke/v1/portals/{id}/requests`). On by default for the
    /// sandbox; `--request-journal false` keeps no calls (and their
    /// personal data) at all.
    #[arg(long, env = "SPOKE_REQUEST_JOURNAL", default_value_t = true, action = clap::ArgAction::Set)]
    pub request_journal: bool,

    /// Multiplies the webhook retry schedule (10 retries over about 24
    /// hours): 0.001 turns it into about 86 seconds, for tests. The 5 s
    /// timeout of a request is not scaled.
    #[arg(long, env = "SPOKE_WEBHOOK_RETRY_SCALE", default_value_t = 1.0)]
    pub webhook_retry_scale: f64,

    /// How long finished webhook deliveries (with their attempts) and
    /// delivered outbox events are kept, in seconds (default 7 days).
    #[arg(
        long,
        env = "SPOKE_WEBHOOK_RETENTION_SECONDS",
        default_value_t = 604_800
    )]
    pub webhook_retention_seconds: u64,

    /// Refuse webhook targets on loopback, private and other non-public
    /// addresses (for deployments where portal owners are not trusted).
    #[arg(long, env = "SPOKE_WEBHOOK_PUBLIC_TARGETS_ONLY")]
    pub webhook_public_targets_only: bool,

    /// How often DYNAMIC lists whose filters are relative to now (rolling
    /// date ranges, "updated in the last days") are evaluated again, in
    /// seconds. Every other list is always current.
    #[arg(long, env = "SPOKE_LIST_REFRESH_SECONDS", default_value_t = 300)]
    pub list_refresh_seconds: u64,

    /// Archived contacts can be restored for this many days, then are purged
    /// for good (HubSpot's 90 days). Restores are allowed for 90 days at
    /// most.
    #[arg(long, env = "SPOKE_ARCHIVED_RETENTION_DAYS", default_value_t = 90)]
    pub archived_retention_days: u64,

    /// Request journal calls older than this many seconds are deleted (each
    /// portal keeps its newest 1,000 calls in any case).
    #[arg(
        long,
        env = "SPOKE_REQUEST_JOURNAL_RETENTION_SECONDS",
        default_value_t = 604_800
    )]
    pub request_journal_retention_seconds: u64,

    /// Log filter, in tracing's EnvFilter syntax ("info", "warn",
    /// "spoke_api=debug", ...).
    #[arg(long, env = "SPOKE_LOG", default_value = "info")]
    pub log: String,

    /// Encrypt the SQLite database at rest (SQLCipher): the key is the
    /// SHA-256 of this file's contents (make one with `head -c 32
    /// /dev/urandom > spoke.key`). Without it an encrypted database does
    /// not open.
    #[arg(long, env = "SPOKE_ENCRYPTION_KEY_FILE")]
    pub encryption_key_file: Option<PathBuf>,

    /// Serve HTTPS with this certificate (PEM; the chain, leaf first).
    /// Read again on SIGHUP without dropping connections.
    #[arg(long, env = "SPOKE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The certificate's private key (PEM).
    #[arg(long, env = "SPOKE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Serve HTTPS with a certificate made for localhost, signed by a CA of
    /// its own kept in DATA_DIR/tls (made at the first start); Spoke prints
    /// the CA file for clients to trust.
    #[arg(long, env = "SPOKE_TLS_SELF_SIGNED", conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,

    /// Log lines as text, or as JSON objects (one per line, with the
    /// request's span: correlation id and route).
    #[arg(long, env = "SPOKE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Durability of SQLite commits: `full` syncs every commit to disk;
    /// `normal` survives a crash of Spoke but may lose the last commits on
    /// power loss.
    #[arg(
        long,
        env = "SPOKE_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value_t = SyncMode::Full
    )]
    pub sqlite_synchronous: SyncMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RateLimits {
    Off,
    Hubspot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SyncMode {
    Full,
    Normal,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_match_the_readme() {
        let cli = Cli::try_parse_from(["spoke", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(args.rate_limits, RateLimits::Off);
        assert!(!args.open_consent);
        assert!(args.request_journal);
        assert_eq!(args.data_dir, PathBuf::from("./spoke-data"));
        assert_eq!(args.sqlite_synchronous, SyncMode::Full);
        assert_eq!(args.database_url, None);
    }

    #[test]
    fn admin_commands_take_the_server_and_scopes() {
        let cli = Cli::try_parse_from([
            "spoke",
            "private-apps",
            "create",
            "7",
            "--scope",
            "a.read,b.write",
            "--scope",
            "c",
            "--server",
            "http://h:1",
            "--json",
        ])
        .unwrap();
        let Command::PrivateApps {
            command:
                PrivateAppsCommand::Create {
                    portal_id, scopes, ..
                },
            server,
        } = cli.command
        else {
            panic!("not private-apps create")
        };
        assert_eq!(portal_id, 7);
        assert_eq!(scopes, ["a.read", "b.write", "c"]);
        assert_eq!(server.server, "http://h:1");
        assert!(server.json);
        let cli = Cli::try_parse_from(["spoke", "portals", "list"]).unwrap();
        let Command::Portals { server, .. } = cli.command else {
            panic!("not portals")
        };
        assert_eq!(server.server, "http://127.0.0.1:8080");
    }
}
