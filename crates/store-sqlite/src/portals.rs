//! Portals and access tokens.

use crate::{internal, properties, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Transaction};
use spoke_domain::ids::PortalId;
use spoke_domain::store::{DefaultPortal, PortalStore};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::sync::PoisonError;

/// Portal ids stay below 2^23 so contact keys fit in 63 bits.
const MAX_PORTALS: i64 = 1 << 23;

/// Bound on the token cache; past it the cache starts over.
const MAX_CACHED_TOKENS: usize = 100_000;

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
                        None => (create_portal(tx, "Default portal", true)?, true),
                    };
                    properties::install_standard(tx, portal)?;
                    match chosen {
                        Some(hash) => add_token(tx, portal, hash)?,
                        None if created => add_token(tx, portal, for_new_portal)?,
                        None => {}
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

    async fn create_portal(&self, name: &str, token_hash: [u8; 32]) -> Result<PortalId> {
        let name = name.to_string();
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    let portal = create_portal(tx, &name, false)?;
                    properties::install_standard(tx, portal)?;
                    add_token(tx, portal, token_hash)?;
                    Ok(portal)
                },
                move |_, portal| {
                    store.indexes().add_empty(*portal);
                    Ok(())
                },
            )
            .await
    }

    async fn portal_for_token(&self, token_hash: [u8; 32]) -> Result<Option<PortalId>> {
        let cache = &self.inner.tokens;
        if let Some(portal) = cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&token_hash)
        {
            return Ok(Some(*portal));
        }
        let portal = self.connections().read(|conn| {
            conn.prepare_cached("SELECT portal_id FROM access_tokens WHERE token_hash = ?1")
                .and_then(|mut stmt| stmt.query_row([&token_hash[..]], |r| r.get(0)).optional())
                .map(|id| id.map(PortalId))
                .map_err(internal)
        })?;
        if let Some(portal) = portal {
            let mut cache = cache.write().unwrap_or_else(PoisonError::into_inner);
            if cache.len() >= MAX_CACHED_TOKENS {
                cache.clear();
            }
            cache.insert(token_hash, portal);
        }
        Ok(portal)
    }
}

fn create_portal(tx: &Transaction<'_>, name: &str, is_default: bool) -> Result<PortalId> {
    tx.execute(
        "INSERT INTO portals (name, is_default, created_at) VALUES (?1, ?2, ?3)",
        params![name, is_default, Timestamp::now().millis()],
    )
    .map_err(internal)?;
    let id = tx.last_insert_rowid();
    // Contact rows are keyed by portal_id * 2^40 + id (see the migration).
    if id >= MAX_PORTALS {
        return Err(internal(format!(
            "no portal ids left (limit {MAX_PORTALS})"
        )));
    }
    Ok(PortalId(id))
}

/// Registers a token for a portal; a token already known is left as it is.
fn add_token(tx: &Transaction<'_>, portal: PortalId, token_hash: [u8; 32]) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO access_tokens (token_hash, portal_id, kind, created_at)
         VALUES (?1, ?2, 'private_app', ?3)",
        params![&token_hash[..], portal.0, Timestamp::now().millis()],
    )
    .map(drop)
    .map_err(internal)
}
