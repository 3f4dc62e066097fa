//! Creating, updating and upserting contacts: one path for single writes
//! and for batches, each write in its own savepoint when the batch reports
//! failures per input.

use super::{holder_of, key, resolve, Indexed, ACTIVE, MAX_CONTACT_ID};
use crate::internal;
use crate::search_index::IndexChange;
use rusqlite::{params, Transaction};
use spoke_domain::contact::{
    identities, ChangeKind, ChangeSource, Contact, ContactLookup, ContactWrite, Identity,
};
use spoke_domain::error::{ProblemCode, PropertyProblem};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::store::{BatchMode, ContactOp, OpOutcome};
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::collections::BTreeMap;

pub(crate) fn apply(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    portal: PortalId,
    ops: Vec<ContactOp>,
    mode: BatchMode,
) -> Result<Indexed<Vec<Result<OpOutcome>>>> {
    let mut outcomes = Vec::with_capacity(ops.len());
    let mut changes = Vec::with_capacity(ops.len());
    let mut ids = Ids::new(portal);
    if mode == BatchMode::Atomic {
        tx.execute_batch("SAVEPOINT batch").map_err(internal)?;
    }
    for op in ops {
        if mode == BatchMode::AllOrNothing {
            let (outcome, change) = one(tx, schema, &mut ids, op)?;
            outcomes.push(Ok(outcome));
            changes.extend(change);
            continue;
        }
        tx.execute_batch("SAVEPOINT op").map_err(internal)?;
        match one(tx, schema, &mut ids, op) {
            Ok((outcome, change)) => {
                tx.execute_batch("RELEASE op").map_err(internal)?;
                outcomes.push(Ok(outcome));
                changes.extend(change);
            }
            // A storage failure fails the whole request.
            Err(err @ Error::Internal(_)) => return Err(err),
            Err(err) => {
                tx.execute_batch("ROLLBACK TO op; RELEASE op")
                    .map_err(internal)?;
                outcomes.push(Err(err));
            }
        }
    }
    if mode == BatchMode::Atomic {
        if outcomes.iter().any(Result::is_err) {
            // Nothing of a refused batch is written, and nothing indexed.
            tx.execute_batch("ROLLBACK TO batch; RELEASE batch")
                .map_err(internal)?;
            return Ok((outcomes, Vec::new()));
        }
        tx.execute_batch("RELEASE batch").map_err(internal)?;
    }
    ids.finish(tx)?;
    Ok((outcomes, changes))
}

fn not_found(lookup: &ContactLookup) -> Error {
    Error::NotFound(format!("No contact {lookup} exists."))
}

fn one(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    ids: &mut Ids,
    op: ContactOp,
) -> Result<(OpOutcome, Option<IndexChange>)> {
    let portal = ids.portal;
    match op {
        ContactOp::Create(write) => create(tx, schema, ids, &write),
        ContactOp::Update { lookup, write } => {
            let contact = find_active(tx, portal, &lookup)?.ok_or_else(|| not_found(&lookup))?;
            update(tx, schema, portal, contact, &write)
        }
        ContactOp::Upsert {
            property,
            key,
            write,
        } => match holder_of(tx, portal, &property, &key)? {
            Some(id) => {
                let lookup = ContactLookup::Id(id);
                let contact =
                    find_active(tx, portal, &lookup)?.ok_or_else(|| not_found(&lookup))?;
                update(tx, schema, portal, contact, &write)
            }
            None => create(tx, schema, ids, &write),
        },
    }
}

fn find_active(
    tx: &Transaction<'_>,
    portal: PortalId,
    lookup: &ContactLookup,
) -> Result<Option<Contact>> {
    let id = match lookup {
        ContactLookup::Id(id) => *id,
        ContactLookup::Unique { property, key } => match holder_of(tx, portal, property, key)? {
            Some(id) => id,
            None => return Ok(None),
        },
    };
    Ok(resolve(tx, portal, id)?
        .filter(|row| row.state == ACTIVE)
        .map(|row| row.contact))
}

/// Hands out contact ids and creation times for one [`apply`]: the
/// portal's counter is read at the first creation and written back once at
/// the end, not updated per contact. Ids of inputs that fail (per-input
/// mode) are skipped, as HubSpot's ids have gaps too.
struct Ids {
    portal: PortalId,
    /// The next id and the latest creation time handed out.
    next: Option<(i64, i64)>,
}

impl Ids {
    fn new(portal: PortalId) -> Ids {
        Ids { portal, next: None }
    }

    /// The next id of the portal and a creation time that never goes back,
    /// so that id order is creation order.
    fn allocate(&mut self, tx: &Transaction<'_>, at: Timestamp) -> Result<(ContactId, Timestamp)> {
        let (id, last) = match self.next {
            Some(next) => next,
            None => tx
                .prepare_cached(
                    "SELECT next_contact_id, last_created_at FROM portals WHERE id = ?1",
                )
                .and_then(|mut stmt| {
                    stmt.query_row(params![self.portal.0], |r| Ok((r.get(0)?, r.get(1)?)))
                })
                .map_err(internal)?,
        };
        if id > MAX_CONTACT_ID {
            return Err(internal(format!(
                "portal {} has used every contact id",
                self.portal
            )));
        }
        let created = last.max(at.millis());
        self.next = Some((id + 1, created));
        Ok((ContactId(id), Timestamp::from_stored(created)))
    }

    /// Stores the counter, when anything was allocated.
    fn finish(self, tx: &Transaction<'_>) -> Result<()> {
        let Some((next, last)) = self.next else {
            return Ok(());
        };
        tx.prepare_cached(
            "UPDATE portals SET next_contact_id = ?2, last_created_at = ?3 WHERE id = ?1",
        )
        .and_then(|mut stmt| stmt.execute(params![self.portal.0, next, last]))
        .map(drop)
        .map_err(internal)
    }
}

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

fn same(a: &Identity, b: &Identity) -> bool {
    a.property == b.property && a.key == b.key
}

/// Releases the identities `contact` no longer has and claims its new ones,
/// failing when another active contact holds one.
pub(crate) fn swap_identities(
    tx: &Transaction<'_>,
    portal: PortalId,
    contact: ContactId,
    before: &[Identity],
    after: &[Identity],
) -> Result<()> {
    for gone in before.iter().filter(|b| !after.iter().any(|a| same(a, b))) {
        tx.prepare_cached(
            "DELETE FROM unique_values
             WHERE portal_id = ?1 AND property = ?2 AND value = ?3 AND contact_id = ?4",
        )
        .and_then(|mut stmt| stmt.execute(params![portal.0, gone.property, gone.key, contact.0]))
        .map_err(internal)?;
    }
    for new in after.iter().filter(|a| !before.iter().any(|b| same(a, b))) {
        match holder_of(tx, portal, &new.property, &new.key)? {
            Some(holder) if holder == contact => {}
            Some(holder) => return Err(taken(new, holder)),
            None => {
                tx.prepare_cached(
                    "INSERT INTO unique_values (portal_id, property, value, contact_id)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![portal.0, new.property, new.key, contact.0])
                })
                .map_err(internal)?;
            }
        }
    }
    Ok(())
}

/// Refuses email addresses a GDPR delete blocked.
fn check_blocked(tx: &Transaction<'_>, portal: PortalId, identities: &[Identity]) -> Result<()> {
    for identity in identities.iter().filter(|i| i.property == "email") {
        let blocked = tx
            .prepare_cached("SELECT 1 FROM blocked_emails WHERE portal_id = ?1 AND email = ?2")
            .and_then(|mut stmt| stmt.exists(params![portal.0, identity.key]))
            .map_err(internal)?;
        if blocked {
            return Err(Error::InvalidPropertyValues(vec![PropertyProblem::new(
                "email",
                ProblemCode::BlockedEmail,
                format!(
                    "Email address {} cannot be used: a GDPR delete blocked it.",
                    identity.value
                ),
            )]));
        }
    }
    Ok(())
}

/// Records a write in the contact's history and in the outbox, in the
/// write's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_change(
    tx: &Transaction<'_>,
    portal: PortalId,
    contact: ContactId,
    kind: ChangeKind,
    at: Timestamp,
    source: &ChangeSource,
    values_json: &str,
    payload_json: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO contact_changes
           (portal_id, contact_id, kind, occurred_at, source_type, source_id, source_label,
            updated_by_user_id, changed_values)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            portal.0,
            contact.0,
            kind.as_str(),
            at.millis(),
            source.source_type,
            source.source_id,
            source.source_label,
            source.updated_by_user_id,
            values_json
        ])
    })
    .map_err(internal)?;
    let change_id = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO outbox (portal_id, object_type, object_id, kind, occurred_at, change_id, payload)
         VALUES (?1, 'contact', ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![portal.0, contact.0, kind.as_str(), at.millis(), change_id, payload_json])
    })
    .map(drop)
    .map_err(internal)
}

fn create(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    ids: &mut Ids,
    write: &ContactWrite,
) -> Result<(OpOutcome, Option<IndexChange>)> {
    let portal = ids.portal;
    let properties: BTreeMap<String, String> = write
        .changes
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
        .collect();
    let claimed = identities(schema, &properties);
    check_blocked(tx, portal, &claimed)?;
    let (id, created_at) = ids.allocate(tx, write.at)?;
    swap_identities(tx, portal, id, &[], &claimed)?;
    let json = serde_json::to_string(&properties).map_err(internal)?;
    tx.prepare_cached(
        "INSERT INTO contacts (key, portal_id, id, state, properties, created_at, updated_at)
         VALUES (?1, ?2, ?3, 0, ?4, ?5, ?5)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            key(portal, id),
            portal.0,
            id.0,
            json,
            created_at.millis()
        ])
    })
    .map_err(internal)?;
    // A creation's recorded values are exactly the stored ones.
    record_change(
        tx,
        portal,
        id,
        ChangeKind::Created,
        created_at,
        &write.source,
        &json,
        "{}",
    )?;
    let contact = Contact {
        id,
        properties,
        created_at,
        updated_at: created_at,
        archived_at: None,
    };
    Ok((
        OpOutcome::Created(contact.clone()),
        Some(IndexChange::Add(contact)),
    ))
}

fn update(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    portal: PortalId,
    old: Contact,
    write: &ContactWrite,
) -> Result<(OpOutcome, Option<IndexChange>)> {
    let mut recorded: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, new) in write.changes.iter() {
        if old.properties.get(name.as_str()) != new.as_ref() {
            recorded.insert(name.as_str(), new.as_deref().unwrap_or(""));
        }
    }
    if recorded.is_empty() {
        return Ok((OpOutcome::Updated(old), None));
    }
    let mut new = old.clone();
    for (name, value) in &recorded {
        if value.is_empty() {
            new.properties.remove(*name);
        } else {
            new.properties.insert(name.to_string(), value.to_string());
        }
    }
    new.updated_at = write.at.max(old.updated_at);
    let before = identities(schema, &old.properties);
    let after = identities(schema, &new.properties);
    let added: Vec<Identity> = after
        .iter()
        .filter(|a| !before.iter().any(|b| same(a, b)))
        .cloned()
        .collect();
    check_blocked(tx, portal, &added)?;
    swap_identities(tx, portal, new.id, &before, &after)?;
    save_properties(tx, portal, &new)?;
    let values = serde_json::to_string(&recorded).map_err(internal)?;
    record_change(
        tx,
        portal,
        new.id,
        ChangeKind::PropertiesChanged,
        new.updated_at,
        &write.source,
        &values,
        "{}",
    )?;
    Ok((
        OpOutcome::Updated(new.clone()),
        Some(IndexChange::Replace(old, new)),
    ))
}

/// Writes a contact's values and modification time to its row.
fn save_properties(tx: &Transaction<'_>, portal: PortalId, contact: &Contact) -> Result<()> {
    let json = serde_json::to_string(&contact.properties).map_err(internal)?;
    tx.prepare_cached("UPDATE contacts SET properties = ?2, updated_at = ?3 WHERE key = ?1")
        .and_then(|mut stmt| {
            stmt.execute(params![
                key(portal, contact.id),
                json,
                contact.updated_at.millis()
            ])
        })
        .map(drop)
        .map_err(internal)
}

#[allow(clippy::too_many_arguments)]
/// Applies computed values to a contact as one recorded change of `kind`
/// (merges use it); returns the contact before and after.
pub(crate) fn apply_values(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    portal: PortalId,
    old: Contact,
    values: &BTreeMap<String, String>,
    kind: ChangeKind,
    at: Timestamp,
    payload_json: &str,
) -> Result<Contact> {
    let mut new = old.clone();
    for (name, value) in values {
        if value.is_empty() {
            new.properties.remove(name);
        } else {
            new.properties.insert(name.clone(), value.clone());
        }
    }
    new.updated_at = at.max(old.updated_at);
    let before = identities(schema, &old.properties);
    let after = identities(schema, &new.properties);
    swap_identities(tx, portal, new.id, &before, &after)?;
    save_properties(tx, portal, &new)?;
    let recorded = serde_json::to_string(values).map_err(internal)?;
    record_change(
        tx,
        portal,
        new.id,
        kind,
        new.updated_at,
        &ChangeSource::api(),
        &recorded,
        payload_json,
    )?;
    Ok(new)
}
