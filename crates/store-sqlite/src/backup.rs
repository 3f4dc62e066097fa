//! Backups of a SQLite database, online: `spoke backup` copies a running
//! server's database without stopping its writes, `spoke restore` puts a
//! copy back while no server runs on it.
//!
//! The copy is SQLite's `VACUUM INTO`, run on a read-only connection of its
//! own: one read transaction, so the copy is the database as of one commit
//! (everything acknowledged before the backup began, and perhaps some
//! writes after), while writers go on in the write-ahead log. It is
//! compacted and holds no log of its own. An encrypted database is copied
//! with SQLCipher's export instead, into a copy encrypted with the same key.

use crate::encryption::{export, unlock, DatabaseKey};
use crate::lock::DatabaseLock;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// What a backup copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub bytes: u64,
    pub contacts: u64,
    pub portals: u64,
}

/// Copies `database` to `to` (which must not exist).
pub fn backup(database: &Path, to: &Path, key: Option<&DatabaseKey>) -> Result<Copied, String> {
    if !database.exists() {
        return Err(format!("there is no database at {}", database.display()));
    }
    if to.exists() {
        return Err(format!(
            "{} exists already; a backup never overwrites a file",
            to.display()
        ));
    }
    // An export attaches the copy, which a read-only connection cannot
    // write; the database itself is only read either way.
    let flags = match key {
        None => OpenFlags::SQLITE_OPEN_READ_ONLY,
        // ATTACH opens the copy with these flags: it must be created.
        Some(_) => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    };
    let conn = Connection::open_with_flags(database, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| format!("cannot open {}: {e}", database.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    unlock(&conn, key)?;
    is_spoke(&conn, database)?;
    let target = to
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", to.display()))?;
    let copied = match key {
        None => conn.execute("VACUUM INTO ?1", [target]).map(drop),
        Some(key) => export(&conn, target, key),
    };
    copied.map_err(|e| format!("cannot copy the database to {}: {e}", to.display()))?;
    let copy = Connection::open_with_flags(to, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot read the copy {}: {e}", to.display()))?;
    unlock(&copy, key)?;
    copied_of(&copy, to)
}

/// What a database file holds, for the report.
fn copied_of(conn: &Connection, path: &Path) -> Result<Copied, String> {
    let count = |sql: &str| -> Result<u64, String> {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    Ok(Copied {
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        contacts: count("SELECT count(*) FROM contacts WHERE merged_into IS NULL")?,
        portals: count("SELECT count(*) FROM portals")?,
    })
}

/// Replaces `database` by the backup `from`, while no server holds it: the
/// backup is checked (a Spoke database that passes SQLite's integrity
/// check), copied beside the database, synced, and renamed over it; the
/// old write-ahead log goes.
pub fn restore(from: &Path, database: &Path, key: Option<&DatabaseKey>) -> Result<Copied, String> {
    let backup = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open the backup {}: {e}", from.display()))?;
    unlock(&backup, key)?;
    is_spoke(&backup, from)?;
    let check: String = backup
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| format!("cannot check the backup {}: {e}", from.display()))?;
    if check != "ok" {
        return Err(format!(
            "the backup {} is damaged ({check}); nothing was restored",
            from.display()
        ));
    }
    let copied = copied_of(&backup, from)?;
    drop(backup);
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    }
    // No server may run on the database meanwhile.
    let _lock = DatabaseLock::acquire(database).map_err(|e| e.to_string())?;
    let staged = database.with_extension("db.restoring");
    std::fs::copy(from, &staged)
        .map_err(|e| format!("cannot copy the backup beside the database: {e}"))?;
    std::fs::File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot sync the restored copy: {e}"))?;
    for suffix in ["-wal", "-shm"] {
        let mut log = database.as_os_str().to_owned();
        log.push(suffix);
        match std::fs::remove_file(&log) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove the old log {log:?}: {e}")),
        }
    }
    std::fs::rename(&staged, database)
        .map_err(|e| format!("cannot put the backup in place: {e}"))?;
    Ok(copied)
}

/// Refuses a file that is not a Spoke database.
fn is_spoke(conn: &Connection, path: &Path) -> Result<(), String> {
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'contacts', 'portals')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| format!("{} is not a SQLite database: {e}", path.display()))?;
    if tables < 3 {
        return Err(format!("{} is not a Spoke database", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_a_spoke_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.db");
        Connection::open(&plain)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let err = backup(&plain, &dir.path().join("copy.db"), None).unwrap_err();
        assert!(err.contains("not a Spoke database"), "{err}");
        let err = restore(&plain, &dir.path().join("spoke.db"), None).unwrap_err();
        assert!(err.contains("not a Spoke database"), "{err}");
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not sqlite at all, just bytes of text").unwrap();
        assert!(restore(&junk, &dir.path().join("spoke.db"), None).is_err());
    }
}
