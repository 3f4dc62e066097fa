//! Writing what a planner decided, in the write's transaction, in the
//! order [`Changes`] lists its fields.

use super::key;
use crate::internal;
use rusqlite::{params, Transaction};
use spoke_domain::contact::plan::{Changes, HistoryEntry};
use spoke_domain::contact::StoredContact;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::Result;

pub(crate) fn persist(tx: &Transaction<'_>, portal: PortalId, changes: &Changes) -> Result<()> {
    for (id, change) in &changes.rows {
        match (&change.before, &change.after) {
            (None, Some(row)) => insert(tx, portal, row)?,
            (Some(_), Some(row)) => update(tx, portal, row)?,
            (Some(_), None) => delete(tx, portal, *id)?,
            (None, None) => {}
        }
    }
    for ((property, value), change) in &changes.holders {
        if let Some(before) = change.before {
            tx.prepare_cached(
                "DELETE FROM unique_values
                 WHERE portal_id = ?1 AND property = ?2 AND value = ?3 AND contact_id = ?4",
            )
            .and_then(|mut stmt| stmt.execute(params![portal.0, property, value, before.code()]))
            .map_err(internal)?;
        }
        if let Some(after) = change.after {
            tx.prepare_cached(
                "INSERT INTO unique_values (portal_id, property, value, contact_id)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut stmt| stmt.execute(params![portal.0, property, value, after.code()]))
            .map_err(internal)?;
        }
    }
    for (from, to) in &changes.repoints {
        let (portal, from, to) = (portal.0, from.0, to.0);
        for sql in [
            "UPDATE contacts SET merged_into = ?3 WHERE portal_id = ?1 AND merged_into = ?2",
            "UPDATE contact_merges SET canonical_id = ?3 WHERE portal_id = ?1 AND canonical_id = ?2",
            "UPDATE contact_changes SET contact_id = ?3 WHERE portal_id = ?1 AND contact_id = ?2",
        ] {
            tx.prepare_cached(sql)
                .and_then(|mut stmt| stmt.execute(params![portal, from, to]))
                .map_err(internal)?;
        }
    }
    for merge in &changes.merges {
        tx.prepare_cached(
            "INSERT INTO contact_merges
               (portal_id, merged_id, into_id, canonical_id, merged_at, properties_moved)
             VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                portal.0,
                merge.merged.0,
                merge.into.0,
                merge.at.millis(),
                merge.properties_moved
            ])
        })
        .map_err(internal)?;
    }
    for id in &changes.forgotten {
        for sql in [
            "DELETE FROM contact_changes WHERE portal_id = ?1 AND contact_id = ?2",
            "DELETE FROM outbox WHERE portal_id = ?1 AND object_type = 'contact' AND object_id = ?2",
            "DELETE FROM contact_merges WHERE portal_id = ?1 AND (merged_id = ?2 OR canonical_id = ?2)",
        ] {
            tx.prepare_cached(sql)
                .and_then(|mut stmt| stmt.execute(params![portal.0, id.0]))
                .map_err(internal)?;
        }
    }
    if !changes.forgotten.is_empty() {
        crate::snapshots::forget(tx, portal, &changes.forgotten)?;
    }
    for entry in &changes.history {
        record(tx, portal, entry)?;
    }
    if let Some(counter) = changes.counter {
        tx.prepare_cached(
            "UPDATE portals SET next_contact_id = ?2, last_created_at = ?3 WHERE id = ?1",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                portal.0,
                counter.next_id.0,
                counter.last_created.millis()
            ])
        })
        .map_err(internal)?;
    }
    Ok(())
}

fn insert(tx: &Transaction<'_>, portal: PortalId, row: &StoredContact) -> Result<()> {
    let c = &row.contact;
    let json = serde_json::to_string(&c.properties).map_err(internal)?;
    tx.prepare_cached(
        "INSERT INTO contacts
           (key, portal_id, id, state, properties, created_at, updated_at, archived_at, merged_into)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            key(portal, c.id),
            portal.0,
            c.id.0,
            row.state.code(),
            json,
            c.created_at.millis(),
            c.updated_at.millis(),
            c.archived_at.map(|t| t.millis()),
            row.merged_into.map(|id| id.0),
        ])
    })
    .map(drop)
    .map_err(internal)
}

fn update(tx: &Transaction<'_>, portal: PortalId, row: &StoredContact) -> Result<()> {
    let c = &row.contact;
    let json = serde_json::to_string(&c.properties).map_err(internal)?;
    tx.prepare_cached(
        "UPDATE contacts
         SET state = ?2, properties = ?3, updated_at = ?4, archived_at = ?5, merged_into = ?6
         WHERE key = ?1",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            key(portal, c.id),
            row.state.code(),
            json,
            c.updated_at.millis(),
            c.archived_at.map(|t| t.millis()),
            row.merged_into.map(|id| id.0),
        ])
    })
    .map(drop)
    .map_err(internal)
}

fn delete(tx: &Transaction<'_>, portal: PortalId, id: ContactId) -> Result<()> {
    tx.prepare_cached("DELETE FROM contacts WHERE key = ?1")
        .and_then(|mut stmt| stmt.execute([key(portal, id)]))
        .map(drop)
        .map_err(internal)
}

/// A history row (unless the entry keeps none) and its outbox event.
fn record(tx: &Transaction<'_>, portal: PortalId, entry: &HistoryEntry) -> Result<()> {
    let change_id: Option<i64> = if entry.in_history {
        tx.prepare_cached(
            "INSERT INTO contact_changes
               (portal_id, contact_id, kind, occurred_at, source_type, source_id, source_label,
                updated_by_user_id, changed_values)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                portal.0,
                entry.contact.0,
                entry.kind.as_str(),
                entry.at.millis(),
                entry.source.source_type,
                entry.source.source_id,
                entry.source.source_label,
                entry.source.updated_by_user_id,
                entry.values_json()
            ])
        })
        .map_err(internal)?;
        Some(tx.last_insert_rowid())
    } else {
        None
    };
    tx.prepare_cached(
        "INSERT INTO outbox (portal_id, object_type, object_id, kind, occurred_at, change_id, payload)
         VALUES (?1, 'contact', ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            portal.0,
            entry.contact.0,
            entry.kind.as_str(),
            entry.at.millis(),
            change_id,
            entry.payload_json()
        ])
    })
    .map(drop)
    .map_err(internal)
}
