//! Archiving contacts (HubSpot's soft delete): the row stays, its
//! identities are freed, it leaves the search index.

use super::write::{record_change, swap_identities};
use super::{key, resolve, Indexed, ACTIVE, ARCHIVED};
use crate::internal;
use crate::search_index::IndexChange;
use rusqlite::{params, Transaction};
use spoke_domain::contact::{identities, ChangeKind, ChangeSource};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::store::ArchiveOutcome;
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

pub(crate) fn archive(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    portal: PortalId,
    ids: &[ContactId],
) -> Result<Indexed<Vec<ArchiveOutcome>>> {
    let now = Timestamp::now();
    let mut outcomes = Vec::with_capacity(ids.len());
    let mut changes = Vec::new();
    for id in ids {
        let outcome = match resolve(tx, portal, *id)? {
            None => ArchiveOutcome::NotFound,
            Some(row) if row.state == ARCHIVED => ArchiveOutcome::AlreadyArchived,
            Some(row) if row.state != ACTIVE => ArchiveOutcome::NotFound,
            Some(row) => {
                let contact = row.contact;
                let held = identities(schema, &contact.properties);
                swap_identities(tx, portal, contact.id, &held, &[])?;
                tx.prepare_cached("UPDATE contacts SET state = 1, archived_at = ?2 WHERE key = ?1")
                    .and_then(|mut stmt| {
                        stmt.execute(params![key(portal, contact.id), now.millis()])
                    })
                    .map_err(internal)?;
                record_change(
                    tx,
                    portal,
                    contact.id,
                    ChangeKind::Archived,
                    now,
                    &ChangeSource::api(),
                    "{}",
                    "{}",
                )?;
                changes.push(IndexChange::Remove(contact));
                ArchiveOutcome::Archived
            }
        };
        outcomes.push(outcome);
    }
    Ok((outcomes, changes))
}
