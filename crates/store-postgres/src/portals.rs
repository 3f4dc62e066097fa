//! Portals and access tokens.

use crate::db::{client, db};
use crate::invalidation::{notify, Notice};
use crate::properties::install_standard;
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::Transaction;
use spoke_domain::ids::PortalId;
use spoke_domain::store::{DefaultPortal, PortalStore};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

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
        match chosen {
            Some(hash) => add_token(&tx, portal, hash).await?,
            None if created => add_token(&tx, portal, for_new_portal).await?,
            None => {}
        }
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Schema(portal));
        Ok(DefaultPortal { portal, created })
    }

    async fn create_portal(&self, name: &str, token_hash: [u8; 32]) -> Result<PortalId> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let row = tx
            .query_one(
                "INSERT INTO portals (name, created_at) VALUES ($1, $2) RETURNING portal_id",
                &[&name, &Timestamp::now().millis()],
            )
            .await
            .map_err(db)?;
        let portal = PortalId(row.get(0));
        install_standard(&tx, portal).await?;
        add_token(&tx, portal, token_hash).await?;
        tx.commit().await.map_err(db)?;
        Ok(portal)
    }

    async fn portal_for_token(&self, token_hash: [u8; 32]) -> Result<Option<PortalId>> {
        if let Some(portal) = self.caches().token(&token_hash) {
            return Ok(Some(portal));
        }
        let reader = self.inner.readers.reader().await?;
        let stmt = reader
            .statement("SELECT portal_id FROM access_tokens WHERE token_hash = $1")
            .await?;
        let portal = reader
            .client()
            .query_opt(&stmt, &[&&token_hash[..]])
            .await
            .map_err(db)?
            .map(|row| PortalId(row.get(0)));
        if let Some(portal) = portal {
            self.caches().keep_token(token_hash, portal);
        }
        Ok(portal)
    }
}

/// Registers a token for a portal; a token already known is left as it is.
async fn add_token(tx: &Transaction<'_>, portal: PortalId, token_hash: [u8; 32]) -> Result<()> {
    tx.execute(
        "INSERT INTO access_tokens (token_hash, portal_id, kind, created_at)
         VALUES ($1, $2, 'private_app', $3) ON CONFLICT DO NOTHING",
        &[&&token_hash[..], &portal.0, &Timestamp::now().millis()],
    )
    .await
    .map(drop)
    .map_err(db)
}
