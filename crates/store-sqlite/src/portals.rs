//! Portals: the default one, the ones the admin API creates and deletes,
//! and their limits.

use crate::credentials::{add_credential, allocate_app_id, insert_private_app, portal_exists};
use crate::{internal, properties, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row, Transaction};
use spoke_domain::access::limits::{LimitSettings, LimitsMode, Tier};
use spoke_domain::access::portals::{NewPortal, PortalRecord, PrivateApp};
use spoke_domain::access::scopes::Scopes;
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::sandbox::reset_empties;
use spoke_domain::store::{DefaultPortal, PortalStore};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

/// Portal ids stay below 2^23 so contact keys fit in 63 bits.
const MAX_PORTALS: i64 = 1 << 23;

const PORTAL_COLUMNS: &str = "id, name, tier, is_default, created_at, limits_mode, limit_ten_secondly, limit_daily, limit_search_per_second";

#[async_trait]
impl PortalStore for SqliteStore {
    async fn ensure_default_portal(
        &self,
        chosen: Option<[u8; 32]>,
        for_new_portal: [u8; 32],
    ) -> Result<DefaultPortal> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    let existing: Option<i64> = tx
                        .query_row("SELECT id FROM portals WHERE is_default = 1", [], |r| {
                            r.get(0)
                        })
                        .optional()
                        .map_err(internal)?;
                    let (portal, created) = match existing {
                        Some(id) => (PortalId(id), false),
                        None => (
                            insert_portal(tx, Some("Default portal"), Tier::Free, true)?,
                            true,
                        ),
                    };
                    properties::install_standard(tx, portal)?;
                    let token = match chosen {
                        Some(hash) => Some(hash),
                        None if created => Some(for_new_portal),
                        None => None,
                    };
                    if let Some(hash) = token {
                        let app = bootstrap_app(tx, portal)?;
                        add_credential(
                            tx,
                            hash,
                            portal,
                            "private_app",
                            Some(app),
                            &Scopes::all(),
                            None,
                        )?;
                    }
                    Ok(DefaultPortal { portal, created })
                },
                move |_, default| {
                    store.indexes().add_empty(default.portal);
                    Ok(())
                },
            )
            .await
    }

    async fn create_portal(&self, new: NewPortal) -> Result<(PortalRecord, PrivateApp)> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    let portal = insert_portal(tx, new.name.as_deref(), new.tier, false)?;
                    properties::install_standard(tx, portal)?;
                    let app = insert_private_app(tx, portal, &new.first_app, false)?;
                    let record = read_portal(tx, portal)?
                        .ok_or_else(|| internal("a portal vanished while being created"))?;
                    Ok((record, app))
                },
                move |_, (record, _)| {
                    store.indexes().add_empty(record.id);
                    Ok(())
                },
            )
            .await
    }

    async fn portals(&self) -> Result<Vec<PortalRecord>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare_cached(&format!("SELECT {PORTAL_COLUMNS} FROM portals ORDER BY id"))
                .map_err(internal)?;
            let rows = stmt.query_map([], portal_row).map_err(internal)?;
            rows.collect::<rusqlite::Result<_>>().map_err(internal)
        })
    }

    async fn portal(&self, portal: PortalId) -> Result<Option<PortalRecord>> {
        self.connections().read(|conn| read_portal(conn, portal))
    }

    async fn delete_portal(&self, portal: PortalId) -> Result<bool> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    if !portal_exists(tx, portal)? {
                        return Ok(false);
                    }
                    for table in portal_tables(tx)? {
                        tx.execute(
                            &format!(
                                "DELETE FROM \"{table}\" WHERE {}",
                                portal_rows(&table, "?1")
                            ),
                            [portal.0],
                        )
                        .map_err(internal)?;
                    }
                    tx.execute("DELETE FROM portals WHERE id = ?1", [portal.0])
                        .map_err(internal)?;
                    Ok(true)
                },
                move |_, deleted| {
                    if *deleted {
                        store.forget_portal(portal);
                        store.indexes().remove(portal);
                    }
                    Ok(())
                },
            )
            .await
    }

    async fn reset_portal(&self, portal: PortalId, keep_properties: bool) -> Result<bool> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    if !portal_exists(tx, portal)? {
                        return Ok(false);
                    }
                    for table in portal_tables(tx)? {
                        if reset_empties(&table, keep_properties) {
                            tx.execute(
                                &format!(
                                    "DELETE FROM \"{table}\" WHERE {}",
                                    portal_rows(&table, "?1")
                                ),
                                [portal.0],
                            )
                            .map_err(internal)?;
                        }
                    }
                    if !keep_properties {
                        properties::install_standard(tx, portal)?;
                    }
                    crate::lists::follow::bump_generation(tx, portal)?;
                    Ok(true)
                },
                move |_, reset| {
                    if *reset {
                        store.forget_portal(portal);
                        store.indexes().remove(portal);
                        store.indexes().add_empty(portal);
                    }
                    Ok(())
                },
            )
            .await
    }

    async fn set_limits(
        &self,
        portal: PortalId,
        limits: LimitSettings,
    ) -> Result<Option<PortalRecord>> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    let changed = tx
                        .execute(
                            "UPDATE portals SET limits_mode = ?2, limit_ten_secondly = ?3,
                             limit_daily = ?4, limit_search_per_second = ?5 WHERE id = ?1",
                            params![
                                portal.0,
                                limits.mode.map(LimitsMode::as_str),
                                limits.ten_secondly.map(|n| n as i64),
                                limits.daily.map(|n| n as i64),
                                limits.search_per_second.map(|n| n as i64),
                            ],
                        )
                        .map_err(internal)?;
                    if changed == 0 {
                        return Ok(None);
                    }
                    read_portal(tx, portal)
                },
                move |_, _| {
                    store.forget_credentials_of(portal);
                    Ok(())
                },
            )
            .await
    }
}

impl SqliteStore {
    /// Drops what this node cached about a deleted portal.
    pub(crate) fn forget_portal(&self, portal: PortalId) {
        self.forget_credentials_of(portal);
        self.forget_faults(portal);
        self.live_lists().forget(portal);
        self.inner
            .schemas
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&portal);
    }
}

/// Every table with a `portal_id` column: what a portal's deletion clears.
/// Read from the schema, so that tables added later are cleared too.
pub(crate) fn portal_tables(tx: &Transaction<'_>) -> Result<Vec<String>> {
    let mut stmt = tx
        .prepare(
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND c.name = 'portal_id' ORDER BY m.name",
        )
        .map_err(internal)?;
    let rows = stmt.query_map([], |r| r.get(0)).map_err(internal)?;
    rows.collect::<rusqlite::Result<_>>().map_err(internal)
}

fn insert_portal(
    tx: &Transaction<'_>,
    name: Option<&str>,
    tier: Tier,
    is_default: bool,
) -> Result<PortalId> {
    tx.execute(
        "INSERT INTO portals (name, tier, is_default, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            name.unwrap_or(""),
            tier.as_str(),
            is_default,
            Timestamp::now().millis()
        ],
    )
    .map_err(internal)?;
    let id = tx.last_insert_rowid();
    // Contact rows are keyed by portal_id * 2^40 + id (see the migration).
    if id >= MAX_PORTALS {
        return Err(internal(format!(
            "no portal ids left (limit {MAX_PORTALS})"
        )));
    }
    if name.is_none() {
        tx.execute(
            "UPDATE portals SET name = ?2 WHERE id = ?1",
            params![id, format!("Portal {id}")],
        )
        .map_err(internal)?;
    }
    Ok(PortalId(id))
}

/// The portal's bootstrap app, created when missing.
fn bootstrap_app(tx: &Transaction<'_>, portal: PortalId) -> Result<AppId> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT app_id FROM private_apps WHERE portal_id = ?1 AND bootstrap = 1 ORDER BY app_id LIMIT 1",
            [portal.0],
            |r| r.get(0),
        )
        .optional()
        .map_err(internal)?;
    if let Some(id) = existing {
        return Ok(AppId(id));
    }
    let id = allocate_app_id(tx)?;
    tx.execute(
        "INSERT INTO private_apps (portal_id, app_id, name, scopes, bootstrap, created_at)
         VALUES (?1, ?2, 'Spoke bootstrap token', ?3, 1, ?4)",
        params![
            portal.0,
            id.0,
            Scopes::all().to_stored(),
            Timestamp::now().millis()
        ],
    )
    .map_err(internal)?;
    Ok(id)
}

fn read_portal(conn: &rusqlite::Connection, portal: PortalId) -> Result<Option<PortalRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {PORTAL_COLUMNS} FROM portals WHERE id = ?1"
    ))
    .and_then(|mut stmt| stmt.query_row([portal.0], portal_row).optional())
    .map_err(internal)
}

fn portal_row(row: &Row<'_>) -> rusqlite::Result<PortalRecord> {
    Ok(PortalRecord {
        id: PortalId(row.get(0)?),
        name: row.get(1)?,
        tier: Tier::parse(&row.get::<_, String>(2)?).unwrap_or_default(),
        is_default: row.get(3)?,
        created_at: Timestamp::from_stored(row.get(4)?),
        limits: limit_settings(row, 5)?,
    })
}

/// The limit columns, from `first` on: mode, ten-secondly, daily, search.
pub(crate) fn limit_settings(row: &Row<'_>, first: usize) -> rusqlite::Result<LimitSettings> {
    let count = |i: usize| -> rusqlite::Result<Option<u64>> {
        Ok(row
            .get::<_, Option<i64>>(first + i)?
            .map(|n| n.max(0) as u64))
    };
    Ok(LimitSettings {
        mode: row
            .get::<_, Option<String>>(first)?
            .as_deref()
            .and_then(LimitsMode::parse),
        ten_secondly: count(1)?,
        daily: count(2)?,
        search_per_second: count(3)?,
    })
}

/// The condition choosing a portal's rows of `table` (the portal bound as
/// `param`): `portal_id`, and for contacts also the range of their key,
/// which packs the portal, so SQLite reads the portal's rows only.
pub(crate) fn portal_rows(table: &str, param: &str) -> String {
    if table == "contacts" {
        let bits = crate::contacts::row::CONTACT_ID_BITS;
        format!(
            "key BETWEEN ({param} << {bits}) AND (({param} << {bits}) | {}) AND portal_id = {param}",
            (1i64 << bits) - 1
        )
    } else {
        format!("portal_id = {param}")
    }
}
