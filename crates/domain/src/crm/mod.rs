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
use crate::search::{SearchHits, SearchRequest};
use crate::store::Store;
use crate::time::Timestamp;
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

#[derive(Clone)]
pub struct Crm {
    store: Arc<dyn Store>,
}

impl Crm {
    pub fn new(store: Arc<dyn Store>) -> Crm {
        Crm { store }
    }

    /// The contact a lookup finds, active or (with `archived`) archived.
    pub async fn find_contact(
        &self,
        portal: PortalId,
        lookup: &crate::contact::ContactLookup,
        archived: bool,
    ) -> Result<Option<Contact>> {
        self.store.find_contact(portal, lookup, archived).await
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

    /// Runs a search as the portal's search index would answer it: with a
    /// search lag set ([`crate::sandbox::faults`]), contacts written less
    /// than that long ago are not found.
    async fn run_search(&self, portal: PortalId, mut request: SearchRequest) -> Result<SearchHits> {
        let lag = self.store.faults(portal).await?.search_lag_ms;
        if lag > 0 {
            let cutoff = Timestamp::now().millis() - lag as i64;
            request.hide_written_since(cutoff);
        }
        self.store.search(portal, request).await
    }
}
