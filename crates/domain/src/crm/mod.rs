//! The operations every HTTP façade (v3, date-versioned, legacy v1) calls:
//! validation, lookups and paging on top of a [`Store`].

mod batch;
mod contacts;
mod legacy;
mod properties;

pub use batch::{BatchInput, BatchKind, BatchRead, SearchPage};
pub use legacy::{
    lead_guid, profile_token, BatchFailures, LegacyBatchItem, QueryPage, MAX_LEGACY_BATCH,
};

use crate::contact::Contact;
use crate::error::{Error, Result};
use crate::ids::{ContactId, PortalId};
use crate::property::PropertySchema;
use crate::store::Store;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Largest page of a contact listing.
pub const MAX_PAGE_SIZE: usize = 100;
/// Largest page when property history is requested.
pub const MAX_PAGE_SIZE_WITH_HISTORY: usize = 50;

/// Largest number of inputs of one batch request.
pub const MAX_BATCH_INPUTS: usize = 100;
/// Largest batch when property history is requested.
pub const MAX_BATCH_INPUTS_WITH_HISTORY: usize = 50;

/// Refuses a batch above HubSpot's limit, with HubSpot's words.
pub fn check_batch_size(inputs: usize, with_history: bool) -> Result<()> {
    if with_history && inputs > MAX_BATCH_INPUTS_WITH_HISTORY {
        return Err(Error::invalid_field(
            "inputs",
            format!("The maximum number of inputs supported in a batch request for property histories is {MAX_BATCH_INPUTS_WITH_HISTORY}. Please reduce the number of items and try again"),
        ));
    }
    if inputs > MAX_BATCH_INPUTS {
        return Err(Error::invalid_field(
            "inputs",
            format!("The maximum number of inputs supported in a batch is {MAX_BATCH_INPUTS}. Please reduce the number of items and try again"),
        ));
    }
    Ok(())
}

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

    /// The portal's definitions, knowing every property `names` names: a
    /// name this node has not seen is looked up afresh once, since another
    /// node may have created the property a moment ago.
    pub async fn schema_for<'a>(
        &self,
        portal: PortalId,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Arc<PropertySchema>> {
        let schema = self.schema(portal).await?;
        let mut names = names.into_iter();
        if names.all(|n| schema.get_including_archived(n).is_some()) {
            return Ok(schema);
        }
        self.store.reload_property_schema(portal).await
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
