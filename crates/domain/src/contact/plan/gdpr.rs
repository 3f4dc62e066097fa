//! GDPR delete: the contact, the contacts merged into it, their values,
//! their history and their pending events are removed for good; an email
//! that names no contact is blocked from future use.

use super::{
    held, swap_identities, Changes, Effects, HistoryEntry, Holder, HolderChange, IdentityKey,
    Overlay, Planned, Planner, Snapshot, Wanted,
};
use crate::contact::{
    newest_archived_holding, properties_holding, ChangeKind, ChangeSource, ContactLookup,
    ContactState,
};
use crate::error::{Error, Result};
use crate::ids::ContactId;
use crate::property::PropertySchema;
use crate::store::GdprOutcome;
use crate::time::Timestamp;
use std::sync::Arc;

/// Plans the GDPR delete of the contact a lookup names.
pub struct GdprPlanner {
    schema: Arc<PropertySchema>,
    lookup: ContactLookup,
    at: Timestamp,
    snapshot: Snapshot,
    /// A purge of a contact archived before this: nothing is announced,
    /// and a contact restored meanwhile (or archived later) is kept.
    purge_before: Option<Timestamp>,
}

impl GdprPlanner {
    pub fn new(schema: Arc<PropertySchema>, lookup: ContactLookup, at: Timestamp) -> GdprPlanner {
        GdprPlanner {
            schema,
            lookup,
            at,
            snapshot: Snapshot::default(),
            purge_before: None,
        }
    }

    /// The purge of contact `id`, archived before `before` and kept past its
    /// retention: removed as a GDPR delete removes a contact, without an
    /// event (the contact left the API when it was archived). A contact no
    /// longer archived, or archived since, is not touched (`NotFound`).
    pub fn purge(
        schema: Arc<PropertySchema>,
        id: ContactId,
        before: Timestamp,
        at: Timestamp,
    ) -> GdprPlanner {
        GdprPlanner {
            purge_before: Some(before),
            ..GdprPlanner::new(schema, ContactLookup::Id(id), at)
        }
    }

    /// The contact the lookup names, in any state but merged (a merged id
    /// names its survivor).
    fn target(&self) -> Option<ContactId> {
        let overlay = Overlay::new(&self.snapshot);
        match &self.lookup {
            ContactLookup::Id(id) => overlay.resolve(*id).map(|row| row.id()),
            ContactLookup::Unique { property, key } => {
                let identity: IdentityKey = (property.clone(), key.clone());
                if let Some(Some(Holder::Contact(id))) = self.snapshot.holders.get(&identity) {
                    return Some(*id);
                }
                // Archived contacts hold no identities: look at their values.
                let rows = properties_holding(property)
                    .into_iter()
                    .filter_map(|p| self.snapshot.archived_with.get(&p))
                    .flatten();
                newest_archived_holding(rows, &self.schema, property, key).map(|row| row.id())
            }
        }
    }

    pub fn plan(self) -> Result<Planned<GdprOutcome>> {
        let Some(target) = self.target() else {
            return match &self.lookup {
                ContactLookup::Unique { property, key } if property == "email" => {
                    let identity: IdentityKey = (property.clone(), key.clone());
                    let mut changes = Changes::default();
                    let stored = self.snapshot.holders.get(&identity).copied().flatten();
                    if stored != Some(Holder::Blocked) {
                        changes.holders.insert(
                            identity,
                            HolderChange {
                                before: stored,
                                after: Some(Holder::Blocked),
                            },
                        );
                    }
                    Ok(Planned {
                        outcome: GdprOutcome::EmailBlocked,
                        changes,
                    })
                }
                _ => Err(Error::NotFound("resource not found".into())),
            };
        };
        let mut overlay = Overlay::new(&self.snapshot);
        let row = overlay
            .row(target)
            .cloned()
            .ok_or_else(|| Error::NotFound("resource not found".into()))?;
        if let Some(before) = self.purge_before {
            let due = row.state == ContactState::Archived
                && row.contact.archived_at.is_some_and(|at| at < before);
            if !due {
                return Err(Error::NotFound("not archived past its retention".into()));
            }
        }
        let mut gone: Vec<ContactId> = self
            .snapshot
            .merged_into
            .get(&target)
            .cloned()
            .unwrap_or_default();
        gone.sort();
        gone.push(target);

        let mut changes = Changes::default();
        let mut effects = Effects::default();
        // Contacts merged into this one hold no identities any more.
        let identities = held(&self.schema, &row);
        swap_identities(&overlay, &mut effects, target, &identities, &[])?;
        for id in &gone {
            if overlay.row(*id).is_some() {
                effects.rows.push((*id, None));
            }
        }
        // The event says only that the contact is gone; no value or history
        // of it remains.
        let mut entry = HistoryEntry::new(
            target,
            ChangeKind::PrivacyDeleted,
            self.at,
            ChangeSource::api(),
        );
        entry.in_history = false;
        overlay.apply(effects, &mut changes);
        changes.forgotten = gone;
        if self.purge_before.is_none() {
            changes.history.push(entry);
        }
        Ok(Planned {
            outcome: GdprOutcome::Deleted(target),
            changes: overlay.finish(changes),
        })
    }
}

impl Planner for GdprPlanner {
    fn wanted(&self) -> Option<Wanted> {
        let mut wanted = Wanted::default();
        match &self.lookup {
            ContactLookup::Id(id) => match self.snapshot.contacts.get(id) {
                None => {
                    wanted.contacts.insert(*id);
                }
                Some(Some(row)) if row.state == ContactState::Merged => {
                    wanted.contacts.extend(row.merged_into);
                }
                Some(_) => {}
            },
            ContactLookup::Unique { property, key } => {
                let identity: IdentityKey = (property.clone(), key.clone());
                match self.snapshot.holders.get(&identity) {
                    None => {
                        wanted.holders.insert(identity);
                    }
                    Some(Some(Holder::Contact(id))) => {
                        wanted.contacts.insert(*id);
                    }
                    Some(_) => wanted.archived_with.extend(properties_holding(property)),
                }
            }
        }
        if let Some(missing) = self.snapshot.missing(wanted.clone()) {
            return Some(missing);
        }
        let target = self.target()?;
        wanted.contacts.insert(target);
        wanted.merged_into.insert(target);
        if let Some(merged) = self.snapshot.merged_into.get(&target) {
            wanted.contacts.extend(merged.iter().copied());
        }
        self.snapshot.missing(wanted)
    }

    fn give(&mut self, snapshot: Snapshot) {
        self.snapshot.extend(snapshot);
    }
}
