//! The rules of every contact write, as plain functions over the rows a
//! store has read. Every backend runs the same steps:
//!
//! 1. make a planner for the operation (a batch of creates, updates and
//!    upserts; an archive; a merge; a GDPR delete);
//! 2. read what it asks for ([`Wanted`]) inside the write's transaction and
//!    hand it over ([`Snapshot`]), until it asks for nothing more (a backend
//!    that lets writers run concurrently locks the contact rows it reads);
//! 3. for a batch, hand it a block of contact ids ([`IdBlock`]);
//! 4. persist the [`Changes`] it returns, in the order their fields are
//!    documented, and map constraint violations (another writer claimed an
//!    identifying value first) to a retry.
//!
//! So the rules (value diffs, creation times that never go back, blocked
//! emails, identity claims and releases, merges, GDPR deletes, history and
//! outbox events) exist once, whatever stores the rows.

mod archive;
mod batch;
mod gdpr;
mod merge;
mod restore;

pub use archive::ArchivePlanner;
pub use batch::BatchPlanner;
pub use gdpr::GdprPlanner;
pub use merge::MergePlanner;
pub use restore::{RestorePlanner, RESTORABLE_FOR_MS};

use super::{identities, ChangeKind, ChangeSource, Contact, ContactState, Identity, StoredContact};
use crate::error::{Error, ProblemCode, PropertyProblem, Result};
use crate::ids::ContactId;
use crate::property::PropertySchema;
use crate::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An identifying value: (property, lowercase key). Email and additional
/// emails are all `email`.
pub type IdentityKey = (String, String);

/// Who holds an identifying value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// An active contact.
    Contact(ContactId),
    /// Nobody may: a GDPR delete blocked this email.
    Blocked,
}

impl Holder {
    /// The contact id stores keep for the holder; a blocked value is held
    /// by id 0, which no contact has, so one unique key serves both.
    pub fn code(self) -> i64 {
        match self {
            Holder::Contact(id) => id.0,
            Holder::Blocked => 0,
        }
    }

    pub fn from_code(code: i64) -> Holder {
        if code == 0 {
            Holder::Blocked
        } else {
            Holder::Contact(ContactId(code))
        }
    }
}

/// What every planner does before it decides: ask for rows, be handed
/// what the store read. A store loops until nothing more is wanted.
pub trait Planner {
    /// What still has to be read, or `None` once the planner can decide.
    fn wanted(&self) -> Option<Wanted>;
    /// Hands over what the store read.
    fn give(&mut self, snapshot: Snapshot);
}

/// What a planner needs read before it can decide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Contact rows by id, in any state. Stores with concurrent writers lock
    /// them until the transaction ends.
    pub contacts: BTreeSet<ContactId>,
    /// The holder of each identifying value.
    pub holders: BTreeSet<IdentityKey>,
    /// For each id, the contacts merged into it (directly).
    pub merged_into: BTreeSet<ContactId>,
    /// Archived contacts holding a value of each property (any value; the
    /// planner picks by key). Archived contacts hold no identities, so a
    /// lookup of an archived contact by email reads their values.
    pub archived_with: BTreeSet<String>,
}

impl Wanted {
    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
            && self.holders.is_empty()
            && self.merged_into.is_empty()
            && self.archived_with.is_empty()
    }
}

/// What a store read for a planner: one answer per item of [`Wanted`]
/// (`None` where there is no row or holder).
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub contacts: HashMap<ContactId, Option<StoredContact>>,
    pub holders: HashMap<IdentityKey, Option<Holder>>,
    pub merged_into: HashMap<ContactId, Vec<ContactId>>,
    pub archived_with: HashMap<String, Vec<StoredContact>>,
}

impl Snapshot {
    /// Adds what a store read in a later round.
    pub fn extend(&mut self, more: Snapshot) {
        self.contacts.extend(more.contacts);
        self.holders.extend(more.holders);
        self.merged_into.extend(more.merged_into);
        self.archived_with.extend(more.archived_with);
    }

    /// The part of `wanted` not read yet, or `None` when all of it is.
    pub fn missing(&self, wanted: Wanted) -> Option<Wanted> {
        let missing = Wanted {
            contacts: wanted
                .contacts
                .into_iter()
                .filter(|id| !self.contacts.contains_key(id))
                .collect(),
            holders: wanted
                .holders
                .into_iter()
                .filter(|k| !self.holders.contains_key(k))
                .collect(),
            merged_into: wanted
                .merged_into
                .into_iter()
                .filter(|id| !self.merged_into.contains_key(id))
                .collect(),
            archived_with: wanted
                .archived_with
                .into_iter()
                .filter(|p| !self.archived_with.contains_key(p))
                .collect(),
        };
        (!missing.is_empty()).then_some(missing)
    }
}

/// Contact ids a batch may hand out: from `first` on, at most `count`, with
/// creation times never before `created_floor` (the portal's latest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdBlock {
    pub first: ContactId,
    pub count: usize,
    pub created_floor: Timestamp,
}

impl IdBlock {
    /// No ids: for a batch that creates nothing (or is refused whole). Its
    /// would-be ids are ones no stored contact has, so a creation that is
    /// planned and then discarded is never mistaken for a stored holder.
    pub fn none() -> IdBlock {
        IdBlock {
            first: ContactId(i64::MIN / 2),
            count: 0,
            created_floor: Timestamp::from_stored(0),
        }
    }
}

/// A contact row before and after the write (`None`: no row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowChange {
    pub before: Option<StoredContact>,
    pub after: Option<StoredContact>,
}

impl RowChange {
    /// The contact as active before, if it was.
    pub fn active_before(&self) -> Option<&Contact> {
        self.before
            .as_ref()
            .filter(|r| r.is_active())
            .map(|r| &r.contact)
    }

    /// The contact as active after, if it is.
    pub fn active_after(&self) -> Option<&Contact> {
        self.after
            .as_ref()
            .filter(|r| r.is_active())
            .map(|r| &r.contact)
    }
}

/// The holder of an identifying value before and after the write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HolderChange {
    pub before: Option<Holder>,
    pub after: Option<Holder>,
}

/// What a merge did, as the legacy API's merge audits tell it, and as the
/// `contact.merge` event carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeDetails {
    pub primary: ContactId,
    /// The contact merged away, then every contact merged into it before.
    pub merged: Vec<ContactId>,
    pub properties_moved: u32,
}

impl MergeDetails {
    /// Reads what `payload_json` wrote; `None` for any other payload.
    pub fn from_payload_json(text: &str) -> Option<MergeDetails> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let id = |v: &serde_json::Value| v.as_i64().map(ContactId);
        Some(MergeDetails {
            primary: id(value.get("primaryObjectId")?)?,
            merged: value
                .get("mergedObjectIds")?
                .as_array()?
                .iter()
                .map(id)
                .collect::<Option<Vec<_>>>()?,
            properties_moved: value.get("numberOfPropertiesMoved")?.as_u64()? as u32,
        })
    }

    /// The JSON stores keep beside the event.
    pub fn payload_json(&self) -> String {
        let merged: Vec<i64> = self.merged.iter().map(|id| id.0).collect();
        serde_json::json!({
            "primaryObjectId": self.primary.0,
            "mergedObjectIds": merged,
            "numberOfPropertiesMoved": self.properties_moved,
        })
        .to_string()
    }
}

/// One recorded write: a row of the contact's history and its event in
/// the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub contact: ContactId,
    pub kind: ChangeKind,
    pub at: Timestamp,
    pub source: ChangeSource,
    /// The values the write set (`""` for a cleared value).
    pub values: BTreeMap<String, String>,
    pub merge: Option<MergeDetails>,
    /// False for an event that keeps no history (a GDPR delete leaves no
    /// trace of the person but the fact of its deletion).
    pub in_history: bool,
}

impl HistoryEntry {
    fn new(contact: ContactId, kind: ChangeKind, at: Timestamp, source: ChangeSource) -> Self {
        HistoryEntry {
            contact,
            kind,
            at,
            source,
            values: BTreeMap::new(),
            merge: None,
            in_history: true,
        }
    }

    /// The recorded values as the JSON object stores keep.
    pub fn values_json(&self) -> String {
        serde_json::to_string(&self.values).unwrap_or_else(|_| "{}".into())
    }

    /// The event's payload as the JSON stores keep (`{}` when none).
    pub fn payload_json(&self) -> String {
        self.merge
            .as_ref()
            .map_or_else(|| "{}".into(), MergeDetails::payload_json)
    }
}

/// One merge, for the merge audits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeRecord {
    pub merged: ContactId,
    pub into: ContactId,
    pub at: Timestamp,
    pub properties_moved: u32,
}

/// The next id and latest creation time of a portal after a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    pub next_id: ContactId,
    pub last_created: Timestamp,
}

/// Everything one write changes. A store persists the fields in the order
/// they are listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Contact rows, by id: inserted (no `before`), updated, or deleted (no
    /// `after`).
    pub rows: BTreeMap<ContactId, RowChange>,
    /// Identifying values whose holder changed: the old holder's claim is
    /// removed, then the new one's recorded.
    pub holders: BTreeMap<IdentityKey, HolderChange>,
    /// (from, to): contacts merged into `from`, the merge audits whose
    /// survivor is `from`, and `from`'s history all move to `to`.
    pub repoints: Vec<(ContactId, ContactId)>,
    /// New merge audits.
    pub merges: Vec<MergeRecord>,
    /// Contacts whose history, events and merge audits are removed.
    pub forgotten: Vec<ContactId>,
    /// History rows and outbox events, in order.
    pub history: Vec<HistoryEntry>,
    /// The portal's id counter, for stores that keep it in the write's own
    /// transaction.
    pub counter: Option<Counter>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
            && self.holders.is_empty()
            && self.repoints.is_empty()
            && self.merges.is_empty()
            && self.forgotten.is_empty()
            && self.history.is_empty()
            && self.counter.is_none()
    }
}

/// A planner's answer and the changes that go with it.
#[derive(Clone, Debug)]
pub struct Planned<T> {
    pub outcome: T,
    pub changes: Changes,
}

/// The rows and holders as the write sees them: what was read, with the
/// write's own effects so far applied.
#[derive(Clone, Debug)]
struct Overlay<'a> {
    snapshot: &'a Snapshot,
    rows: BTreeMap<ContactId, RowChange>,
    holders: BTreeMap<IdentityKey, HolderChange>,
}

/// The effects of one operation, applied to the overlay only when the
/// operation succeeds.
#[derive(Clone, Debug, Default)]
struct Effects {
    rows: Vec<(ContactId, Option<StoredContact>)>,
    /// The holder as stored (as far as the planner knows) and after.
    holders: Vec<(IdentityKey, HolderChange)>,
    history: Vec<HistoryEntry>,
}

impl<'a> Overlay<'a> {
    fn new(snapshot: &'a Snapshot) -> Overlay<'a> {
        Overlay {
            snapshot,
            rows: BTreeMap::new(),
            holders: BTreeMap::new(),
        }
    }

    /// The row of an id, as the write has left it so far.
    fn row(&self, id: ContactId) -> Option<&StoredContact> {
        match self.rows.get(&id) {
            Some(change) => change.after.as_ref(),
            None => self.snapshot.contacts.get(&id).and_then(Option::as_ref),
        }
    }

    /// The row an id names now: its own, or that of the contact it was
    /// merged into (merges re-point earlier merges, so one step suffices).
    fn resolve(&self, id: ContactId) -> Option<&StoredContact> {
        match self.row(id) {
            Some(row) if row.state == ContactState::Merged => {
                row.merged_into.and_then(|target| self.row(target))
            }
            other => other,
        }
    }

    /// The holder as stored before the write: as read, or else `assumed`
    /// (an active contact holds its own identities).
    fn stored_holder(&self, key: &IdentityKey, assumed: Option<Holder>) -> Option<Holder> {
        match self.snapshot.holders.get(key) {
            Some(stored) => *stored,
            None => assumed,
        }
    }

    /// The holder now, or `assumed` for a value neither read nor written.
    fn holder_or(&self, key: &IdentityKey, assumed: Option<Holder>) -> Option<Holder> {
        match self.holders.get(key) {
            Some(change) => change.after,
            None => self.stored_holder(key, assumed),
        }
    }

    fn apply(&mut self, effects: Effects, changes: &mut Changes) {
        for (id, after) in effects.rows {
            match self.rows.get_mut(&id) {
                Some(change) => change.after = after,
                None => {
                    let before = self.snapshot.contacts.get(&id).cloned().flatten();
                    self.rows.insert(id, RowChange { before, after });
                }
            }
        }
        for (key, change) in effects.holders {
            match self.holders.get_mut(&key) {
                Some(tracked) => tracked.after = change.after,
                None => {
                    self.holders.insert(key, change);
                }
            }
        }
        changes.history.extend(effects.history);
    }

    /// The changes to persist: rows and holders that differ from what was
    /// stored.
    fn finish(self, mut changes: Changes) -> Changes {
        changes.rows = self
            .rows
            .into_iter()
            .filter(|(_, c)| c.before != c.after)
            .collect();
        changes.holders = self
            .holders
            .into_iter()
            .filter(|(_, c)| c.before != c.after)
            .collect();
        changes
    }
}

/// The key of an identity.
fn key_of(identity: &Identity) -> IdentityKey {
    (identity.property.clone(), identity.key.clone())
}

/// The error for an identifying value another contact holds.
fn taken(identity: &Identity, holder: ContactId) -> Error {
    if identity.property == "email" {
        Error::ContactExists {
            existing_id: holder,
        }
    } else {
        Error::UniqueValueTaken {
            property: identity.property.clone(),
            value: identity.value.clone(),
            existing_id: holder,
        }
    }
}

fn blocked(identity: &Identity) -> Error {
    Error::InvalidPropertyValues(vec![PropertyProblem::new(
        "email",
        ProblemCode::BlockedEmail,
        format!(
            "Email address {} cannot be used: a GDPR delete blocked it.",
            identity.value
        ),
    )])
}

/// Refuses email addresses a GDPR delete blocked.
fn check_blocked(overlay: &Overlay<'_>, claimed: &[Identity]) -> Result<()> {
    for identity in claimed.iter().filter(|i| i.property == "email") {
        if overlay.holder_or(&key_of(identity), None) == Some(Holder::Blocked) {
            return Err(blocked(identity));
        }
    }
    Ok(())
}

/// Releases the identities `contact` no longer has and claims its new
/// ones, failing when another contact holds one.
fn swap_identities(
    overlay: &Overlay<'_>,
    effects: &mut Effects,
    contact: ContactId,
    before: &[Identity],
    after: &[Identity],
) -> Result<()> {
    let same = |a: &Identity, b: &Identity| a.property == b.property && a.key == b.key;
    let own = Some(Holder::Contact(contact));
    for gone in before.iter().filter(|b| !after.iter().any(|a| same(a, b))) {
        let key = key_of(gone);
        if overlay.holder_or(&key, own) == own {
            let stored = overlay.stored_holder(&key, own);
            effects.holders.push((
                key,
                HolderChange {
                    before: stored,
                    after: None,
                },
            ));
        }
    }
    for new in after.iter().filter(|a| !before.iter().any(|b| same(a, b))) {
        let key = key_of(new);
        match overlay.holder_or(&key, None) {
            Some(Holder::Contact(holder)) if holder == contact => {}
            Some(Holder::Contact(holder)) => return Err(taken(new, holder)),
            Some(Holder::Blocked) => return Err(blocked(new)),
            None => {
                let stored = overlay.stored_holder(&key, None);
                effects.holders.push((
                    key,
                    HolderChange {
                        before: stored,
                        after: own,
                    },
                ));
            }
        }
    }
    Ok(())
}

/// The identities of a row while it is active (archived and merged
/// contacts hold none).
fn held(schema: &PropertySchema, row: &StoredContact) -> Vec<Identity> {
    if row.is_active() {
        identities(schema, &row.contact.properties)
    } else {
        Vec::new()
    }
}

/// The identity keys of the values a write sets: the ones it may claim.
fn claimable(schema: &PropertySchema, values: &BTreeMap<String, String>) -> Vec<IdentityKey> {
    identities(schema, values).iter().map(key_of).collect()
}

/// A contact with computed values applied (`""` clears a value).
fn with_values(old: &Contact, values: &BTreeMap<String, String>, at: Timestamp) -> Contact {
    let mut new = old.clone();
    for (name, value) in values {
        if value.is_empty() {
            new.properties.remove(name);
        } else {
            new.properties.insert(name.clone(), value.clone());
        }
    }
    new.updated_at = at.max(old.updated_at);
    new
}

fn active_row(contact: Contact) -> StoredContact {
    StoredContact {
        contact,
        state: ContactState::Active,
        merged_into: None,
    }
}

#[cfg(test)]
mod tests;
