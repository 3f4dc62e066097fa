//! Property definitions and groups, and the per-portal schema cache (every
//! change is announced so other nodes drop their copy).

use crate::contacts::persist;
use crate::contacts::row::{decode, COLUMNS};
use crate::db::{client, db, retrying};
use crate::invalidation::{notify, Notice};
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use spoke_domain::contact::StoredContact;
use spoke_domain::ids::PortalId;
use spoke_domain::property::{
    reencode_stored_values, standard, PropertyDefinition, PropertyGroup, PropertySchema,
};
use spoke_domain::store::PropertyStore;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::sync::Arc;
use tokio_postgres::types::Json;

/// Adds every standard group and property the portal lacks; true when it
/// added any. Run when a portal is created and at every start, so a newer
/// Spoke's catalogue reaches existing portals.
pub(crate) async fn install_standard(tx: &Transaction<'_>, portal: PortalId) -> Result<bool> {
    let now = Timestamp::now();
    let groups = standard::contact_groups();
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    let docs: Vec<Json<&PropertyGroup>> = groups.iter().map(Json).collect();
    let added_groups = tx
        .execute(
            "INSERT INTO property_groups (portal_id, name, definition)
             SELECT $1, * FROM unnest($2::text[], $3::jsonb[]) ON CONFLICT DO NOTHING",
            &[&portal.0, &names, &docs],
        )
        .await
        .map_err(db)?;
    let mut defs = standard::contact_properties();
    for def in &mut defs {
        def.created_at = Some(now);
        def.updated_at = Some(now);
    }
    let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
    let docs: Vec<Json<&PropertyDefinition>> = defs.iter().map(Json).collect();
    let added_properties = tx
        .execute(
            "INSERT INTO properties (portal_id, name, definition)
             SELECT $1, * FROM unnest($2::text[], $3::jsonb[]) ON CONFLICT DO NOTHING",
            &[&portal.0, &names, &docs],
        )
        .await
        .map_err(db)?;
    Ok(added_groups + added_properties > 0)
}

pub(crate) async fn load_schema(
    client: &impl GenericClient,
    portal: PortalId,
) -> Result<PropertySchema> {
    let rows = client
        .query(
            "SELECT definition FROM properties WHERE portal_id = $1",
            &[&portal.0],
        )
        .await
        .map_err(db)?;
    let defs = rows
        .iter()
        .map(|row| row.try_get::<_, Json<PropertyDefinition>>(0).map(|j| j.0))
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)?;
    Ok(PropertySchema::new(defs))
}

async fn save_definition(
    tx: &Transaction<'_>,
    portal: PortalId,
    def: &PropertyDefinition,
) -> Result<()> {
    let updated = tx
        .execute(
            "UPDATE properties SET definition = $3 WHERE portal_id = $1 AND name = $2",
            &[&portal.0, &def.name, &Json(def)],
        )
        .await
        .map_err(db)?;
    if updated == 1 {
        Ok(())
    } else {
        Err(Error::NotFound(format!(
            "Property {} does not exist",
            def.name
        )))
    }
}

impl PostgresStore {
    /// Commits a definition change and announces it; this node drops its
    /// own copy at once.
    async fn commit_schema_change(&self, tx: Transaction<'_>, portal: PortalId) -> Result<()> {
        notify(&tx, self.channel(), &Notice::Schema(portal))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Schema(portal));
        Ok(())
    }

    async fn try_replace_property(
        &self,
        portal: PortalId,
        def: &PropertyDefinition,
        reencode: bool,
    ) -> Result<()> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        if reencode {
            // Every contact holding a value, locked: writers of these
            // contacts wait until the values are in their new form.
            let rows = tx
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM contacts c WHERE c.portal_id = $1 AND c.properties ? $2
                         ORDER BY c.contact_id FOR UPDATE"
                    ),
                    &[&portal.0, &def.name],
                )
                .await
                .map_err(db)?;
            let mut holders: Vec<StoredContact> = rows.iter().map(decode).collect::<Result<_>>()?;
            let rewrites = reencode_stored_values(def, &holders)?;
            persist::rewrite_values(&tx, portal, &def.name, &rewrites).await?;
            for rewrite in rewrites {
                if let Some(row) = holders.iter_mut().find(|r| r.id() == rewrite.contact) {
                    row.contact.properties = rewrite.properties;
                }
            }
            save_definition(&tx, portal, def).await?;
            // Search entries follow the new type, for every holder.
            let mut schema = load_schema(&tx, portal).await?;
            schema = PropertySchema::new(schema.all().cloned().map(|d| {
                if d.name == def.name {
                    def.clone()
                } else {
                    d
                }
            }));
            persist::refresh_search_entries(&tx, portal, &schema, &def.name, &holders).await?;
        } else {
            save_definition(&tx, portal, def).await?;
        }
        self.commit_schema_change(tx, portal).await
    }
}

#[async_trait]
impl PropertyStore for PostgresStore {
    async fn property_schema(&self, portal: PortalId) -> Result<Arc<PropertySchema>> {
        if let Some(schema) = self.caches().schema(portal) {
            return Ok(schema);
        }
        self.reload_property_schema(portal).await
    }

    async fn reload_property_schema(&self, portal: PortalId) -> Result<Arc<PropertySchema>> {
        let client = client(self.pool()).await?;
        let schema = Arc::new(load_schema(&client, portal).await?);
        self.caches().keep_schema(portal, Arc::clone(&schema));
        Ok(schema)
    }

    async fn property_groups(&self, portal: PortalId) -> Result<Vec<PropertyGroup>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT definition FROM property_groups WHERE portal_id = $1 ORDER BY name",
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| row.try_get::<_, Json<PropertyGroup>>(0).map(|j| j.0))
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)
    }

    async fn create_property(
        &self,
        portal: PortalId,
        def: PropertyDefinition,
    ) -> Result<PropertyDefinition> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let inserted = tx
            .execute(
                "INSERT INTO properties (portal_id, name, definition) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&portal.0, &def.name, &Json(&def)],
            )
            .await
            .map_err(db)?;
        if inserted == 0 {
            return Err(Error::AlreadyExists(format!(
                "A property named \"{}\" exists already.",
                def.name
            )));
        }
        self.commit_schema_change(tx, portal).await?;
        Ok(def)
    }

    async fn replace_property(
        &self,
        portal: PortalId,
        def: PropertyDefinition,
        reencode: bool,
    ) -> Result<PropertyDefinition> {
        retrying(|| self.try_replace_property(portal, &def, reencode)).await?;
        Ok(def)
    }

    async fn archive_property(&self, portal: PortalId, name: &str, at: Timestamp) -> Result<()> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let row = tx
            .query_opt(
                "SELECT definition FROM properties WHERE portal_id = $1 AND name = $2 FOR UPDATE",
                &[&portal.0, &name],
            )
            .await
            .map_err(db)?
            .ok_or_else(|| Error::NotFound(format!("Property {name} does not exist")))?;
        let mut def: PropertyDefinition =
            row.try_get::<_, Json<PropertyDefinition>>(0).map_err(db)?.0;
        if !def.archived {
            def.archived = true;
            def.archived_at = Some(at);
            def.updated_at = Some(at);
            save_definition(&tx, portal, &def).await?;
        }
        // The archived property's search entries stay in place: searches
        // cannot name an archived property, and its values are kept.
        self.commit_schema_change(tx, portal).await
    }

    async fn create_group(&self, portal: PortalId, group: PropertyGroup) -> Result<PropertyGroup> {
        let client = client(self.pool()).await?;
        let inserted = client
            .execute(
                "INSERT INTO property_groups (portal_id, name, definition) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&portal.0, &group.name, &Json(&group)],
            )
            .await
            .map_err(db)?;
        if inserted == 0 {
            return Err(Error::AlreadyExists(format!(
                "A property group named \"{}\" exists already.",
                group.name
            )));
        }
        Ok(group)
    }

    async fn replace_group(&self, portal: PortalId, group: PropertyGroup) -> Result<PropertyGroup> {
        let client = client(self.pool()).await?;
        let updated = client
            .execute(
                "UPDATE property_groups SET definition = $3 WHERE portal_id = $1 AND name = $2",
                &[&portal.0, &group.name, &Json(&group)],
            )
            .await
            .map_err(db)?;
        if updated == 0 {
            return Err(Error::NotFound(format!(
                "Property group {} does not exist",
                group.name
            )));
        }
        Ok(group)
    }
}
