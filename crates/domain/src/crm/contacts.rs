//! Contact operations: validation, lookups, paging and history.

use super::{ContactPage, Crm};
use crate::contact::{
    property_history, unique_key, ChangeSource, Contact, ContactLookup, ContactWrite,
    PropertyHistory,
};
use crate::error::{Error, Result};
use crate::ids::{ContactId, PortalId};
use crate::property::InputValue;
use crate::store::{ArchiveOutcome, ListQuery};
use crate::time::Timestamp;
use std::collections::HashMap;

impl Crm {
    /// Resolves a path id, read as a contact id or, with `id_property`, as
    /// the value of an identifying property.
    pub async fn lookup(
        &self,
        portal: PortalId,
        id: &str,
        id_property: Option<&str>,
    ) -> Result<ContactLookup> {
        match id_property {
            None | Some("hs_object_id") => {
                ContactId::parse(id).map(ContactLookup::Id).ok_or_else(|| {
                    Error::NotFound("Object not found.  objectId are usually numeric.".into())
                })
            }
            Some(property) => {
                let schema = self.schema(portal).await?;
                match schema.get(property) {
                    Some(def) if def.identifies_contact() => Ok(ContactLookup::Unique {
                        property: property.to_string(),
                        key: unique_key(id.trim()),
                    }),
                    Some(_) => Err(Error::invalid_field(
                        "idProperty",
                        format!("Property \"{property}\" cannot be used as idProperty: its values are not unique."),
                    )),
                    None => Err(Error::invalid_field(
                        "idProperty",
                        format!("Property \"{property}\" does not exist"),
                    )),
                }
            }
        }
    }

    pub async fn create_contact(
        &self,
        portal: PortalId,
        input: &[(String, InputValue)],
        source: ChangeSource,
    ) -> Result<Contact> {
        let named: Vec<&str> = names(input).collect();
        let schema = self.schema_for(portal, named).await?;
        let write = ContactWrite {
            changes: schema.validate_write(input)?,
            source,
            at: Timestamp::now(),
        };
        self.store.create_contact(portal, write).await
    }

    /// An active contact, or an archived one when `archived` is true.
    pub async fn get_contact(
        &self,
        portal: PortalId,
        lookup: &ContactLookup,
        archived: bool,
    ) -> Result<Contact> {
        self.store
            .find_contact(portal, lookup, archived)
            .await?
            .ok_or_else(|| Error::NotFound("resource not found".into()))
    }

    pub async fn update_contact(
        &self,
        portal: PortalId,
        lookup: &ContactLookup,
        input: &[(String, InputValue)],
        source: ChangeSource,
    ) -> Result<Contact> {
        let named: Vec<&str> = names(input).collect();
        let changes = self
            .schema_for(portal, named)
            .await?
            .validate_write(input)?;
        let id = self.get_contact(portal, lookup, false).await?.id;
        let write = ContactWrite {
            changes,
            source,
            at: Timestamp::now(),
        };
        self.store.update_contact(portal, id, write).await
    }

    /// Archives an active contact; archiving an archived one is a no-op.
    pub async fn archive_contact(&self, portal: PortalId, lookup: &ContactLookup) -> Result<()> {
        let id = match lookup {
            ContactLookup::Id(id) => *id,
            unique => self.get_contact(portal, unique, false).await?.id,
        };
        match self.store.archive_contact(portal, id).await? {
            ArchiveOutcome::Archived | ArchiveOutcome::AlreadyArchived => Ok(()),
            ArchiveOutcome::NotFound => Err(Error::NotFound("resource not found".into())),
        }
    }

    /// Restores an archived contact by id (within 90 days of its archiving).
    pub async fn restore_contact(&self, portal: PortalId, id: &str) -> Result<Contact> {
        let id = ContactId::parse(id.trim())
            .ok_or_else(|| Error::NotFound(format!("\"{id}\" is not a contact id.")))?;
        if self.store.portal(portal).await?.is_none() {
            return Err(crate::access::service::no_portal(portal));
        }
        self.store.restore_contact(portal, id).await
    }

    /// One page of contacts in id order, starting at `after` (HubSpot's
    /// cursor is the id of the next record). Contacts created during a walk
    /// have higher ids and so appear once, at its end.
    pub async fn list_contacts(
        &self,
        portal: PortalId,
        after: Option<ContactId>,
        limit: usize,
        archived: bool,
    ) -> Result<ContactPage> {
        let mut contacts = self
            .store
            .list_contacts(
                portal,
                ListQuery {
                    from: after,
                    limit: limit + 1,
                    archived,
                },
            )
            .await?;
        let next_after = if contacts.len() > limit {
            contacts.pop().map(|c| c.id)
        } else {
            None
        };
        Ok(ContactPage {
            contacts,
            next_after,
        })
    }

    /// History of the named properties for each contact, newest first.
    /// Names that are not active properties are ignored, as HubSpot does.
    pub async fn property_history(
        &self,
        portal: PortalId,
        contacts: &[Contact],
        names: &[String],
    ) -> Result<HashMap<ContactId, PropertyHistory>> {
        let schema = self.schema(portal).await?;
        let names: Vec<String> = names
            .iter()
            .filter(|n| schema.get(n).is_some())
            .cloned()
            .collect();
        let ids: Vec<ContactId> = contacts.iter().map(|c| c.id).collect();
        let mut changes = self.store.recorded_changes(portal, &ids).await?;
        Ok(contacts
            .iter()
            .map(|c| {
                let recorded = changes.remove(&c.id).unwrap_or_default();
                (c.id, property_history(c, &recorded, &names))
            })
            .collect())
    }
}

/// The property names of a write.
pub(crate) fn names(input: &[(String, InputValue)]) -> impl Iterator<Item = &str> {
    input.iter().map(|(name, _)| name.as_str())
}
