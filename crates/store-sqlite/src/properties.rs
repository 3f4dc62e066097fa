//! Property definitions and groups, and the per-portal schema cache.

use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, Transaction};
use spoke_domain::ids::PortalId;
use spoke_domain::property::{standard, PropertyDefinition, PropertySchema};
use spoke_domain::store::PropertyStore;
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::sync::{Arc, PoisonError};

/// Adds every standard group and property the portal lacks. Run when a
/// portal is created and at every start, so a newer Spoke's catalogue
/// reaches existing portals.
pub(crate) fn install_standard(tx: &Transaction<'_>, portal: PortalId) -> Result<()> {
    let now = Timestamp::now();
    for group in standard::contact_groups() {
        let json = serde_json::to_string(&group).map_err(internal)?;
        tx.execute(
            "INSERT OR IGNORE INTO property_groups (portal_id, name, definition) VALUES (?1, ?2, ?3)",
            params![portal.0, group.name, json],
        )
        .map_err(internal)?;
    }
    for mut def in standard::contact_properties() {
        def.created_at = Some(now);
        def.updated_at = Some(now);
        let json = serde_json::to_string(&def).map_err(internal)?;
        tx.execute(
            "INSERT OR IGNORE INTO properties (portal_id, name, definition) VALUES (?1, ?2, ?3)",
            params![portal.0, def.name, json],
        )
        .map_err(internal)?;
    }
    Ok(())
}

fn load_schema(conn: &Connection, portal: PortalId) -> Result<PropertySchema> {
    let mut stmt = conn
        .prepare_cached("SELECT definition FROM properties WHERE portal_id = ?1")
        .map_err(internal)?;
    let rows = stmt
        .query_map([portal.0], |r| r.get::<_, String>(0))
        .map_err(internal)?;
    let mut definitions = Vec::new();
    for json in rows {
        let json = json.map_err(internal)?;
        definitions.push(serde_json::from_str::<PropertyDefinition>(&json).map_err(internal)?);
    }
    Ok(PropertySchema::new(definitions))
}

#[async_trait]
impl PropertyStore for SqliteStore {
    async fn property_schema(&self, portal: PortalId) -> Result<Arc<PropertySchema>> {
        let cache = &self.inner.schemas;
        if let Some(schema) = cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&portal)
        {
            return Ok(Arc::clone(schema));
        }
        let schema = Arc::new(self.connections().read(|conn| load_schema(conn, portal))?);
        cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(portal, Arc::clone(&schema));
        Ok(schema)
    }
}
