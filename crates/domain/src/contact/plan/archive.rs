//! Archiving contacts (HubSpot's soft delete): the row stays, hidden; its
//! identifying values are freed for other contacts.

use super::{
    held, swap_identities, Changes, Effects, HistoryEntry, Overlay, Planned, Planner, Snapshot,
    Wanted,
};
use crate::contact::{ChangeKind, ChangeSource, ContactState, StoredContact};
use crate::error::Result;
use crate::ids::ContactId;
use crate::property::PropertySchema;
use crate::store::ArchiveOutcome;
use crate::time::Timestamp;
use std::sync::Arc;

/// Plans the archiving of contacts by id, one outcome per id.
pub struct ArchivePlanner {
    schema: Arc<PropertySchema>,
    ids: Vec<ContactId>,
    at: Timestamp,
    snapshot: Snapshot,
}

impl ArchivePlanner {
    pub fn new(schema: Arc<PropertySchema>, ids: Vec<ContactId>, at: Timestamp) -> ArchivePlanner {
        ArchivePlanner {
            schema,
            ids,
            at,
            snapshot: Snapshot::default(),
        }
    }

    pub fn plan(self) -> Result<Planned<Vec<ArchiveOutcome>>> {
        let mut overlay = Overlay::new(&self.snapshot);
        let mut changes = Changes::default();
        let mut outcomes = Vec::with_capacity(self.ids.len());
        for id in self.ids.iter().copied() {
            let outcome = match overlay.resolve(id).cloned() {
                None => ArchiveOutcome::NotFound,
                Some(row) if row.state == ContactState::Archived => ArchiveOutcome::AlreadyArchived,
                Some(row) if row.state != ContactState::Active => ArchiveOutcome::NotFound,
                Some(row) => {
                    let mut effects = Effects::default();
                    let identities = held(&self.schema, &row);
                    swap_identities(&overlay, &mut effects, row.id(), &identities, &[])?;
                    let mut contact = row.contact.clone();
                    contact.archived_at = Some(self.at);
                    effects.history.push(HistoryEntry::new(
                        contact.id,
                        ChangeKind::Archived,
                        self.at,
                        ChangeSource::api(),
                    ));
                    effects.rows.push((
                        contact.id,
                        Some(StoredContact {
                            contact,
                            state: ContactState::Archived,
                            merged_into: None,
                        }),
                    ));
                    overlay.apply(effects, &mut changes);
                    ArchiveOutcome::Archived
                }
            };
            outcomes.push(outcome);
        }
        Ok(Planned {
            outcome: outcomes,
            changes: overlay.finish(changes),
        })
    }
}

impl Planner for ArchivePlanner {
    fn wanted(&self) -> Option<Wanted> {
        let mut wanted = Wanted::default();
        for id in &self.ids {
            match self.snapshot.contacts.get(id) {
                None => {
                    wanted.contacts.insert(*id);
                }
                Some(Some(row)) if row.state == ContactState::Merged => {
                    wanted.contacts.extend(row.merged_into);
                }
                Some(_) => {}
            }
        }
        self.snapshot.missing(wanted)
    }

    fn give(&mut self, snapshot: Snapshot) {
        self.snapshot.extend(snapshot);
    }
}
