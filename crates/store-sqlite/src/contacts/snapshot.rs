//! Reading what a planner asks for, inside the write's transaction (the
//! single writer needs no row locks).

use super::{contact_columns, decode, key_range, read_row, row_by_id};
use crate::internal;
use rusqlite::{params, Connection};
use spoke_domain::contact::plan::{Snapshot, Wanted};
use spoke_domain::contact::{ContactState, StoredContact};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::Result;

pub(crate) fn read(conn: &Connection, portal: PortalId, wanted: &Wanted) -> Result<Snapshot> {
    let mut snapshot = Snapshot::default();
    for id in &wanted.contacts {
        snapshot.contacts.insert(*id, row_by_id(conn, portal, *id)?);
    }
    for (property, key) in &wanted.holders {
        let holder = super::holder_of(conn, portal, property, key)?;
        snapshot
            .holders
            .insert((property.clone(), key.clone()), holder);
    }
    for id in &wanted.merged_into {
        snapshot
            .merged_into
            .insert(*id, merged_into(conn, portal, *id)?);
    }
    for property in &wanted.archived_with {
        snapshot
            .archived_with
            .insert(property.clone(), archived_with(conn, portal, property)?);
    }
    Ok(snapshot)
}

/// The contacts merged into `id`.
fn merged_into(conn: &Connection, portal: PortalId, id: ContactId) -> Result<Vec<ContactId>> {
    conn.prepare_cached(
        "SELECT id FROM contacts WHERE portal_id = ?1 AND merged_into = ?2 ORDER BY id",
    )
    .and_then(|mut stmt| {
        stmt.query_map(params![portal.0, id.0], |r| r.get(0))?
            .map(|id| id.map(ContactId))
            .collect()
    })
    .map_err(internal)
}

/// Archived contacts with a value of `property`. Archived contacts hold no
/// identities; this rare lookup scans the portal's archived contacts.
pub(crate) fn archived_with(
    conn: &Connection,
    portal: PortalId,
    property: &str,
) -> Result<Vec<StoredContact>> {
    const SQL: &str = concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts
         WHERE key BETWEEN ?1 AND ?2 AND state = ?3
           AND json_extract(properties, ?4) IS NOT NULL"
    );
    let (first, last) = key_range(portal, ContactId(1));
    let mut stmt = conn.prepare_cached(SQL).map_err(internal)?;
    let rows = stmt
        .query_map(
            params![
                first,
                last,
                ContactState::Archived.code(),
                format!("$.\"{property}\"")
            ],
            read_row,
        )
        .map_err(internal)?;
    rows.map(|r| r.map_err(internal).and_then(decode)).collect()
}
