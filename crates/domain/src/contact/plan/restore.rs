//! Restoring an archived contact (`POST
//! /_spoke/v1/portals/{portalId}/contacts/{contactId}/restore`): the row is
//! active again and claims its identifying values back, unless another
//! contact holds one of them now (a 409 naming it) or a GDPR delete blocked
//! it. A contact archived longer ago than [`RESTORABLE_FOR_MS`] is gone, as
//! on HubSpot.

use super::{
    key_of, swap_identities, Changes, Effects, HistoryEntry, Overlay, Planned, Planner, Snapshot,
    Wanted,
};
use crate::contact::identities;
use crate::contact::{ChangeKind, ChangeSource, Contact, ContactState, StoredContact};
use crate::error::{Error, Result};
use crate::ids::ContactId;
use crate::property::PropertySchema;
use crate::time::Timestamp;
use std::sync::Arc;

/// How long an archived contact can be restored: HubSpot's 90 days.
pub const RESTORABLE_FOR_MS: i64 = 90 * 24 * 3600 * 1000;

/// Plans the restore of one archived contact.
pub struct RestorePlanner {
    schema: Arc<PropertySchema>,
    id: ContactId,
    at: Timestamp,
    snapshot: Snapshot,
}

impl RestorePlanner {
    pub fn new(schema: Arc<PropertySchema>, id: ContactId, at: Timestamp) -> RestorePlanner {
        RestorePlanner {
            schema,
            id,
            at,
            snapshot: Snapshot::default(),
        }
    }

    pub fn plan(self) -> Result<Planned<Contact>> {
        let mut overlay = Overlay::new(&self.snapshot);
        let mut changes = Changes::default();
        let not_found = || {
            Error::NotFound(format!(
                "No archived contact {} can be restored: it does not exist, was merged or deleted, or was archived more than 90 days ago.",
                self.id
            ))
        };
        let row = match overlay.resolve(self.id).cloned() {
            Some(row) if row.id() == self.id => row,
            _ => return Err(not_found()),
        };
        match (row.state, row.contact.archived_at) {
            (ContactState::Active, _) => {
                return Err(Error::invalid_field(
                    "contactId",
                    format!("Contact {} is not archived.", self.id),
                ))
            }
            (ContactState::Archived, Some(at))
                if self.at.millis() - at.millis() <= RESTORABLE_FOR_MS => {}
            _ => return Err(not_found()),
        }
        let mut effects = Effects::default();
        let claimed = identities(&self.schema, &row.contact.properties);
        swap_identities(&overlay, &mut effects, row.id(), &[], &claimed)?;
        let mut contact = row.contact.clone();
        contact.archived_at = None;
        contact.updated_at = self.at;
        effects.history.push(HistoryEntry::new(
            contact.id,
            ChangeKind::Restored,
            self.at,
            ChangeSource::api(),
        ));
        effects.rows.push((
            contact.id,
            Some(StoredContact {
                contact: contact.clone(),
                state: ContactState::Active,
                merged_into: None,
            }),
        ));
        overlay.apply(effects, &mut changes);
        Ok(Planned {
            outcome: contact,
            changes: overlay.finish(changes),
        })
    }
}

impl Planner for RestorePlanner {
    fn wanted(&self) -> Option<Wanted> {
        let mut wanted = Wanted::default();
        if !self.snapshot.contacts.contains_key(&self.id) {
            wanted.contacts.insert(self.id);
        }
        if let Some(Some(row)) = self.snapshot.contacts.get(&self.id) {
            for identity in identities(&self.schema, &row.contact.properties) {
                wanted.holders.insert(key_of(&identity));
            }
        }
        self.snapshot.missing(wanted)
    }

    fn give(&mut self, snapshot: Snapshot) {
        self.snapshot.extend(snapshot);
    }
}
