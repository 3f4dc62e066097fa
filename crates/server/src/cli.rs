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
                  prints its private-app access token once."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
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

    /// Log filter, in tracing's EnvFilter syntax ("info", "warn",
    /// "spoke_api=debug", ...).
    #[arg(long, env = "SPOKE_LOG", default_value = "info")]
    pub log: String,

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
        let Command::Serve(args) = cli.command;
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(args.data_dir, PathBuf::from("./spoke-data"));
        assert_eq!(args.sqlite_synchronous, SyncMode::Full);
        assert_eq!(args.database_url, None);
    }
}
