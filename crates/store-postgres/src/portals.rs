//! Portals: the default one, the ones the admin API creates and deletes,
//! and their limits.

use crate::credentials::{add_credential, allocate_app_id, insert_private_app};
use crate::db::{client, db};
use crate::invalidation::{notify, Notice};
use crate::properties::install_standard;
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use spoke_domain::access::limits::{LimitSettings, LimitsMode, Tier};
use spoke_domain::access::portals::{NewPortal, PortalRecord, PrivateApp};
use spoke_domain::access::scopes::Scopes;
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::sandbox::reset_empties;
use spoke_domain::store::{DefaultPortal, PortalStore};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use tokio_postgres::Row;

const PORTAL_COLUMNS: &str = "portal_id, name, tier, is_default, created_at, limits_mode, limit_ten_secondly, limit_daily, limit_search_per_second";

#[async_trait]
impl PortalStore for PostgresStore {
    async fn ensure_default_portal(
        &self,
        chosen: Option<[u8; 32]>,
        for_new_portal: [u8; 32],
    ) -> Result<DefaultPortal> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        // Two nodes starting at once on an empty database: the unique index
        // on the default flag lets one insert win; the other finds it.
        let inserted = tx
            .query_opt(
                "INSERT INTO portals (name, is_default, created_at) VALUES ('Default portal', true, $1)
                 ON CONFLICT DO NOTHING RETURNING portal_id",
                &[&Timestamp::now().millis()],
            )
            .await
            .map_err(db)?;
        let (portal, created) = match inserted {
            Some(row) => (PortalId(row.get(0)), true),
            None => {
                let row = tx
                    .query_one("SELECT portal_id FROM portals WHERE is_default", &[])
                    .await
                    .map_err(db)?;
                (PortalId(row.get(0)), false)
            }
        };
        if install_standard(&tx, portal).await? {
            notify(&tx, self.channel(), &Notice::Schema(portal))
                .await
                .map_err(db)?;
        }
        let token = match chosen {
            Some(hash) => Some(hash),
            None if created => Some(for_new_portal),
            None => None,
        };
        if let Some(hash) = token {
            let app = bootstrap_app(&tx, portal).await?;
            add_credential(
                &tx,
                hash,
                portal,
                "private_app",
                Some(app),
                &Scopes::all(),
                None,
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Schema(portal));
        Ok(DefaultPortal { portal, created })
    }

    async fn create_portal(&self, new: NewPortal) -> Result<(PortalRecord, PrivateApp)> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let row = tx
            .query_one(
                "INSERT INTO portals (name, tier, created_at) VALUES ($1, $2, $3) RETURNING portal_id",
                &[&new.name.as_deref().unwrap_or(""), &new.tier.as_str(), &Timestamp::now().millis()],
            )
            .await
            .map_err(db)?;
        let portal = PortalId(row.get(0));
        if new.name.is_none() {
            tx.execute(
                "UPDATE portals SET name = 'Portal ' || portal_id WHERE portal_id = $1",
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        }
        install_standard(&tx, portal).await?;
        let app = insert_private_app(&tx, portal, &new.first_app, false).await?;
        let record = read_portal(&tx, portal).await?.ok_or_else(|| {
            spoke_domain::Error::internal("a portal vanished while being created")
        })?;
        tx.commit().await.map_err(db)?;
        Ok((record, app))
    }

    async fn portals(&self) -> Result<Vec<PortalRecord>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                &format!("SELECT {PORTAL_COLUMNS} FROM portals ORDER BY portal_id"),
                &[],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(portal_row).collect())
    }

    async fn portal(&self, portal: PortalId) -> Result<Option<PortalRecord>> {
        let client = client(self.pool()).await?;
        read_portal(&client, portal).await
    }

    async fn delete_portal(&self, portal: PortalId) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        if !lock_portal(&tx, portal).await? {
            return Ok(false);
        }
        // The portal's row last.
        for table in portal_tables(&tx).await? {
            tx.execute(
                &format!("DELETE FROM \"{table}\" WHERE portal_id = $1"),
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        }
        tx.execute("DELETE FROM portals WHERE portal_id = $1", &[&portal.0])
            .await
            .map_err(db)?;
        notify(&tx, self.channel(), &Notice::Portal(portal))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Portal(portal));
        self.inner.live_lists.forget(portal);
        Ok(true)
    }

    async fn reset_portal(&self, portal: PortalId, keep_properties: bool) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        if !lock_portal(&tx, portal).await? {
            return Ok(false);
        }
        for table in portal_tables(&tx).await? {
            if reset_empties(&table, keep_properties) {
                tx.execute(
                    &format!("DELETE FROM \"{table}\" WHERE portal_id = $1"),
                    &[&portal.0],
                )
                .await
                .map_err(db)?;
            }
        }
        if !keep_properties {
            install_standard(&tx, portal).await?;
        }
        crate::lists::follow::bump_generation(&tx, portal).await?;
        // Definitions and faults may have changed: every node drops its
        // copies of the portal's.
        notify(&tx, self.channel(), &Notice::Portal(portal))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Portal(portal));
        self.inner.live_lists.forget(portal);
        Ok(true)
    }

    async fn set_limits(
        &self,
        portal: PortalId,
        limits: LimitSettings,
    ) -> Result<Option<PortalRecord>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let count = |n: Option<u64>| n.map(|n| n as i64);
        let changed = tx
            .execute(
                "UPDATE portals SET limits_mode = $2, limit_ten_secondly = $3, limit_daily = $4,
                 limit_search_per_second = $5 WHERE portal_id = $1",
                &[
                    &portal.0,
                    &limits.mode.map(LimitsMode::as_str),
                    &count(limits.ten_secondly),
                    &count(limits.daily),
                    &count(limits.search_per_second),
                ],
            )
            .await
            .map_err(db)?;
        if changed == 0 {
            return Ok(None);
        }
        let record = read_portal(&tx, portal).await?;
        notify(&tx, self.channel(), &Notice::Credentials(portal))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Credentials(portal));
        Ok(record)
    }
}

/// The portal's bootstrap app, created when missing.
async fn bootstrap_app(tx: &Transaction<'_>, portal: PortalId) -> Result<AppId> {
    let existing = tx
        .query_opt(
            "SELECT app_id FROM private_apps WHERE portal_id = $1 AND bootstrap ORDER BY app_id LIMIT 1",
            &[&portal.0],
        )
        .await
        .map_err(db)?;
    if let Some(row) = existing {
        return Ok(AppId(row.get(0)));
    }
    let id = allocate_app_id(tx).await?;
    tx.execute(
        "INSERT INTO private_apps (portal_id, app_id, name, scopes, bootstrap, created_at)
         VALUES ($1, $2, 'Spoke bootstrap token', $3, true, $4)",
        &[
            &portal.0,
            &id.0,
            &Scopes::all().to_stored(),
            &Timestamp::now().millis(),
        ],
    )
    .await
    .map_err(db)?;
    Ok(id)
}

async fn read_portal(
    client: &impl GenericClient,
    portal: PortalId,
) -> Result<Option<PortalRecord>> {
    let row = client
        .query_opt(
            &format!("SELECT {PORTAL_COLUMNS} FROM portals WHERE portal_id = $1"),
            &[&portal.0],
        )
        .await
        .map_err(db)?;
    Ok(row.as_ref().map(portal_row))
}

fn portal_row(row: &Row) -> PortalRecord {
    PortalRecord {
        id: PortalId(row.get(0)),
        name: row.get(1),
        tier: Tier::parse(row.get(2)).unwrap_or_default(),
        is_default: row.get(3),
        created_at: Timestamp::from_stored(row.get(4)),
        limits: limit_settings(row, 5),
    }
}

/// The limit columns, from `first` on: mode, ten-secondly, daily, search.
pub(crate) fn limit_settings(row: &Row, first: usize) -> LimitSettings {
    let count = |i: usize| {
        row.get::<_, Option<i64>>(first + i)
            .map(|n| n.max(0) as u64)
    };
    LimitSettings {
        mode: row
            .get::<_, Option<&str>>(first)
            .and_then(LimitsMode::parse),
        ten_secondly: count(1),
        daily: count(2),
        search_per_second: count(3),
    }
}

/// Every table with a portal_id column but `portals`, read from the
/// catalogue, so that tables added later are reached too.
pub(crate) async fn portal_tables(tx: &Transaction<'_>) -> Result<Vec<String>> {
    Ok(tx
        .query(
            "SELECT c.table_name::text FROM information_schema.columns c
             JOIN information_schema.tables t
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND c.column_name = 'portal_id'
               AND t.table_type = 'BASE TABLE' AND c.table_name <> 'portals'
             ORDER BY 1",
            &[],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Locks the portal's row for the transaction; `false` when there is none.
pub(crate) async fn lock_portal(tx: &Transaction<'_>, portal: PortalId) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM portals WHERE portal_id = $1 FOR UPDATE",
            &[&portal.0],
        )
        .await
        .map_err(db)?
        .is_some())
}
