//! Property definitions and groups, and the per-portal schema cache.

use crate::contacts::{contact_columns, decode, key, key_range, read_row};
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use spoke_domain::contact::StoredContact;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::{
    reencode_stored_values, standard, PropertyDefinition, PropertyGroup, PropertySchema,
};
use spoke_domain::store::PropertyStore;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
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

pub(crate) fn load_schema(conn: &Connection, portal: PortalId) -> Result<PropertySchema> {
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

fn load_groups(conn: &Connection, portal: PortalId) -> Result<Vec<PropertyGroup>> {
    let mut stmt = conn
        .prepare_cached("SELECT definition FROM property_groups WHERE portal_id = ?1 ORDER BY name")
        .map_err(internal)?;
    let rows = stmt
        .query_map([portal.0], |r| r.get::<_, String>(0))
        .map_err(internal)?;
    let mut groups = Vec::new();
    for json in rows {
        groups.push(serde_json::from_str(&json.map_err(internal)?).map_err(internal)?);
    }
    Ok(groups)
}

fn save_definition(tx: &Transaction<'_>, portal: PortalId, def: &PropertyDefinition) -> Result<()> {
    let json = serde_json::to_string(def).map_err(internal)?;
    tx.execute(
        "UPDATE properties SET definition = ?3 WHERE portal_id = ?1 AND name = ?2",
        params![portal.0, def.name, json],
    )
    .map_err(internal)
    .and_then(|n| {
        if n == 1 {
            Ok(())
        } else {
            Err(Error::NotFound(format!(
                "Property {} does not exist",
                def.name
            )))
        }
    })
}

/// Rewrites every stored value of `def.name` in the form `def` requires
/// (the domain decides how), moving unique values with them. Fails without
/// writing when a value cannot be kept.
fn reencode_values(tx: &Transaction<'_>, portal: PortalId, def: &PropertyDefinition) -> Result<()> {
    const SQL: &str = concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts WHERE key BETWEEN ?1 AND ?2 AND json_extract(properties, ?3) IS NOT NULL"
    );
    let rows: Vec<StoredContact> = {
        let mut stmt = tx.prepare(SQL).map_err(internal)?;
        let (first, last) = key_range(portal, ContactId(1));
        let mapped = stmt
            .query_map(
                params![first, last, format!("$.\"{}\"", def.name)],
                read_row,
            )
            .map_err(internal)?;
        mapped
            .map(|r| r.map_err(internal).and_then(decode))
            .collect::<Result<_>>()?
    };
    for rewrite in reencode_stored_values(def, &rows)? {
        let json = serde_json::to_string(&rewrite.properties).map_err(internal)?;
        tx.prepare_cached("UPDATE contacts SET properties = ?2 WHERE key = ?1")
            .and_then(|mut stmt| stmt.execute(params![key(portal, rewrite.contact), json]))
            .map_err(internal)?;
        if let Some((old, new)) = rewrite.unique {
            tx.prepare_cached(
                "DELETE FROM unique_values
                 WHERE portal_id = ?1 AND property = ?2 AND value = ?3 AND contact_id = ?4",
            )
            .and_then(|mut stmt| stmt.execute(params![portal.0, def.name, old, rewrite.contact.0]))
            .map_err(internal)?;
            if let Some(new) = new {
                tx.prepare_cached(
                    "INSERT INTO unique_values (portal_id, property, value, contact_id)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![portal.0, def.name, new, rewrite.contact.0])
                })
                .map_err(internal)?;
            }
        }
    }
    Ok(())
}

impl SqliteStore {
    /// Drops the cached schema of a portal after its definitions changed.
    fn forget_schema(&self, portal: PortalId) {
        self.inner
            .schemas
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&portal);
    }
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

    async fn property_groups(&self, portal: PortalId) -> Result<Vec<PropertyGroup>> {
        self.connections().read(|conn| load_groups(conn, portal))
    }

    async fn create_property(
        &self,
        portal: PortalId,
        def: PropertyDefinition,
    ) -> Result<PropertyDefinition> {
        let created = self
            .connections()
            .write(move |tx| {
                let json = serde_json::to_string(&def).map_err(internal)?;
                let inserted = tx
                    .execute(
                        "INSERT OR IGNORE INTO properties (portal_id, name, definition) VALUES (?1, ?2, ?3)",
                        params![portal.0, def.name, json],
                    )
                    .map_err(internal)?;
                if inserted == 0 {
                    return Err(Error::AlreadyExists(format!(
                        "A property named \"{}\" exists already.",
                        def.name
                    )));
                }
                Ok(def)
            })
            .await;
        self.forget_schema(portal);
        created
    }

    async fn replace_property(
        &self,
        portal: PortalId,
        def: PropertyDefinition,
        reencode: bool,
    ) -> Result<PropertyDefinition> {
        let store = self.clone();
        let replaced = self
            .connections()
            .write_then(
                move |tx| {
                    if reencode {
                        reencode_values(tx, portal, &def)?;
                    }
                    save_definition(tx, portal, &def)?;
                    Ok(def)
                },
                move |conn, _| {
                    // Values were re-encoded: index the portal afresh.
                    if reencode {
                        let schema = load_schema(conn, portal)?;
                        store.indexes().rebuild(conn, portal, &schema)?;
                    }
                    Ok(())
                },
            )
            .await;
        self.forget_schema(portal);
        replaced
    }

    async fn archive_property(&self, portal: PortalId, name: &str, at: Timestamp) -> Result<()> {
        let name = name.to_string();
        let dropped = name.clone();
        let store = self.clone();
        let archived = self
            .connections()
            .write_then(
                move |tx| {
                    let json: Option<String> = tx
                        .query_row(
                            "SELECT definition FROM properties WHERE portal_id = ?1 AND name = ?2",
                            params![portal.0, name],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(internal)?;
                    let mut def: PropertyDefinition = match json {
                        Some(json) => serde_json::from_str(&json).map_err(internal)?,
                        None => {
                            return Err(Error::NotFound(format!("Property {name} does not exist")))
                        }
                    };
                    if !def.archived {
                        def.archived = true;
                        def.archived_at = Some(at);
                        def.updated_at = Some(at);
                        save_definition(tx, portal, &def)?;
                    }
                    Ok(())
                },
                move |_, _| {
                    store.indexes().drop_property(portal, &dropped);
                    Ok(())
                },
            )
            .await;
        self.forget_schema(portal);
        archived
    }

    async fn create_group(&self, portal: PortalId, group: PropertyGroup) -> Result<PropertyGroup> {
        self.connections()
            .write(move |tx| {
                let json = serde_json::to_string(&group).map_err(internal)?;
                let inserted = tx
                    .execute(
                        "INSERT OR IGNORE INTO property_groups (portal_id, name, definition) VALUES (?1, ?2, ?3)",
                        params![portal.0, group.name, json],
                    )
                    .map_err(internal)?;
                if inserted == 0 {
                    return Err(Error::AlreadyExists(format!(
                        "A property group named \"{}\" exists already.",
                        group.name
                    )));
                }
                Ok(group)
            })
            .await
    }

    async fn replace_group(&self, portal: PortalId, group: PropertyGroup) -> Result<PropertyGroup> {
        self.connections()
            .write(move |tx| {
                let json = serde_json::to_string(&group).map_err(internal)?;
                let updated = tx
                    .execute(
                        "UPDATE property_groups SET definition = ?3 WHERE portal_id = ?1 AND name = ?2",
                        params![portal.0, group.name, json],
                    )
                    .map_err(internal)?;
                if updated == 0 {
                    return Err(Error::NotFound(format!(
                        "Property group {} does not exist",
                        group.name
                    )));
                }
                Ok(group)
            })
            .await
    }
}
