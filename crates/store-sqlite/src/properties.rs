//! Property definitions and groups, and the per-portal schema cache.

use crate::contacts::key_range;
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use spoke_domain::contact::unique_key;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::rules::reencode_value;
use spoke_domain::property::{standard, PropertyDefinition, PropertyGroup, PropertySchema};
use spoke_domain::store::PropertyStore;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::collections::BTreeMap;
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

/// How many refused values a failed type change quotes.
const QUOTED_FAILURES: usize = 3;

/// Rewrites every stored value of `def.name` in the form `def` requires,
/// and rebuilds its unique values when it has them. Fails without writing
/// when a value cannot be kept.
fn reencode_values(tx: &Transaction<'_>, portal: PortalId, def: &PropertyDefinition) -> Result<()> {
    let path = format!("$.\"{}\"", def.name);
    let rows: Vec<(i64, i64, i64, String)> = {
        let mut stmt = tx
            .prepare(
                "SELECT key, id, state, properties FROM contacts
                 WHERE key BETWEEN ?1 AND ?2 AND json_extract(properties, ?3) IS NOT NULL",
            )
            .map_err(internal)?;
        let (first, last) = key_range(portal, ContactId(1));
        let mapped = stmt
            .query_map(params![first, last, path], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(internal)?;
        mapped.collect::<rusqlite::Result<_>>().map_err(internal)?
    };
    let mut failures = Vec::new();
    let mut rewritten = Vec::new();
    for (key, id, state, json) in rows {
        let mut properties: BTreeMap<String, String> =
            serde_json::from_str(&json).map_err(internal)?;
        let Some(old) = properties.get(&def.name).cloned() else {
            continue;
        };
        match reencode_value(def, &old) {
            Ok(Some(new)) => {
                if new != old {
                    properties.insert(def.name.clone(), new.clone());
                    rewritten.push((key, properties));
                }
                if def.has_unique_value && state == 0 {
                    rewritten_unique(tx, portal, def, id, &old, &new)?;
                }
            }
            Ok(None) => {
                properties.remove(&def.name);
                rewritten.push((key, properties));
            }
            Err(problem) => failures.push(format!("contact {id}: {}", problem.message)),
        }
    }
    if !failures.is_empty() {
        let quoted: Vec<&str> = failures
            .iter()
            .take(QUOTED_FAILURES)
            .map(String::as_str)
            .collect();
        return Err(Error::invalid_field(
            "type",
            format!(
                "Property \"{}\" cannot change to type \"{}\" with field type \"{}\": {} stored value(s) would not survive, e.g. {}.",
                def.name,
                def.property_type.as_str(),
                def.field_type.as_str(),
                failures.len(),
                quoted.join("; ")
            ),
        ));
    }
    let mut update = tx
        .prepare_cached("UPDATE contacts SET properties = ?2 WHERE key = ?1")
        .map_err(internal)?;
    for (key, properties) in rewritten {
        let json = serde_json::to_string(&properties).map_err(internal)?;
        update.execute(params![key, json]).map_err(internal)?;
    }
    Ok(())
}

/// Moves a contact's unique value to its re-encoded form.
fn rewritten_unique(
    tx: &Transaction<'_>,
    portal: PortalId,
    def: &PropertyDefinition,
    contact: i64,
    old: &str,
    new: &str,
) -> Result<()> {
    let (old_key, new_key) = (unique_key(old), unique_key(new));
    if old_key == new_key {
        return Ok(());
    }
    tx.execute(
        "DELETE FROM unique_values WHERE portal_id = ?1 AND property = ?2 AND value = ?3 AND contact_id = ?4",
        params![portal.0, def.name, old_key, contact],
    )
    .map_err(internal)?;
    let holder: Option<i64> = tx
        .query_row(
            "SELECT contact_id FROM unique_values WHERE portal_id = ?1 AND property = ?2 AND value = ?3",
            params![portal.0, def.name, new_key],
            |r| r.get(0),
        )
        .optional()
        .map_err(internal)?;
    if let Some(other) = holder {
        return Err(Error::invalid_field(
            "type",
            format!(
                "Property \"{}\" cannot change type: contacts {other} and {contact} would both hold the unique value \"{new}\".",
                def.name
            ),
        ));
    }
    tx.execute(
        "INSERT INTO unique_values (portal_id, property, value, contact_id) VALUES (?1, ?2, ?3, ?4)",
        params![portal.0, def.name, new_key, contact],
    )
    .map(drop)
    .map_err(internal)
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
