//! Encryption at rest: the database is SQLCipher's (AES-256, every page,
//! the write-ahead log included) when a key is given. Without the key the
//! file does not open and holds no readable value; a wrong key is refused
//! at start with a clear message.
//!
//! The key is the SHA-256 of a key file's contents (any file: `head -c 32
//! /dev/urandom > spoke.key` makes a good one), handed to SQLCipher as a
//! raw key, so no passphrase derivation slows each connection's opening.

use rusqlite::{Connection, ErrorCode};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The database key. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(..)")
    }
}

impl DatabaseKey {
    /// The key of a key file: the SHA-256 of its contents, surrounding
    /// whitespace left out (so a trailing newline does not matter).
    pub fn from_file(path: &Path) -> Result<DatabaseKey, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
        let trimmed = bytes.trim_ascii();
        if trimmed.len() < 16 {
            return Err(format!(
                "the key file {} holds less than 16 bytes; make one with: head -c 32 /dev/urandom > {}",
                path.display(),
                path.display()
            ));
        }
        Ok(DatabaseKey(Sha256::digest(trimmed).into()))
    }

    /// SQLCipher's raw key literal: `"x'…'"`.
    fn literal(&self) -> String {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        format!("\"x'{hex}'\"")
    }
}

/// Hands the key to a freshly opened connection (when there is one) and
/// checks that the database opens with it: the one place a missing or
/// wrong key shows.
pub(crate) fn unlock(conn: &Connection, key: Option<&DatabaseKey>) -> Result<(), String> {
    if let Some(key) = key {
        conn.execute_batch(&format!("PRAGMA key = {};", key.literal()))
            .map_err(|e| format!("cannot give the database its key: {e}"))?;
    }
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            Err(match key {
                Some(_) => "the database does not open with this key: the key file is not the one it was encrypted with (or the database is not encrypted: encrypt it with spoke rekey)".to_string(),
                None => "the database is encrypted (or is not a SQLite file): start with --encryption-key-file".to_string(),
            })
        }
        Err(e) => Err(format!("cannot read the database: {e}")),
    }
}

/// Changes the key of a database no server runs on: from `old` (or from no
/// encryption) to `new`.
pub fn rekey(database: &Path, old: Option<&DatabaseKey>, new: &DatabaseKey) -> Result<(), String> {
    let _lock = crate::lock::DatabaseLock::acquire(database).map_err(|e| e.to_string())?;
    if !database.exists() {
        return Err(format!("there is no database at {}", database.display()));
    }
    let conn = Connection::open(database)
        .map_err(|e| format!("cannot open {}: {e}", database.display()))?;
    unlock(&conn, old)?;
    let failed = |e: rusqlite::Error| format!("cannot change the key: {e}");
    match old {
        Some(_) => {
            // SQLCipher rekeys in rollback-journal mode.
            conn.execute_batch(&format!(
                "PRAGMA journal_mode = DELETE; PRAGMA rekey = {}; PRAGMA journal_mode = WAL;",
                new.literal()
            ))
            .map_err(failed)?;
        }
        None => {
            // A plain database is encrypted by exporting it into an
            // encrypted copy, which then takes its place.
            let staged = database.with_extension("db.encrypting");
            let _ = std::fs::remove_file(&staged);
            let target = staged
                .to_str()
                .ok_or_else(|| format!("{} is not a UTF-8 path", staged.display()))?;
            conn.execute(
                &format!("ATTACH DATABASE ?1 AS encrypted KEY {}", new.literal()),
                [target],
            )
            .map_err(failed)?;
            conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
                .map_err(failed)?;
            conn.execute_batch("DETACH DATABASE encrypted;")
                .map_err(failed)?;
            drop(conn);
            for suffix in ["-wal", "-shm"] {
                let mut log = database.as_os_str().to_owned();
                log.push(suffix);
                let _ = std::fs::remove_file(&log);
            }
            std::fs::rename(&staged, database)
                .map_err(|e| format!("cannot put the encrypted database in place: {e}"))?;
        }
    }
    Ok(())
}

/// Copies a keyed database to `to`, encrypted with the same key, as of one
/// read transaction (SQLCipher's export; `VACUUM INTO` would write it in
/// clear).
pub(crate) fn export(conn: &Connection, to: &str, key: &DatabaseKey) -> rusqlite::Result<()> {
    conn.execute(
        &format!("ATTACH DATABASE ?1 AS copy KEY {}", key.literal()),
        [to],
    )?;
    conn.execute_batch("BEGIN;")?;
    let exported = conn.query_row("SELECT sqlcipher_export('copy')", [], |_| Ok(()));
    conn.execute_batch("COMMIT; DETACH DATABASE copy;")?;
    exported
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_digest_of_the_file_and_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, "a long enough secret passphrase\n").unwrap();
        std::fs::write(&b, "a long enough secret passphrase").unwrap();
        assert_eq!(
            DatabaseKey::from_file(&a).unwrap(),
            DatabaseKey::from_file(&b).unwrap()
        );
        assert_eq!(
            format!("{:?}", DatabaseKey::from_file(&a).unwrap()),
            "DatabaseKey(..)"
        );
        std::fs::write(&a, "short").unwrap();
        assert!(DatabaseKey::from_file(&a)
            .unwrap_err()
            .contains("less than 16 bytes"));
    }

    #[test]
    fn a_keyed_database_reads_as_noise_and_opens_only_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let keyfile = dir.path().join("key");
        std::fs::write(&keyfile, [7u8; 32]).unwrap();
        let key = DatabaseKey::from_file(&keyfile).unwrap();
        {
            let conn = Connection::open(&path).unwrap();
            unlock(&conn, Some(&key)).unwrap();
            conn.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('secret@x.io');")
                .unwrap();
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(11).any(|w| w == b"secret@x.io"));
        let conn = Connection::open(&path).unwrap();
        assert!(unlock(&conn, None)
            .unwrap_err()
            .contains("--encryption-key-file"));
        std::fs::write(&keyfile, [8u8; 32]).unwrap();
        let wrong = DatabaseKey::from_file(&keyfile).unwrap();
        let conn = Connection::open(&path).unwrap();
        assert!(unlock(&conn, Some(&wrong))
            .unwrap_err()
            .contains("not the one"));
    }
}
