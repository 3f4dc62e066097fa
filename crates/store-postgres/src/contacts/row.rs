//! A contact's row as every read returns it: the columns and their decoding.

use crate::db::db;
use spoke_domain::contact::{ChangeKind, Contact, ContactState, StoredContact};
use spoke_domain::ids::ContactId;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::collections::BTreeMap;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

/// The columns [`decode`] reads, of `contacts c`; a macro so that queries
/// are `&'static str` (statements are cached by their text).
macro_rules! contact_columns {
    () => {
        "c.contact_id, c.properties, c.created_at, c.updated_at, c.archived_at, c.state, c.merged_into"
    };
}
pub(crate) use contact_columns;

pub(crate) const COLUMNS: &str = contact_columns!();

pub(crate) fn decode(row: &Row) -> Result<StoredContact> {
    let id: i64 = row.try_get(0).map_err(db)?;
    let properties: Json<BTreeMap<String, String>> = row.try_get(1).map_err(db)?;
    let state: i16 = row.try_get(5).map_err(db)?;
    Ok(StoredContact {
        contact: Contact {
            id: ContactId(id),
            properties: properties.0,
            created_at: Timestamp::from_stored(row.try_get(2).map_err(db)?),
            updated_at: Timestamp::from_stored(row.try_get(3).map_err(db)?),
            archived_at: row
                .try_get::<_, Option<i64>>(4)
                .map_err(db)?
                .map(Timestamp::from_stored),
        },
        state: ContactState::from_code(i64::from(state))
            .ok_or_else(|| Error::internal(format!("contact {id} has unknown state {state}")))?,
        merged_into: row.try_get::<_, Option<i64>>(6).map_err(db)?.map(ContactId),
    })
}

/// A recorded change's kind, from the name stores keep.
pub(crate) fn parse_kind(text: &str) -> Result<ChangeKind> {
    [
        ChangeKind::Created,
        ChangeKind::PropertiesChanged,
        ChangeKind::Archived,
        ChangeKind::Restored,
        ChangeKind::Merged,
        ChangeKind::PrivacyDeleted,
    ]
    .into_iter()
    .find(|k| k.as_str() == text)
    .ok_or_else(|| Error::internal(format!("unknown change kind {text:?}")))
}
