//! Merging two contacts: the primary keeps its id and takes the values it
//! lacks, the secondary's emails and its history; the secondary's row stays
//! (merged) so its id resolves to the primary.

use super::{
    active_row, held, swap_identities, Changes, Effects, HistoryEntry, MergeDetails, MergeRecord,
    Overlay, Planned, Planner, Snapshot, Wanted,
};
use crate::contact::{
    identities, merged_values, ChangeKind, ChangeSource, Contact, ContactState, StoredContact,
};
use crate::error::{Error, Result};
use crate::ids::ContactId;
use crate::property::PropertySchema;
use crate::time::Timestamp;
use std::sync::Arc;

/// Plans merging `secondary` into `primary`.
pub struct MergePlanner {
    schema: Arc<PropertySchema>,
    primary: ContactId,
    secondary: ContactId,
    at: Timestamp,
    snapshot: Snapshot,
}

impl MergePlanner {
    pub fn new(
        schema: Arc<PropertySchema>,
        primary: ContactId,
        secondary: ContactId,
        at: Timestamp,
    ) -> MergePlanner {
        MergePlanner {
            schema,
            primary,
            secondary,
            at,
            snapshot: Snapshot::default(),
        }
    }

    fn active(&self, id: ContactId, field: &str) -> Result<Contact> {
        match self.snapshot.contacts.get(&id).and_then(Option::as_ref) {
            Some(row) if row.state == ContactState::Active => Ok(row.contact.clone()),
            Some(row) if row.state == ContactState::Merged => Err(Error::invalid_field(
                field,
                format!("Contact {id} was merged into another contact already."),
            )),
            _ => Err(Error::NotFound(format!("Contact {id} does not exist."))),
        }
    }

    pub fn plan(self) -> Result<Planned<Contact>> {
        if self.primary == self.secondary {
            return Err(Error::invalid_field(
                "objectIdToMerge",
                "A contact cannot be merged with itself.",
            ));
        }
        let kept = self.active(self.primary, "primaryObjectId")?;
        let gone = self.active(self.secondary, "objectIdToMerge")?;
        let values = merged_values(&kept, &gone);
        let mut merged_ids = vec![gone.id];
        let mut earlier = self
            .snapshot
            .merged_into
            .get(&gone.id)
            .cloned()
            .unwrap_or_default();
        earlier.sort();
        merged_ids.extend(earlier);

        let mut overlay = Overlay::new(&self.snapshot);
        let mut changes = Changes::default();

        // The secondary lets go of its identities so the primary can take them.
        let mut effects = Effects::default();
        let gone_identities = held(&self.schema, &active_row(gone.clone()));
        swap_identities(&overlay, &mut effects, gone.id, &gone_identities, &[])?;
        effects.rows.push((
            gone.id,
            Some(StoredContact {
                contact: gone.clone(),
                state: ContactState::Merged,
                merged_into: Some(kept.id),
            }),
        ));
        overlay.apply(effects, &mut changes);

        // Every contact merged into the secondary before, its merge audits
        // and its history now belong to the primary.
        changes.repoints.push((gone.id, kept.id));
        changes.merges.push(MergeRecord {
            merged: gone.id,
            into: kept.id,
            at: self.at,
            properties_moved: values.len() as u32,
        });

        let merged = super::with_values(&kept, &values, self.at);
        let mut effects = Effects::default();
        let before = identities(&self.schema, &kept.properties);
        let after = identities(&self.schema, &merged.properties);
        swap_identities(&overlay, &mut effects, kept.id, &before, &after)?;
        let mut entry = HistoryEntry::new(
            kept.id,
            ChangeKind::Merged,
            merged.updated_at,
            ChangeSource::api(),
        );
        entry.merge = Some(MergeDetails {
            primary: kept.id,
            merged: merged_ids,
            properties_moved: values.len() as u32,
        });
        entry.values = values;
        effects.history.push(entry);
        effects
            .rows
            .push((kept.id, Some(active_row(merged.clone()))));
        overlay.apply(effects, &mut changes);
        Ok(Planned {
            outcome: merged,
            changes: overlay.finish(changes),
        })
    }
}

impl Planner for MergePlanner {
    fn wanted(&self) -> Option<Wanted> {
        let mut wanted = Wanted::default();
        wanted.contacts.extend([self.primary, self.secondary]);
        wanted.merged_into.insert(self.secondary);
        self.snapshot.missing(wanted)
    }

    fn give(&mut self, snapshot: Snapshot) {
        self.snapshot.extend(snapshot);
    }
}
