//! Snapshots and copies of a portal in SQLite: the rows of every table a
//! snapshot holds ([`in_snapshot`]) copied, in SQL, into a table beside it
//! (`snapshot__<table>`, created and widened as the table needs), and back.
//!
//! Two columns are not copied as they are: `portal_id` becomes the portal
//! written to, and a rowid that is not the portal's (`contact_changes.id`)
//! is left for SQLite to assign, in the original order. A contact's `key`
//! packs its portal and id, so it is computed again.

use crate::contacts::row::CONTACT_ID_BITS;
use crate::credentials::portal_exists;
use crate::lists::follow::bump_generation;
use crate::portals::{portal_rows, portal_tables};
use crate::properties::load_schema;
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::sandbox::snapshots::{
    in_snapshot, snapshot_table, Snapshot, MAX_SNAPSHOTS, PERSON_COLUMNS,
};
use spoke_domain::sandbox::{DEFINITIONS, SNAPSHOT_PREFIX};
use spoke_domain::store::SnapshotStore;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};

/// A table's columns, and which one (if any) is its rowid.
fn columns(conn: &Connection, table: &str) -> Result<(Vec<String>, Option<String>)> {
    let mut stmt = conn
        .prepare("SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid")
        .map_err(internal)?;
    let rows: Vec<(String, String, i64)> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(internal)?
        .collect::<rusqlite::Result<_>>()
        .map_err(internal)?;
    let keys: Vec<&(String, String, i64)> = rows.iter().filter(|r| r.2 > 0).collect();
    let without_rowid: bool = conn
        .query_row(
            "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .map_err(internal)?;
    let rowid = match keys.as_slice() {
        [(name, ty, _)] if !without_rowid && ty.eq_ignore_ascii_case("INTEGER") => {
            Some(name.clone())
        }
        _ => None,
    };
    Ok((rows.into_iter().map(|r| r.0).collect(), rowid))
}

/// The expression writing `column` of `table` into `portal` (bound as
/// ?1), or `None` for a rowid SQLite assigns.
fn column_value(table: &str, column: &str, rowid: Option<&str>) -> Option<String> {
    match (table, column) {
        (_, "portal_id") => Some("?1".into()),
        ("contacts", "key") => Some(format!(
            "((?1 << {CONTACT_ID_BITS}) | (id & {}))",
            (1i64 << CONTACT_ID_BITS) - 1
        )),
        _ if rowid == Some(column) => None,
        _ => Some(format!("\"{column}\"")),
    }
}

/// Copies `from`'s rows of `source` (all, or one snapshot's) into `table`
/// as `portal`'s (bound as ?1; `from` as ?2, the snapshot as ?3).
fn copy_rows(
    tx: &Transaction<'_>,
    table: &str,
    source: &str,
    snapshot: Option<i64>,
    portal: PortalId,
    from: PortalId,
) -> Result<()> {
    let (target_columns, rowid) = columns(tx, table)?;
    let (source_columns, _) = columns(tx, source)?;
    let mut names = Vec::new();
    let mut values = Vec::new();
    for column in target_columns.iter().filter(|c| source_columns.contains(c)) {
        if let Some(value) = column_value(table, column, rowid.as_deref()) {
            names.push(format!("\"{column}\""));
            values.push(value);
        }
    }
    let order = rowid
        .map(|r| format!(" ORDER BY \"{r}\""))
        .unwrap_or_default();
    let only = if snapshot.is_some() {
        " AND snapshot_id = ?3"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO \"{table}\" ({}) SELECT {} FROM \"{source}\" WHERE {}{only}{order}",
        names.join(", "),
        values.join(", "),
        if source == table {
            portal_rows(table, "?2")
        } else {
            "portal_id = ?2".to_string()
        }
    );
    match snapshot {
        Some(id) => tx.execute(&sql, params![portal.0, from.0, id]),
        None => tx.execute(&sql, params![portal.0, from.0]),
    }
    .map_err(internal)?;
    Ok(())
}

/// The snapshot table beside `table`, made and widened to its columns.
fn snapshot_table_for(tx: &Transaction<'_>, table: &str) -> Result<String> {
    let snapshot = snapshot_table(table);
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS \"{snapshot}\" AS SELECT 0 AS snapshot_id, * FROM \"{table}\" WHERE 0;
         CREATE INDEX IF NOT EXISTS \"{snapshot}_by_snapshot\" ON \"{snapshot}\" (portal_id, snapshot_id);"
    ))
    .map_err(internal)?;
    let (wanted, _) = columns(tx, table)?;
    let (have, _) = columns(tx, &snapshot)?;
    for column in wanted.iter().filter(|c| !have.contains(c)) {
        tx.execute(
            &format!("ALTER TABLE \"{snapshot}\" ADD COLUMN \"{column}\""),
            [],
        )
        .map_err(internal)?;
    }
    Ok(snapshot)
}

fn exists(conn: &Connection, table: &str) -> Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(internal)
}

fn snapshot_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Snapshot, i64, i64)> {
    Ok((
        r.get(0)?,
        Snapshot {
            name: r.get(1)?,
            created_at: Timestamp::from_stored(r.get(2)?),
            contacts: r.get::<_, i64>(3)?.max(0) as u64,
        },
        r.get(4)?,
        r.get(5)?,
    ))
}

const SNAPSHOT_COLUMNS: &str = "id, name, created_at, contacts, next_contact_id, last_created_at";

fn find(
    conn: &Connection,
    portal: PortalId,
    name: &str,
) -> Result<Option<(i64, Snapshot, i64, i64)>> {
    conn.query_row(
        &format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM portal_snapshots WHERE portal_id = ?1 AND name = ?2"
        ),
        params![portal.0, name],
        snapshot_row,
    )
    .optional()
    .map_err(internal)
}

fn take(
    tx: &Transaction<'_>,
    portal: PortalId,
    name: &str,
    at: Timestamp,
) -> Result<Option<Snapshot>> {
    if !portal_exists(tx, portal)? {
        return Ok(None);
    }
    if find(tx, portal, name)?.is_some() {
        return Err(Error::AlreadyExists(format!(
            "A snapshot named '{name}' already exists in portal {portal}."
        )));
    }
    let (count, id): (i64, i64) = tx
        .query_row(
            "SELECT count(*), coalesce(max(id), 0) + 1 FROM portal_snapshots WHERE portal_id = ?1",
            [portal.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(internal)?;
    if count as usize >= MAX_SNAPSHOTS {
        return Err(Error::invalid(format!(
            "Portal {portal} has {MAX_SNAPSHOTS} snapshots, the most it may keep: delete one first."
        )));
    }
    for table in portal_tables(tx)?.into_iter().filter(|t| in_snapshot(t)) {
        let snapshot = snapshot_table_for(tx, &table)?;
        let (names, _) = columns(tx, &table)?;
        let names: Vec<String> = names.iter().map(|c| format!("\"{c}\"")).collect();
        tx.execute(
            &format!(
                "INSERT INTO \"{snapshot}\" (snapshot_id, {cols}) SELECT ?2, {cols} FROM \"{table}\" WHERE {rows}",
                cols = names.join(", "),
                rows = portal_rows(&table, "?1")
            ),
            params![portal.0, id],
        )
        .map_err(internal)?;
    }
    let snapshot = Snapshot {
        name: name.to_string(),
        created_at: at,
        contacts: tx
            .query_row(
                &format!(
                    "SELECT count(*) FROM contacts WHERE {} AND merged_into IS NULL",
                    portal_rows("contacts", "?1")
                ),
                [portal.0],
                |r| r.get::<_, i64>(0),
            )
            .map_err(internal)?
            .max(0) as u64,
    };
    tx.execute(
        "INSERT INTO portal_snapshots (portal_id, name, id, created_at, contacts, next_contact_id, last_created_at)
         SELECT id, ?2, ?3, ?4, ?5, next_contact_id, last_created_at FROM portals WHERE id = ?1",
        params![portal.0, name, id, at.millis(), snapshot.contacts as i64],
    )
    .map_err(internal)?;
    Ok(Some(snapshot))
}

/// Empties the portal's rows of every table in `tables`.
fn empty(tx: &Transaction<'_>, portal: PortalId, tables: &[String]) -> Result<()> {
    for table in tables {
        tx.execute(
            &format!("DELETE FROM \"{table}\" WHERE {}", portal_rows(table, "?1")),
            [portal.0],
        )
        .map_err(internal)?;
    }
    Ok(())
}

fn restore(tx: &Transaction<'_>, portal: PortalId, name: &str) -> Result<Option<Snapshot>> {
    let Some((id, snapshot, next, last)) = find(tx, portal, name)? else {
        return Ok(None);
    };
    let tables: Vec<String> = portal_tables(tx)?
        .into_iter()
        .filter(|t| in_snapshot(t))
        .collect();
    empty(tx, portal, &tables)?;
    for table in &tables {
        let source = snapshot_table(table);
        if exists(tx, &source)? {
            copy_rows(tx, table, &source, Some(id), portal, portal)?;
        }
    }
    // Ids are never issued twice: the later counter wins.
    tx.execute(
        "UPDATE portals SET next_contact_id = max(next_contact_id, ?2),
                            last_created_at = max(last_created_at, ?3)
         WHERE id = ?1",
        params![portal.0, next, last],
    )
    .map_err(internal)?;
    bump_generation(tx, portal)?;
    Ok(Some(snapshot))
}

/// Deletes every snapshot row that names one of `ids` (contacts deleted
/// for good), in the caller's transaction.
pub(crate) fn forget(tx: &Transaction<'_>, portal: PortalId, ids: &[ContactId]) -> Result<()> {
    let tables: Vec<String> = tx
        .prepare_cached(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, length(?1)) = ?1",
        )
        .and_then(|mut stmt| {
            stmt.query_map([SNAPSHOT_PREFIX], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .map_err(internal)?;
    for table in tables {
        let (names, _) = columns(tx, &table)?;
        let person: Vec<String> = names
            .iter()
            .filter(|c| {
                PERSON_COLUMNS.contains(&c.as_str())
                    || (table == snapshot_table("contacts") && c.as_str() == "id")
            })
            .map(|c| format!("\"{c}\" = ?2"))
            .collect();
        if person.is_empty() {
            continue;
        }
        let sql = format!(
            "DELETE FROM \"{table}\" WHERE portal_id = ?1 AND ({})",
            person.join(" OR ")
        );
        for id in ids {
            tx.execute(&sql, params![portal.0, id.0])
                .map_err(internal)?;
        }
    }
    Ok(())
}

/// The portal's caches and search index, again from the database.
fn refresh(store: &SqliteStore, conn: &Connection, portal: PortalId) -> Result<()> {
    store.forget_portal(portal);
    let schema = load_schema(conn, portal)?;
    store.indexes().rebuild(conn, portal, &schema)
}

#[async_trait]
impl SnapshotStore for SqliteStore {
    async fn take_snapshot(
        &self,
        portal: PortalId,
        name: &str,
        at: Timestamp,
    ) -> Result<Option<Snapshot>> {
        let name = name.to_string();
        self.connections()
            .write(move |tx| take(tx, portal, &name, at))
            .await
    }

    async fn snapshots(&self, portal: PortalId) -> Result<Vec<Snapshot>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {SNAPSHOT_COLUMNS} FROM portal_snapshots WHERE portal_id = ?1 ORDER BY id"
                ))
                .map_err(internal)?;
            let rows = stmt.query_map([portal.0], snapshot_row).map_err(internal)?;
            rows.map(|r| r.map(|(_, s, _, _)| s))
                .collect::<rusqlite::Result<_>>()
                .map_err(internal)
        })
    }

    async fn restore_snapshot(&self, portal: PortalId, name: &str) -> Result<Option<Snapshot>> {
        let name = name.to_string();
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| restore(tx, portal, &name),
                move |conn, restored| match restored {
                    Some(_) => refresh(&store, conn, portal),
                    None => Ok(()),
                },
            )
            .await
    }

    async fn delete_snapshot(&self, portal: PortalId, name: &str) -> Result<bool> {
        let name = name.to_string();
        self.connections()
            .write(move |tx| {
                let Some((id, ..)) = find(tx, portal, &name)? else {
                    return Ok(false);
                };
                let tables: Vec<String> = tx
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?1) = ?2")
                    .and_then(|mut stmt| {
                        stmt.query_map(params![SNAPSHOT_PREFIX.len() as i64, SNAPSHOT_PREFIX], |r| r.get(0))?
                            .collect()
                    })
                    .map_err(internal)?;
                for table in tables {
                    tx.execute(
                        &format!("DELETE FROM \"{table}\" WHERE portal_id = ?1 AND snapshot_id = ?2"),
                        params![portal.0, id],
                    )
                    .map_err(internal)?;
                }
                tx.execute(
                    "DELETE FROM portal_snapshots WHERE portal_id = ?1 AND id = ?2",
                    params![portal.0, id],
                )
                .map_err(internal)?;
                Ok(true)
            })
            .await
    }

    async fn copy_portal(&self, from: PortalId, into: PortalId, data: bool) -> Result<()> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    let tables: Vec<String> = if data {
                        portal_tables(tx)?
                            .into_iter()
                            .filter(|t| in_snapshot(t))
                            .collect()
                    } else {
                        DEFINITIONS.iter().map(|t| t.to_string()).collect()
                    };
                    empty(tx, into, &tables)?;
                    for table in &tables {
                        copy_rows(tx, table, table, None, into, from)?;
                    }
                    if data {
                        tx.execute(
                            "UPDATE portals SET (next_contact_id, last_created_at) =
                               (SELECT next_contact_id, last_created_at FROM portals WHERE id = ?2)
                             WHERE id = ?1",
                            params![into.0, from.0],
                        )
                        .map_err(internal)?;
                    }
                    bump_generation(tx, into)
                },
                move |conn, _| refresh(&store, conn, into),
            )
            .await
    }
}
