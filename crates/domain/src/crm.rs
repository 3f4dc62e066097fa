//! The operations every HTTP façade (v3, date-versioned, legacy v1) calls:
//! validation, lookups and paging on top of a [`Store`].

use crate::contact::{
    property_history, unique_key, ChangeSource, Contact, ContactLookup, ContactWrite,
    PropertyHistory,
};
use crate::error::{Error, Result};
use crate::ids::{ContactId, PortalId};
use crate::property::{InputValue, PropertySchema};
use crate::store::{ArchiveOutcome, ListQuery, Store};
use crate::time::Timestamp;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// Largest page of a contact listing.
pub const MAX_PAGE_SIZE: usize = 100;
/// Largest page when property history is requested.
pub const MAX_PAGE_SIZE_WITH_HISTORY: usize = 50;

/// A page of contacts and the cursor of the next one.
#[derive(Clone, Debug)]
pub struct ContactPage {
    pub contacts: Vec<Contact>,
    pub next_after: Option<ContactId>,
}

/// Tokens are stored only as their SHA-256 digest. A lookup by digest leaks
/// nothing useful through timing: matching a digest prefix says nothing
/// about the token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A new private-app access token, shaped like HubSpot's (`pat-na1-<uuid>`,
/// 122 random bits).
pub fn generate_token() -> String {
    format!("pat-na1-{}", uuid::Uuid::new_v4())
}

/// A token a user chose (for scripts and CI) must look like a bearer token.
pub fn validate_chosen_token(token: &str) -> Result<(), String> {
    if token.len() < 16 || token.len() > 512 {
        return Err("an access token must be 16 to 512 characters long".into());
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("an access token may contain only printable ASCII without spaces".into());
    }
    Ok(())
}

#[derive(Clone)]
pub struct Crm {
    store: Arc<dyn Store>,
}

impl Crm {
    pub fn new(store: Arc<dyn Store>) -> Crm {
        Crm { store }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The portal a bearer token belongs to.
    pub async fn authenticate(&self, token: &str) -> Result<PortalId> {
        self.store
            .portal_for_token(token_hash(token))
            .await?
            .ok_or_else(|| {
                Error::Unauthenticated(
                    "The access token used to make this call is not valid. Check that it was copied in full and belongs to this Spoke server.".into(),
                )
            })
    }

    pub async fn schema(&self, portal: PortalId) -> Result<Arc<PropertySchema>> {
        self.store.property_schema(portal).await
    }

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
        let changes = self.schema(portal).await?.validate_write(input)?;
        let write = ContactWrite {
            changes,
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
        let changes = self.schema(portal).await?.validate_write(input)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_look_like_hubspot_private_app_tokens() {
        let token = generate_token();
        assert!(token.starts_with("pat-na1-"));
        assert_eq!(token.len(), "pat-na1-".len() + 36);
        assert_ne!(token, generate_token());
        assert!(validate_chosen_token(&token).is_ok());
    }

    #[test]
    fn chosen_tokens_must_be_plausible() {
        assert!(validate_chosen_token("short").is_err());
        assert!(validate_chosen_token("has a space in it here").is_err());
        assert!(validate_chosen_token(&"x".repeat(513)).is_err());
    }

    #[test]
    fn token_hash_is_sha256() {
        assert_eq!(token_hash("abc")[..4], [0xba, 0x78, 0x16, 0xbf],);
    }
}
