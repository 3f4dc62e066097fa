//! Property and group definitions: listing, reading, and the rules of
//! [`crate::property::rules`] applied on top of the store.

use super::Crm;
use crate::error::{Error, Result};
use crate::ids::PortalId;
use crate::property::rules::{
    changes_values, new_group, new_property, updated_group, updated_property, GroupInput,
    PropertyInput,
};
use crate::property::{PropertyDefinition, PropertyGroup};
use crate::time::Timestamp;

fn property_not_found(name: &str) -> Error {
    Error::NotFound(format!("Property {name} does not exist"))
}

fn group_not_found(name: &str) -> Error {
    Error::NotFound(format!("Property group {name} does not exist"))
}

impl Crm {
    /// Active definitions, or archived ones only, sorted by name.
    pub async fn list_properties(
        &self,
        portal: PortalId,
        archived: bool,
    ) -> Result<Vec<PropertyDefinition>> {
        let schema = self.schema(portal).await?;
        let mut all: Vec<PropertyDefinition> = schema
            .all()
            .filter(|d| d.archived == archived)
            .cloned()
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    /// One definition, active or (with `archived`) archived.
    pub async fn get_property(
        &self,
        portal: PortalId,
        name: &str,
        archived: bool,
    ) -> Result<PropertyDefinition> {
        self.schema(portal)
            .await?
            .get_including_archived(name)
            .filter(|d| d.archived == archived)
            .cloned()
            .ok_or_else(|| property_not_found(name))
    }

    pub async fn create_property(
        &self,
        portal: PortalId,
        input: &PropertyInput,
    ) -> Result<PropertyDefinition> {
        let schema = self.schema(portal).await?;
        let groups = self.store.property_groups(portal).await?;
        let def = new_property(input, &schema, &groups, Timestamp::now())?;
        self.store.create_property(portal, def).await
    }

    pub async fn update_property(
        &self,
        portal: PortalId,
        name: &str,
        input: &PropertyInput,
    ) -> Result<PropertyDefinition> {
        let existing = self.get_property(portal, name, false).await?;
        let groups = self.store.property_groups(portal).await?;
        let def = updated_property(&existing, input, &groups, Timestamp::now())?;
        let reencode = changes_values(&existing, &def);
        self.store.replace_property(portal, def, reencode).await
    }

    /// Archives a custom property; archiving it again is a no-op.
    pub async fn archive_property(&self, portal: PortalId, name: &str) -> Result<()> {
        let schema = self.schema(portal).await?;
        let def = schema
            .get_including_archived(name)
            .ok_or_else(|| property_not_found(name))?;
        if def.hubspot_defined || !def.archivable {
            return Err(Error::invalid(format!(
                "\"{name}\" is a HubSpot-defined property and cannot be archived."
            )));
        }
        if def.archived {
            return Ok(());
        }
        self.store
            .archive_property(portal, name, Timestamp::now())
            .await
    }

    /// Active groups, in display order then name.
    pub async fn list_groups(&self, portal: PortalId) -> Result<Vec<PropertyGroup>> {
        let mut groups: Vec<PropertyGroup> = self
            .store
            .property_groups(portal)
            .await?
            .into_iter()
            .filter(|g| !g.archived)
            .collect();
        groups.sort_by(|a, b| (a.display_order, &a.name).cmp(&(b.display_order, &b.name)));
        Ok(groups)
    }

    pub async fn get_group(&self, portal: PortalId, name: &str) -> Result<PropertyGroup> {
        self.store
            .property_groups(portal)
            .await?
            .into_iter()
            .find(|g| g.name == name && !g.archived)
            .ok_or_else(|| group_not_found(name))
    }

    pub async fn create_group(
        &self,
        portal: PortalId,
        input: &GroupInput,
    ) -> Result<PropertyGroup> {
        let groups = self.store.property_groups(portal).await?;
        let group = new_group(input, &groups)?;
        self.store.create_group(portal, group).await
    }

    pub async fn update_group(
        &self,
        portal: PortalId,
        name: &str,
        input: &GroupInput,
    ) -> Result<PropertyGroup> {
        let existing = self.get_group(portal, name).await?;
        if existing.hubspot_defined {
            return Err(Error::invalid(format!(
                "\"{name}\" is a HubSpot-defined property group and cannot be changed."
            )));
        }
        let group = updated_group(&existing, input)?;
        self.store.replace_group(portal, group).await
    }

    /// Archives an empty custom group.
    pub async fn archive_group(&self, portal: PortalId, name: &str) -> Result<()> {
        let mut group = self.get_group(portal, name).await?;
        if group.hubspot_defined {
            return Err(Error::invalid(format!(
                "\"{name}\" is a HubSpot-defined property group and cannot be archived."
            )));
        }
        let schema = self.schema(portal).await?;
        let mut members: Vec<&str> = schema
            .active()
            .filter(|d| d.group_name == name)
            .map(|d| d.name.as_str())
            .collect();
        if !members.is_empty() {
            members.sort_unstable();
            return Err(Error::invalid(format!(
                "Property group \"{name}\" still holds properties ({}); move or archive them first.",
                members.join(", ")
            )));
        }
        group.archived = true;
        self.store.replace_group(portal, group).await.map(drop)
    }
}
