//! Typed configuration, built from the command line and environment.

use crate::cli::{ServeArgs, SyncMode};
use spoke_store_sqlite::Synchronous;
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

/// Everything `Application::build` needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Directory of the embedded database; created if missing.
    pub data_dir: PathBuf,
    /// Chosen access token of the default portal.
    pub bootstrap_token: Option<Secret>,
    /// Durability of SQLite commits.
    pub synchronous: Synchronous,
}

impl Config {
    /// The database file inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("spoke.db")
    }
}

impl From<&ServeArgs> for Config {
    fn from(args: &ServeArgs) -> Config {
        Config {
            listen: args.listen,
            data_dir: args.data_dir.clone(),
            bootstrap_token: args.bootstrap_token.clone().map(Secret::new),
            synchronous: match args.sqlite_synchronous {
                SyncMode::Full => Synchronous::Full,
                SyncMode::Normal => Synchronous::Normal,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: PathBuf::from("d"),
            bootstrap_token: Some(Secret::new("pat-na1-very-secret")),
            synchronous: Synchronous::Full,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
