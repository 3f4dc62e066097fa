//! A contact's row as SQLite keeps it: its key, its columns, and their
//! decoding.

use crate::internal;
use rusqlite::{Connection, OptionalExtension, Row as SqlRow};
use spoke_domain::contact::{Contact, ContactState, StoredContact};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;

/// Contact ids stay below 2^32 (the in-memory search index holds 32-bit
/// ids), and a row's key is `portal_id * 2^40 + id`.
pub(crate) const CONTACT_ID_BITS: u32 = 40;
pub(crate) const MAX_CONTACT_ID: i64 = u32::MAX as i64;

/// The rowid of a contact.
pub(crate) fn key(portal: PortalId, id: ContactId) -> i64 {
    (portal.0 << CONTACT_ID_BITS) | (id.0 & ((1 << CONTACT_ID_BITS) - 1))
}

/// Keys of the portal's contacts from id `from` on.
pub(crate) fn key_range(portal: PortalId, from: ContactId) -> (i64, i64) {
    (key(portal, from), key(portal, ContactId(MAX_CONTACT_ID)))
}

pub(crate) fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_stored(millis)
}

/// Columns read by [`read_row`]. A macro so that queries are string
/// constants: the statement cache is keyed by the SQL text.
macro_rules! contact_columns {
    () => {
        "id, properties, created_at, updated_at, archived_at, state, merged_into"
    };
}
pub(crate) use contact_columns;

type RawRow = (i64, String, i64, i64, Option<i64>, i64, Option<i64>);

pub(crate) fn read_row(row: &SqlRow<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

pub(crate) fn decode(raw: RawRow) -> Result<StoredContact> {
    let (id, json, created, updated, archived, state, merged_into) = raw;
    Ok(StoredContact {
        contact: Contact {
            id: ContactId(id),
            properties: serde_json::from_str(&json).map_err(internal)?,
            created_at: timestamp(created),
            updated_at: timestamp(updated),
            archived_at: archived.map(timestamp),
        },
        state: ContactState::from_code(state)
            .ok_or_else(|| internal(format!("contact {id} has unknown state {state}")))?,
        merged_into: merged_into.map(ContactId),
    })
}

/// The row of an id, in any state.
pub(crate) fn row_by_id(
    conn: &Connection,
    portal: PortalId,
    id: ContactId,
) -> Result<Option<StoredContact>> {
    const SQL: &str = concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts WHERE key = ?1"
    );
    if id.0 < 1 || id.0 > MAX_CONTACT_ID {
        return Ok(None);
    }
    let raw = conn
        .prepare_cached(SQL)
        .and_then(|mut stmt| stmt.query_row([key(portal, id)], read_row).optional())
        .map_err(internal)?;
    raw.map(decode).transpose()
}
