//! One Spoke per SQLite database: an exclusive lock on a file beside it,
//! holding the pid of the process that has it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Held for as long as the store is open; the OS releases it when the
/// process ends, however it ends.
#[derive(Debug)]
pub(crate) struct DatabaseLock {
    _file: File,
}

/// Another process holds the database.
#[derive(Debug)]
pub struct LockError {
    pub database: PathBuf,
    /// The pid written by the holder, when it could be read.
    pub holder: Option<u32>,
    pub detail: Option<String>,
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(detail) = &self.detail {
            return write!(
                f,
                "cannot lock the database {}: {detail}",
                self.database.display()
            );
        }
        let dir = self
            .database
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let holder = match self.holder {
            Some(pid) => format!("another Spoke process (pid {pid})"),
            None => "another Spoke process".to_string(),
        };
        write!(
            f,
            "the database {} in {} is in use by {holder}. SQLite serves one Spoke node: stop the other process, give this one another --data-dir, or run several nodes on PostgreSQL (--database-url postgres://...)",
            self.database.display(),
            dir.display()
        )
    }
}

impl std::error::Error for LockError {}

impl DatabaseLock {
    pub fn acquire(database: &Path) -> Result<DatabaseLock, LockError> {
        let path = lock_path(database);
        let failed = |detail: String| LockError {
            database: database.to_path_buf(),
            holder: None,
            detail: Some(detail),
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| failed(format!("{}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(LockError {
                    database: database.to_path_buf(),
                    holder: text.trim().parse().ok(),
                    detail: None,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(failed(format!("{}: {e}", path.display())))
            }
        }
        let pid = std::process::id().to_string();
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(pid.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(|e| failed(format!("{}: {e}", path.display())))?;
        Ok(DatabaseLock { _file: file })
    }
}

/// `spoke.db` → `spoke.db.lock`.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("spoke.db");
        let first = DatabaseLock::acquire(&db).unwrap();
        let err = DatabaseLock::acquire(&db).unwrap_err();
        assert_eq!(err.holder, Some(std::process::id()));
        let message = err.to_string();
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        DatabaseLock::acquire(&db).expect("free again once released");
    }
}
