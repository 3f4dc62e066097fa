//! `spoke backup` and `spoke restore`: a SQLite database copied while its
//! server runs, and put back while none does
//! ([`spoke_store_sqlite::backup`]); `spoke rekey`. PostgreSQL has its own
//! tools.

use crate::cli::{Command, DatabaseArgs};
use spoke_store_sqlite::backup::{backup, restore, Copied};
use spoke_store_sqlite::encryption::{rekey, DatabaseKey};
use std::path::PathBuf;

/// Runs a backup or restore command; `None` for any other command.
pub fn run(command: &Command) -> Option<Result<String, String>> {
    match command {
        Command::Backup { to, database } => Some(database_file(database).and_then(|file| {
            let copied = backup(&file, to, key(database)?.as_ref())?;
            Ok(format!(
                "Backed up {} to {}: {}.",
                file.display(),
                to.display(),
                describe(&copied)
            ))
        })),
        Command::Restore { from, database } => Some(database_file(database).and_then(|file| {
            let copied = restore(from, &file, key(database)?.as_ref())?;
            Ok(format!(
                "Restored {} from {}: {}. Start the server on it.",
                file.display(),
                from.display(),
                describe(&copied)
            ))
        })),
        Command::Rekey {
            new_key_file,
            database,
        } => Some(database_file(database).and_then(|file| {
            let new = DatabaseKey::from_file(new_key_file)?;
            let old = key(database)?;
            rekey(&file, old.as_ref(), &new)?;
            Ok(format!(
                "{} is now encrypted with the key of {}. Start the server with --encryption-key-file {}.",
                file.display(),
                new_key_file.display(),
                new_key_file.display()
            ))
        })),
        _ => None,
    }
}

/// The database's key, when its key file is given.
fn key(args: &DatabaseArgs) -> Result<Option<DatabaseKey>, String> {
    args.encryption_key_file
        .as_deref()
        .map(DatabaseKey::from_file)
        .transpose()
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
