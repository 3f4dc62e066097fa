//! Creating, updating and upserting contacts: one path for single writes
//! and batches, in the three batch modes.

use super::{
    active_row, check_blocked, claimable, held, swap_identities, Changes, Counter, Effects,
    HistoryEntry, Holder, IdBlock, IdentityKey, Overlay, Planned, Planner, Snapshot, Wanted,
};
use crate::contact::{
    identities, ChangeKind, Contact, ContactLookup, ContactState, ContactWrite, StoredContact,
};
use crate::error::{Error, Result};
use crate::ids::{ContactId, PortalId};
use crate::property::PropertySchema;
use crate::store::{BatchMode, ContactOp, OpOutcome};
use crate::time::Timestamp;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Plans a batch of creates, updates and upserts (a single write is a
/// batch of one).
pub struct BatchPlanner {
    portal: PortalId,
    schema: Arc<PropertySchema>,
    ops: Vec<ContactOp>,
    mode: BatchMode,
    snapshot: Snapshot,
}

impl BatchPlanner {
    pub fn new(
        portal: PortalId,
        schema: Arc<PropertySchema>,
        ops: Vec<ContactOp>,
        mode: BatchMode,
    ) -> BatchPlanner {
        BatchPlanner {
            portal,
            schema,
            ops,
            mode,
            snapshot: Snapshot::default(),
        }
    }

    pub fn portal(&self) -> PortalId {
        self.portal
    }

    /// Wants the row of `id` and, when it was merged away, its survivor's.
    fn want_resolved(&self, id: ContactId, wanted: &mut Wanted) {
        match self.snapshot.contacts.get(&id) {
            None => {
                wanted.contacts.insert(id);
            }
            Some(Some(row)) if row.state == ContactState::Merged => {
                if let Some(target) = row.merged_into {
                    wanted.contacts.insert(target);
                }
            }
            Some(_) => {}
        }
    }

    /// The latest time any write of the batch was made at: no contact it
    /// creates is created later.
    pub fn latest_write(&self) -> Timestamp {
        self.ops
            .iter()
            .map(|op| match op {
                ContactOp::Create(w)
                | ContactOp::Update { write: w, .. }
                | ContactOp::Upsert { write: w, .. } => w.at,
            })
            .max()
            .unwrap_or_else(Timestamp::now)
    }

    /// Whether any write of the batch may create a contact.
    pub fn may_create(&self) -> bool {
        self.ops
            .iter()
            .any(|op| !matches!(op, ContactOp::Update { .. }))
    }

    /// How many contacts the batch creates, as decided from what was read:
    /// the ids a store must set aside. A batch refused whole creates none
    /// and is refused here already.
    pub fn creations(&self) -> Result<usize> {
        let dry_run = IdBlock {
            count: usize::MAX,
            ..IdBlock::none()
        };
        let first = dry_run.first;
        let planned = self.plan(dry_run)?;
        Ok(planned
            .changes
            .counter
            .map_or(0, |c| (c.next_id.0 - first.0) as usize))
    }

    /// Decides every write. With `AllOrNothing` the first failure is the
    /// answer; with `PerInput` each write's result comes back in order and
    /// failed writes leave nothing; with `Atomic` too, but any failure
    /// leaves nothing at all.
    pub fn plan(&self, ids: IdBlock) -> Result<Planned<Vec<Result<OpOutcome>>>> {
        let mut run = Run {
            schema: &self.schema,
            overlay: Overlay::new(&self.snapshot),
            ids: Ids::new(ids),
        };
        let mut changes = Changes::default();
        let mut outcomes = Vec::with_capacity(self.ops.len());
        for op in &self.ops {
            match run.one(op) {
                Ok((outcome, effects, used)) => {
                    run.ids.commit(used);
                    run.overlay.apply(effects, &mut changes);
                    outcomes.push(Ok(outcome));
                }
                Err(err @ Error::Internal(_)) => return Err(err),
                Err(err) if self.mode == BatchMode::AllOrNothing => return Err(err),
                Err(err) => outcomes.push(Err(err)),
            }
        }
        if self.mode == BatchMode::Atomic && outcomes.iter().any(Result::is_err) {
            return Ok(Planned {
                outcome: outcomes,
                changes: Changes::default(),
            });
        }
        changes.counter = run.ids.counter()?;
        Ok(Planned {
            outcome: outcomes,
            changes: run.overlay.finish(changes),
        })
    }
}

impl Planner for BatchPlanner {
    fn wanted(&self) -> Option<Wanted> {
        let mut wanted = Wanted::default();
        for op in &self.ops {
            let (lookup_key, write) = match op {
                ContactOp::Create(write) => (None, write),
                ContactOp::Update { lookup, write } => match lookup {
                    ContactLookup::Id(id) => {
                        self.want_resolved(*id, &mut wanted);
                        (None, write)
                    }
                    ContactLookup::Unique { property, key } => {
                        (Some((property.clone(), key.clone())), write)
                    }
                },
                ContactOp::Upsert {
                    property,
                    key,
                    write,
                } => (Some((property.clone(), key.clone())), write),
            };
            if let Some(key) = lookup_key {
                match self.snapshot.holders.get(&key) {
                    Some(Some(Holder::Contact(id))) => self.want_resolved(*id, &mut wanted),
                    Some(_) => {}
                    None => {
                        wanted.holders.insert(key);
                    }
                }
            }
            wanted
                .holders
                .extend(claimable(&self.schema, &set_values(write)));
        }
        self.snapshot.missing(wanted)
    }

    fn give(&mut self, snapshot: Snapshot) {
        self.snapshot.extend(snapshot);
    }
}

/// The values a write sets (not the ones it clears).
fn set_values(write: &ContactWrite) -> BTreeMap<String, String> {
    write
        .changes
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
        .collect()
}

fn not_found(lookup: &ContactLookup) -> Error {
    Error::NotFound(format!("No contact {lookup} exists."))
}

/// Hands out ids and creation times: an id is used only by a write that
/// succeeds, and creation times never go back, so id order is creation
/// order.
struct Ids {
    block: IdBlock,
    used: usize,
    last_created: Timestamp,
}

/// The id and creation time one write took.
#[derive(Clone, Copy)]
struct Taken {
    id: ContactId,
    created_at: Timestamp,
}

impl Ids {
    fn new(block: IdBlock) -> Ids {
        Ids {
            block,
            used: 0,
            last_created: block.created_floor,
        }
    }

    /// The id and creation time the next creation would take.
    fn peek(&self, at: Timestamp) -> Taken {
        Taken {
            id: ContactId(self.block.first.0 + self.used as i64),
            created_at: self.last_created.max(at),
        }
    }

    /// Takes them, for a creation that succeeded.
    fn commit(&mut self, taken: Option<Taken>) {
        if let Some(taken) = taken {
            self.used += 1;
            self.last_created = taken.created_at;
        }
    }

    /// The counter after the batch; more ids used than were set aside is
    /// a store's mistake, refused before anything is written.
    fn counter(&self) -> Result<Option<Counter>> {
        if self.used > self.block.count {
            return Err(Error::internal(
                "a batch created more contacts than ids were set aside for it",
            ));
        }
        Ok((self.used > 0).then(|| Counter {
            next_id: ContactId(self.block.first.0 + self.used as i64),
            last_created: self.last_created,
        }))
    }
}

struct Run<'a> {
    schema: &'a PropertySchema,
    overlay: Overlay<'a>,
    ids: Ids,
}

type OneOutcome = (OpOutcome, Effects, Option<Taken>);

impl Run<'_> {
    fn one(&self, op: &ContactOp) -> Result<OneOutcome> {
        match op {
            ContactOp::Create(write) => self.create(write),
            ContactOp::Update { lookup, write } => {
                let row = self.find_active(lookup)?.ok_or_else(|| not_found(lookup))?;
                self.update(row.contact.clone(), write)
            }
            ContactOp::Upsert {
                property,
                key,
                write,
            } => match self
                .overlay
                .holder_or(&(property.clone(), key.clone()), None)
            {
                Some(Holder::Contact(id)) => {
                    let lookup = ContactLookup::Id(id);
                    let row = self
                        .find_active(&lookup)?
                        .ok_or_else(|| not_found(&lookup))?;
                    self.update(row.contact.clone(), write)
                }
                _ => self.create(write),
            },
        }
    }

    fn find_active(&self, lookup: &ContactLookup) -> Result<Option<&StoredContact>> {
        let id = match lookup {
            ContactLookup::Id(id) => *id,
            ContactLookup::Unique { property, key } => {
                let key: IdentityKey = (property.clone(), key.clone());
                match self.overlay.holder_or(&key, None) {
                    Some(Holder::Contact(id)) => id,
                    _ => return Ok(None),
                }
            }
        };
        let row = self.overlay.resolve(id).filter(|row| row.is_active());
        if let (ContactLookup::Unique { property, key }, Some(row)) = (lookup, row) {
            // The holder was read before its row was locked; a writer in
            // between may have moved the value (stores with concurrent
            // writers retry).
            let holds = identities(self.schema, &row.contact.properties)
                .iter()
                .any(|i| &i.property == property && &i.key == key);
            if !holds {
                return Err(Error::Retry(format!(
                    "contact {} no longer holds {property} {key:?}",
                    row.contact.id
                )));
            }
        }
        Ok(row)
    }

    fn create(&self, write: &ContactWrite) -> Result<OneOutcome> {
        let properties = set_values(write);
        let claimed = identities(self.schema, &properties);
        check_blocked(&self.overlay, &claimed)?;
        let taken = self.ids.peek(write.at);
        let mut effects = Effects::default();
        swap_identities(&self.overlay, &mut effects, taken.id, &[], &claimed)?;
        let contact = Contact {
            id: taken.id,
            properties,
            created_at: taken.created_at,
            updated_at: taken.created_at,
            archived_at: None,
        };
        // A creation's recorded values are exactly the stored ones.
        let mut entry = HistoryEntry::new(
            contact.id,
            ChangeKind::Created,
            taken.created_at,
            write.source.clone(),
        );
        entry.values = contact.properties.clone();
        effects.history.push(entry);
        effects
            .rows
            .push((contact.id, Some(active_row(contact.clone()))));
        Ok((OpOutcome::Created(contact), effects, Some(taken)))
    }

    fn update(&self, old: Contact, write: &ContactWrite) -> Result<OneOutcome> {
        let mut recorded: BTreeMap<String, String> = BTreeMap::new();
        for (name, new) in write.changes.iter() {
            if old.properties.get(name.as_str()) != new.as_ref() {
                recorded.insert(name.clone(), new.clone().unwrap_or_default());
            }
        }
        if recorded.is_empty() {
            return Ok((OpOutcome::Updated(old), Effects::default(), None));
        }
        let new = super::with_values(&old, &recorded, write.at);
        let before = held(self.schema, &active_row(old.clone()));
        let after = identities(self.schema, &new.properties);
        let added: Vec<_> = after
            .iter()
            .filter(|a| {
                !before
                    .iter()
                    .any(|b| a.property == b.property && a.key == b.key)
            })
            .cloned()
            .collect();
        check_blocked(&self.overlay, &added)?;
        let mut effects = Effects::default();
        swap_identities(&self.overlay, &mut effects, new.id, &before, &after)?;
        let mut entry = HistoryEntry::new(
            new.id,
            ChangeKind::PropertiesChanged,
            new.updated_at,
            write.source.clone(),
        );
        entry.values = recorded;
        effects.history.push(entry);
        effects.rows.push((new.id, Some(active_row(new.clone()))));
        Ok((OpOutcome::Updated(new), effects, None))
    }
}
