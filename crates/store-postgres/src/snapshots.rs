//! Snapshots and copies of a portal in PostgreSQL: the rows of every table
//! a snapshot holds ([`in_snapshot`]) copied, in SQL, into a table beside
//! it (`snapshot__<table>`, created and widened as the table needs, under
//! an advisory lock so two nodes never race on the definition), and back.
//! `portal_id` becomes the portal written to; every other column is copied
//! as it is (ids from sequences are never reused, so they cannot clash).

use crate::db::{client, db};
use crate::invalidation::{notify, Notice};
use crate::lists::follow::bump_generation;
use crate::portals::{lock_portal, portal_tables};
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use spoke_domain::ids::PortalId;
use spoke_domain::sandbox::snapshots::{
    in_snapshot, snapshot_table, Snapshot, MAX_SNAPSHOTS, PERSON_COLUMNS,
};
use spoke_domain::sandbox::{DEFINITIONS, SNAPSHOT_PREFIX};
use spoke_domain::store::SnapshotStore;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use tokio_postgres::Row;

/// The advisory lock under which snapshot tables are defined.
const DEFINING_SNAPSHOT_TABLES: i64 = 0x5350_4f4b_534e_4150;

/// A table's columns with their types, in order (none when it does not
/// exist).
async fn columns(tx: &Transaction<'_>, table: &str) -> Result<Vec<(String, String)>> {
    Ok(tx
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
             FROM pg_attribute a
             WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
            &[&table],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Copies `from`'s rows of `source` (all, or one snapshot's) into `table`
/// as `portal`'s.
async fn copy_rows(
    tx: &Transaction<'_>,
    table: &str,
    source: &str,
    snapshot: Option<i64>,
    portal: PortalId,
    from: PortalId,
) -> Result<()> {
    let target = columns(tx, table).await?;
    let source_columns = columns(tx, source).await?;
    let names: Vec<&str> = target
        .iter()
        .map(|(c, _)| c.as_str())
        .filter(|c| source_columns.iter().any(|(s, _)| s == c))
        .collect();
    let values: Vec<String> = names
        .iter()
        .map(|c| {
            if *c == "portal_id" {
                "$1".to_string()
            } else {
                format!("\"{c}\"")
            }
        })
        .collect();
    let sql = format!(
        "INSERT INTO \"{table}\" ({}) SELECT {} FROM \"{source}\" WHERE portal_id = $2{}",
        quoted(&names),
        values.join(", "),
        if snapshot.is_some() {
            " AND snapshot_id = $3"
        } else {
            ""
        }
    );
    match snapshot {
        Some(id) => tx.execute(&sql, &[&portal.0, &from.0, &id]).await,
        None => tx.execute(&sql, &[&portal.0, &from.0]).await,
    }
    .map_err(db)?;
    Ok(())
}

/// The snapshot table beside `table`, made and widened to its columns.
async fn snapshot_table_for(tx: &Transaction<'_>, table: &str) -> Result<String> {
    let snapshot = snapshot_table(table);
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&DEFINING_SNAPSHOT_TABLES],
    )
    .await
    .map_err(db)?;
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS \"{snapshot}\" (snapshot_id BIGINT NOT NULL, LIKE \"{table}\");
         CREATE INDEX IF NOT EXISTS \"{snapshot}_by_snapshot\" ON \"{snapshot}\" (portal_id, snapshot_id);"
    ))
    .await
    .map_err(db)?;
    let have = columns(tx, &snapshot).await?;
    for (column, ty) in columns(tx, table).await? {
        if !have.iter().any(|(c, _)| *c == column) {
            tx.batch_execute(&format!(
                "ALTER TABLE \"{snapshot}\" ADD COLUMN IF NOT EXISTS \"{column}\" {ty}"
            ))
            .await
            .map_err(db)?;
        }
    }
    Ok(snapshot)
}

const SNAPSHOT_COLUMNS: &str = "id, name, created_at, contacts, next_contact_id, last_created_at";

fn snapshot_row(r: &Row) -> (i64, Snapshot, i64, i64) {
    (
        r.get(0),
        Snapshot {
            name: r.get(1),
            created_at: Timestamp::from_stored(r.get(2)),
            contacts: r.get::<_, i64>(3).max(0) as u64,
        },
        r.get(4),
        r.get(5),
    )
}

async fn find(
    client: &impl GenericClient,
    portal: PortalId,
    name: &str,
) -> Result<Option<(i64, Snapshot, i64, i64)>> {
    Ok(client
        .query_opt(
            &format!(
                "SELECT {SNAPSHOT_COLUMNS} FROM portal_snapshots WHERE portal_id = $1 AND name = $2"
            ),
            &[&portal.0, &name],
        )
        .await
        .map_err(db)?
        .as_ref()
        .map(snapshot_row))
}

/// The tables a snapshot holds.
/// Deletes every snapshot row that names one of `ids` (contacts deleted
/// for good), in the caller's transaction.
pub(crate) async fn forget(tx: &Transaction<'_>, portal: PortalId, ids: &[i64]) -> Result<()> {
    let tables: Vec<String> = tx
        .query(
            "SELECT tablename::text FROM pg_tables
             WHERE schemaname = current_schema() AND starts_with(tablename, $1)",
            &[&SNAPSHOT_PREFIX],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for table in tables {
        let person: Vec<String> = columns(tx, &table)
            .await?
            .into_iter()
            .filter(|(c, _)| PERSON_COLUMNS.contains(&c.as_str()))
            .map(|(c, _)| format!("\"{c}\" = ANY($2)"))
            .collect();
        if person.is_empty() {
            continue;
        }
        tx.execute(
            &format!(
                "DELETE FROM \"{table}\" WHERE portal_id = $1 AND ({})",
                person.join(" OR ")
            ),
            &[&portal.0, &ids],
        )
        .await
        .map_err(db)?;
    }
    Ok(())
}

async fn held(tx: &Transaction<'_>) -> Result<Vec<String>> {
    Ok(portal_tables(tx)
        .await?
        .into_iter()
        .filter(|t| in_snapshot(t))
        .collect())
}

async fn empty(tx: &Transaction<'_>, portal: PortalId, tables: &[String]) -> Result<()> {
    for table in tables {
        tx.execute(
            &format!("DELETE FROM \"{table}\" WHERE portal_id = $1"),
            &[&portal.0],
        )
        .await
        .map_err(db)?;
    }
    Ok(())
}

impl PostgresStore {
    /// Announces that the portal's state changed as a whole, then commits.
    async fn commit_changed_portal(&self, tx: Transaction<'_>, portal: PortalId) -> Result<()> {
        bump_generation(&tx, portal).await?;
        notify(&tx, self.channel(), &Notice::Portal(portal))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Portal(portal));
        self.inner.live_lists.forget(portal);
        Ok(())
    }
}

#[async_trait]
impl SnapshotStore for PostgresStore {
    async fn take_snapshot(
        &self,
        portal: PortalId,
        name: &str,
        at: Timestamp,
    ) -> Result<Option<Snapshot>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        // The portal's row, locked: writes to it wait for the snapshot.
        if !lock_portal(&tx, portal).await? {
            return Ok(None);
        }
        if find(&tx, portal, name).await?.is_some() {
            return Err(Error::AlreadyExists(format!(
                "A snapshot named '{name}' already exists in portal {portal}."
            )));
        }
        let row = tx
            .query_one(
                "SELECT count(*), coalesce(max(id), 0) + 1 FROM portal_snapshots WHERE portal_id = $1",
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        let (count, id): (i64, i64) = (row.get(0), row.get(1));
        if count as usize >= MAX_SNAPSHOTS {
            return Err(Error::invalid(format!(
                "Portal {portal} has {MAX_SNAPSHOTS} snapshots, the most it may keep: delete one first."
            )));
        }
        for table in held(&tx).await? {
            let snapshot = snapshot_table_for(&tx, &table).await?;
            let names: Vec<String> = columns(&tx, &table)
                .await?
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            let cols = quoted(&names.iter().map(String::as_str).collect::<Vec<_>>());
            tx.execute(
                &format!(
                    "INSERT INTO \"{snapshot}\" (snapshot_id, {cols}) SELECT $2, {cols} FROM \"{table}\" WHERE portal_id = $1"
                ),
                &[&portal.0, &id],
            )
            .await
            .map_err(db)?;
        }
        let contacts: i64 = tx
            .query_one(
                "SELECT count(*) FROM contacts WHERE portal_id = $1 AND merged_into IS NULL",
                &[&portal.0],
            )
            .await
            .map_err(db)?
            .get(0);
        tx.execute(
            "INSERT INTO portal_snapshots (portal_id, name, id, created_at, contacts, next_contact_id, last_created_at)
             SELECT portal_id, $2, $3, $4, $5, next_contact_id, last_created_at FROM portals WHERE portal_id = $1",
            &[&portal.0, &name, &id, &at.millis(), &contacts],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Some(Snapshot {
            name: name.to_string(),
            created_at: at,
            contacts: contacts.max(0) as u64,
        }))
    }

    async fn snapshots(&self, portal: PortalId) -> Result<Vec<Snapshot>> {
        let client = client(self.pool()).await?;
        Ok(client
            .query(
                &format!(
                    "SELECT {SNAPSHOT_COLUMNS} FROM portal_snapshots WHERE portal_id = $1 ORDER BY id"
                ),
                &[&portal.0],
            )
            .await
            .map_err(db)?
            .iter()
            .map(|r| snapshot_row(r).1)
            .collect())
    }

    async fn restore_snapshot(&self, portal: PortalId, name: &str) -> Result<Option<Snapshot>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        if !lock_portal(&tx, portal).await? {
            return Ok(None);
        }
        let Some((id, snapshot, next, last)) = find(&tx, portal, name).await? else {
            return Ok(None);
        };
        let tables = held(&tx).await?;
        empty(&tx, portal, &tables).await?;
        for table in &tables {
            let source = snapshot_table(table);
            if !columns(&tx, &source).await?.is_empty() {
                copy_rows(&tx, table, &source, Some(id), portal, portal).await?;
            }
        }
        // Ids are never issued twice: the later counter wins.
        tx.execute(
            "UPDATE portals SET next_contact_id = greatest(next_contact_id, $2),
                                last_created_at = greatest(last_created_at, $3)
             WHERE portal_id = $1",
            &[&portal.0, &next, &last],
        )
        .await
        .map_err(db)?;
        self.commit_changed_portal(tx, portal).await?;
        Ok(Some(snapshot))
    }

    async fn delete_snapshot(&self, portal: PortalId, name: &str) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let Some((id, ..)) = find(&tx, portal, name).await? else {
            return Ok(false);
        };
        let tables: Vec<String> = tx
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND starts_with(table_name, $1)",
                &[&SNAPSHOT_PREFIX],
            )
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for table in tables {
            tx.execute(
                &format!("DELETE FROM \"{table}\" WHERE portal_id = $1 AND snapshot_id = $2"),
                &[&portal.0, &id],
            )
            .await
            .map_err(db)?;
        }
        tx.execute(
            "DELETE FROM portal_snapshots WHERE portal_id = $1 AND id = $2",
            &[&portal.0, &id],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn copy_portal(&self, from: PortalId, into: PortalId, data: bool) -> Result<()> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        lock_portal(&tx, from).await?;
        if !lock_portal(&tx, into).await? {
            return Err(spoke_domain::access::service::no_portal(into));
        }
        let tables: Vec<String> = if data {
            held(&tx).await?
        } else {
            DEFINITIONS.iter().map(|t| t.to_string()).collect()
        };
        empty(&tx, into, &tables).await?;
        for table in &tables {
            copy_rows(&tx, table, table, None, into, from).await?;
        }
        if data {
            tx.execute(
                "UPDATE portals SET (next_contact_id, last_created_at, block_floor) =
                   (SELECT next_contact_id, last_created_at, block_floor FROM portals WHERE portal_id = $2)
                 WHERE portal_id = $1",
                &[&into.0, &from.0],
            )
            .await
            .map_err(db)?;
        }
        self.commit_changed_portal(tx, into).await
    }
}
