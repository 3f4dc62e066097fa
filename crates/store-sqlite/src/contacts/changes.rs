//! A contact's recorded changes (its history), as SQLite keeps them.

use super::row::timestamp;
use crate::internal;
use rusqlite::{params, Connection};
use spoke_domain::contact::{ChangeKind, ChangeSource, RecordedChange};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::Result;

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
    .ok_or_else(|| internal(format!("unknown change kind {text:?}")))
}

/// A contact's recorded changes, oldest first.
pub(crate) fn read_changes(
    conn: &Connection,
    portal: PortalId,
    id: ContactId,
) -> Result<Vec<RecordedChange>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT kind, occurred_at, source_type, source_id, source_label,
                    updated_by_user_id, changed_values
             FROM contact_changes WHERE portal_id = ?1 AND contact_id = ?2 ORDER BY id",
        )
        .map_err(internal)?;
    let rows = stmt
        .query_map(params![portal.0, id.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                ChangeSource {
                    source_type: r.get(2)?,
                    source_id: r.get(3)?,
                    source_label: r.get(4)?,
                    updated_by_user_id: r.get(5)?,
                },
                r.get::<_, String>(6)?,
            ))
        })
        .map_err(internal)?;
    let mut changes = Vec::new();
    for row in rows {
        let (kind, at, source, json) = row.map_err(internal)?;
        changes.push(RecordedChange {
            kind: parse_kind(&kind)?,
            at: timestamp(at),
            source,
            values: serde_json::from_str(&json).map_err(internal)?,
        });
    }
    Ok(changes)
}
