//! Merging two contacts: the primary keeps its id and takes the values it
//! lacks, the secondary's emails and its history; the secondary's row stays
//! (state merged) so its id resolves to the primary.

use super::write::apply_values;
use super::{row_by_id, Indexed, ACTIVE, MERGED};
use crate::internal;
use crate::search_index::IndexChange;
use rusqlite::{params, Transaction};
use spoke_domain::contact::{identities, merged_values, ChangeKind, Contact};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};

fn active(tx: &Transaction<'_>, portal: PortalId, id: ContactId, field: &str) -> Result<Contact> {
    match row_by_id(tx, portal, id)? {
        Some(row) if row.state == ACTIVE => Ok(row.contact),
        Some(row) if row.state == MERGED => Err(Error::invalid_field(
            field,
            format!("Contact {id} was merged into another contact already."),
        )),
        _ => Err(Error::NotFound(format!("Contact {id} does not exist."))),
    }
}

pub(crate) fn merge(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    portal: PortalId,
    primary: ContactId,
    secondary: ContactId,
    at: Timestamp,
) -> Result<Indexed<Contact>> {
    if primary == secondary {
        return Err(Error::invalid_field(
            "objectIdToMerge",
            "A contact cannot be merged with itself.",
        ));
    }
    let kept = active(tx, portal, primary, "primaryObjectId")?;
    let gone = active(tx, portal, secondary, "objectIdToMerge")?;
    let values = merged_values(&kept, &gone);

    // The secondary lets go of its identities so the primary can take them.
    let held = identities(schema, &gone.properties);
    super::write::swap_identities(tx, portal, gone.id, &held, &[])?;

    // Every contact merged into the secondary before now points at the primary.
    let mut merged_ids: Vec<i64> = tx
        .prepare_cached(
            "SELECT id FROM contacts WHERE portal_id = ?1 AND merged_into = ?2 ORDER BY id",
        )
        .and_then(|mut stmt| {
            stmt.query_map(params![portal.0, gone.id.0], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()
        })
        .map_err(internal)?;
    merged_ids.insert(0, gone.id.0);
    tx.execute(
        "UPDATE contacts SET merged_into = ?3 WHERE portal_id = ?1 AND merged_into = ?2",
        params![portal.0, gone.id.0, kept.id.0],
    )
    .map_err(internal)?;
    tx.execute(
        "UPDATE contacts SET state = 2, merged_into = ?2 WHERE key = ?1",
        params![super::key(portal, gone.id), kept.id.0],
    )
    .map_err(internal)?;
    tx.execute(
        "UPDATE contact_merges SET canonical_id = ?3 WHERE portal_id = ?1 AND canonical_id = ?2",
        params![portal.0, gone.id.0, kept.id.0],
    )
    .map_err(internal)?;
    tx.execute(
        "INSERT INTO contact_merges
           (portal_id, merged_id, into_id, canonical_id, merged_at, properties_moved)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
        params![
            portal.0,
            gone.id.0,
            kept.id.0,
            at.millis(),
            values.len() as i64
        ],
    )
    .map_err(internal)?;
    // History moves with the values.
    tx.execute(
        "UPDATE contact_changes SET contact_id = ?3 WHERE portal_id = ?1 AND contact_id = ?2",
        params![portal.0, gone.id.0, kept.id.0],
    )
    .map_err(internal)?;

    let payload = serde_json::json!({
        "primaryObjectId": kept.id.0,
        "mergedObjectIds": merged_ids,
        "numberOfPropertiesMoved": values.len(),
    })
    .to_string();
    let merged = apply_values(
        tx,
        schema,
        portal,
        kept.clone(),
        &values,
        ChangeKind::Merged,
        at,
        &payload,
    )?;
    let changes = vec![
        IndexChange::Remove(gone),
        IndexChange::Replace(kept, merged.clone()),
    ];
    Ok((merged, changes))
}
