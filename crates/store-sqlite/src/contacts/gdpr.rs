//! GDPR delete: the contact, the contacts merged into it, their values,
//! their history and their pending events are removed for good; an email
//! that names no contact is blocked from future use.

use super::write::{record_change, swap_identities};
use super::{holder_of, key, key_range, resolve, Indexed, ACTIVE};
use crate::internal;
use crate::search_index::IndexChange;
use rusqlite::{params, OptionalExtension, Transaction};
use spoke_domain::contact::{identities, ChangeKind, ChangeSource, ContactLookup};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::store::GdprOutcome;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};

/// The contact a GDPR delete names, in any state but merged.
fn target(
    tx: &Transaction<'_>,
    portal: PortalId,
    lookup: &ContactLookup,
) -> Result<Option<ContactId>> {
    match lookup {
        ContactLookup::Id(id) => Ok(resolve(tx, portal, *id)?.map(|row| row.contact.id)),
        ContactLookup::Unique { property, key } => {
            if let Some(id) = holder_of(tx, portal, property, key)? {
                return Ok(Some(id));
            }
            // Archived contacts hold no identities: look at their values.
            let (first, last) = key_range(portal, ContactId(1));
            tx.query_row(
                "SELECT id FROM contacts
                 WHERE key BETWEEN ?1 AND ?2 AND state = 1
                   AND lower(json_extract(properties, '$.' || ?3)) = ?4
                 ORDER BY key DESC LIMIT 1",
                params![first, last, format!("\"{property}\""), key],
                |r| r.get(0),
            )
            .optional()
            .map(|id| id.map(ContactId))
            .map_err(internal)
        }
    }
}

pub(crate) fn delete(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    portal: PortalId,
    lookup: &ContactLookup,
) -> Result<Indexed<GdprOutcome>> {
    let Some(id) = target(tx, portal, lookup)? else {
        return match lookup {
            ContactLookup::Unique { property, key } if property == "email" => {
                tx.execute(
                    "INSERT OR IGNORE INTO blocked_emails (portal_id, email, blocked_at) VALUES (?1, ?2, ?3)",
                    params![portal.0, key, Timestamp::now().millis()],
                )
                .map_err(internal)?;
                Ok((GdprOutcome::EmailBlocked, Vec::new()))
            }
            _ => Err(Error::NotFound("resource not found".into())),
        };
    };
    let row =
        resolve(tx, portal, id)?.ok_or_else(|| Error::NotFound("resource not found".into()))?;
    let mut ids: Vec<i64> = tx
        .prepare_cached("SELECT id FROM contacts WHERE portal_id = ?1 AND merged_into = ?2")
        .and_then(|mut stmt| {
            stmt.query_map(params![portal.0, id.0], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()
        })
        .map_err(internal)?;
    ids.push(id.0);
    // Contacts merged into this one hold no identities any more.
    let held = identities(schema, &row.contact.properties);
    swap_identities(tx, portal, id, &held, &[])?;
    for gone in &ids {
        tx.execute(
            "DELETE FROM contacts WHERE key = ?1",
            [key(portal, ContactId(*gone))],
        )
        .map_err(internal)?;
        tx.execute(
            "DELETE FROM contact_changes WHERE portal_id = ?1 AND contact_id = ?2",
            params![portal.0, gone],
        )
        .map_err(internal)?;
        tx.execute(
            "DELETE FROM outbox WHERE portal_id = ?1 AND object_type = 'contact' AND object_id = ?2",
            params![portal.0, gone],
        )
        .map_err(internal)?;
        tx.execute(
            "DELETE FROM contact_merges WHERE portal_id = ?1 AND (merged_id = ?2 OR canonical_id = ?2)",
            params![portal.0, gone],
        )
        .map_err(internal)?;
    }
    // The event says only that the contact is gone; its change row is
    // removed again so no value or history of it remains.
    record_change(
        tx,
        portal,
        id,
        ChangeKind::PrivacyDeleted,
        Timestamp::now(),
        &ChangeSource::api(),
        "{}",
        "{}",
    )?;
    tx.execute(
        "DELETE FROM contact_changes WHERE portal_id = ?1 AND contact_id = ?2",
        params![portal.0, id.0],
    )
    .map_err(internal)?;
    let changes = if row.state == ACTIVE {
        vec![IndexChange::Remove(row.contact)]
    } else {
        Vec::new()
    };
    Ok((GdprOutcome::Deleted(id), changes))
}
