//! `spoke backup` and `spoke restore`: a SQLite database copied while its
//! server runs, and put back while none does
//! ([`spoke_store_sqlite::backup`]). PostgreSQL has its own tools.

use crate::cli::{Command, DatabaseArgs};
use spoke_store_sqlite::backup::{backup, restore, Copied};
use std::path::PathBuf;

/// Runs a backup or restore command; `None` for any other command.
pub fn run(command: &Command) -> Option<Result<String, String>> {
    match command {
        Command::Backup { to, database } => Some(database_file(database).and_then(|file| {
            let copied = backup(&file, to)?;
            Ok(format!(
                "Backed up {} to {}: {}.",
                file.display(),
                to.display(),
                describe(&copied)
            ))
        })),
        Command::Restore { from, database } => Some(database_file(database).and_then(|file| {
            let copied = restore(from, &file)?;
            Ok(format!(
                "Restored {} from {}: {}. Start the server on it.",
                file.display(),
                from.display(),
                describe(&copied)
            ))
        })),
        _ => None,
    }
}

fn describe(copied: &Copied) -> String {
    format!(
        "{} portals, {} contacts, {:.1} MiB",
        copied.portals,
        copied.contacts,
        copied.bytes as f64 / 1024.0 / 1024.0
    )
}

/// The SQLite file the arguments name.
fn database_file(args: &DatabaseArgs) -> Result<PathBuf, String> {
    match &args.database_url {
        None => Ok(args.data_dir.join("spoke.db")),
        Some(url) => match url.strip_prefix("sqlite://") {
            Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
            _ if url.starts_with("postgres") => Err(
                "backup and restore copy SQLite databases; on PostgreSQL use pg_dump and pg_restore (see the README)"
                    .into(),
            ),
            _ => Err(format!("{url} is not a sqlite:// URL naming a file")),
        },
    }
}
