//! Contacts in SQLite: rows, reads, and the [`ContactStore`]
//! implementation. Writes live in the submodules, one per operation.

mod archive;
mod gdpr;
mod merge;
mod write;

use crate::search_index::IndexChange;
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row as SqlRow};
use spoke_domain::contact::{ChangeKind, ChangeSource, Contact, ContactLookup, RecordedChange};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::search::{SearchHits, SearchRequest};
use spoke_domain::store::{
    ArchiveOutcome, BatchMode, ContactOp, ContactStore, GdprOutcome, ListQuery, MergeAudit,
    OpOutcome, PropertyStore, RecentQuery,
};
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::collections::HashMap;

/// Contact ids stay below 2^32 (the search index holds 32-bit ids), and a
/// row's key is `portal_id * 2^40 + id`.
const CONTACT_ID_BITS: u32 = 40;
pub(crate) const MAX_CONTACT_ID: i64 = u32::MAX as i64;

pub(crate) const ACTIVE: i64 = 0;
pub(crate) const ARCHIVED: i64 = 1;
/// Merged into another contact; the row remains so its id resolves.
pub(crate) const MERGED: i64 = 2;

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

/// A contact row with its state.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub contact: Contact,
    pub state: i64,
    pub merged_into: Option<ContactId>,
}

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

pub(crate) fn decode(raw: RawRow) -> Result<Row> {
    let (id, json, created, updated, archived, state, merged_into) = raw;
    Ok(Row {
        contact: Contact {
            id: ContactId(id),
            properties: serde_json::from_str(&json).map_err(internal)?,
            created_at: timestamp(created),
            updated_at: timestamp(updated),
            archived_at: archived.map(timestamp),
        },
        state,
        merged_into: merged_into.map(ContactId),
    })
}

/// The row of an id, in any state.
pub(crate) fn row_by_id(conn: &Connection, portal: PortalId, id: ContactId) -> Result<Option<Row>> {
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

/// The row an id names now: its own, or that of the contact it was merged
/// into (merges re-point earlier merges, so one step suffices).
pub(crate) fn resolve(conn: &Connection, portal: PortalId, id: ContactId) -> Result<Option<Row>> {
    match row_by_id(conn, portal, id)? {
        Some(Row {
            state: MERGED,
            merged_into: Some(target),
            ..
        }) => row_by_id(conn, portal, target),
        other => Ok(other),
    }
}

/// The active contact holding an identifying value.
pub(crate) fn holder_of(
    conn: &Connection,
    portal: PortalId,
    property: &str,
    key: &str,
) -> Result<Option<ContactId>> {
    conn.prepare_cached(
        "SELECT contact_id FROM unique_values WHERE portal_id = ?1 AND property = ?2 AND value = ?3",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![portal.0, property, key], |r| r.get(0))
            .optional()
    })
    .map(|id| id.map(ContactId))
    .map_err(internal)
}

fn state_of(archived: bool) -> i64 {
    if archived {
        ARCHIVED
    } else {
        ACTIVE
    }
}

/// An active or archived contact by id, merged ids resolved.
fn contact_in_state(
    conn: &Connection,
    portal: PortalId,
    id: ContactId,
    archived: bool,
) -> Result<Option<Contact>> {
    Ok(resolve(conn, portal, id)?
        .filter(|row| row.state == state_of(archived))
        .map(|row| row.contact))
}

/// Archived contacts hold no identities; this rare lookup scans the
/// portal's archived contacts, newest first.
fn find_archived_by_unique(
    conn: &Connection,
    portal: PortalId,
    property: &str,
    value_key: &str,
) -> Result<Option<Contact>> {
    const SQL: &str = concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts
         WHERE key BETWEEN ?1 AND ?2 AND state = 1
           AND lower(json_extract(properties, '$.' || ?3)) = ?4
         ORDER BY key DESC LIMIT 1"
    );
    let (first, last) = key_range(portal, ContactId(1));
    let raw = conn
        .prepare_cached(SQL)
        .and_then(|mut stmt| {
            stmt.query_row(
                params![first, last, format!("\"{property}\""), value_key],
                read_row,
            )
            .optional()
        })
        .map_err(internal)?;
    Ok(raw.map(decode).transpose()?.map(|row| row.contact))
}

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

#[async_trait]
impl ContactStore for SqliteStore {
    async fn apply(
        &self,
        portal: PortalId,
        ops: Vec<ContactOp>,
        mode: BatchMode,
    ) -> Result<Vec<Result<OpOutcome>>> {
        let schema = self.property_schema(portal).await?;
        let indexing = schema.clone();
        self.write_indexed(portal, indexing, move |tx| {
            write::apply(tx, &schema, portal, ops, mode)
        })
        .await
    }

    async fn find_contact(
        &self,
        portal: PortalId,
        lookup: &ContactLookup,
        archived: bool,
    ) -> Result<Option<Contact>> {
        self.connections().read(|conn| match lookup {
            ContactLookup::Id(id) => contact_in_state(conn, portal, *id, archived),
            ContactLookup::Unique { property, key } if archived => {
                find_archived_by_unique(conn, portal, property, key)
            }
            ContactLookup::Unique { property, key } => {
                match holder_of(conn, portal, property, key)? {
                    Some(id) => contact_in_state(conn, portal, id, false),
                    None => Ok(None),
                }
            }
        })
    }

    async fn find_contacts(
        &self,
        portal: PortalId,
        ids: &[ContactId],
        archived: bool,
    ) -> Result<Vec<Contact>> {
        self.connections().read(|conn| {
            let mut found: Vec<Contact> = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(contact) = contact_in_state(conn, portal, *id, archived)? {
                    if !found.iter().any(|c| c.id == contact.id) {
                        found.push(contact);
                    }
                }
            }
            Ok(found)
        })
    }

    async fn archive_contacts(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<Vec<ArchiveOutcome>> {
        let schema = self.property_schema(portal).await?;
        let ids = ids.to_vec();
        let indexing = schema.clone();
        self.write_indexed(portal, indexing, move |tx| {
            archive::archive(tx, &schema, portal, &ids)
        })
        .await
    }

    async fn merge_contacts(
        &self,
        portal: PortalId,
        primary: ContactId,
        secondary: ContactId,
        at: Timestamp,
    ) -> Result<Contact> {
        let schema = self.property_schema(portal).await?;
        let indexing = schema.clone();
        self.write_indexed(portal, indexing, move |tx| {
            merge::merge(tx, &schema, portal, primary, secondary, at)
        })
        .await
    }

    async fn gdpr_delete(&self, portal: PortalId, lookup: &ContactLookup) -> Result<GdprOutcome> {
        let schema = self.property_schema(portal).await?;
        let lookup = lookup.clone();
        let indexing = schema.clone();
        let outcome = self
            .write_indexed(portal, indexing, move |tx| {
                gdpr::delete(tx, &schema, portal, &lookup)
            })
            .await?;
        // Deleted content is zeroed in the database (secure_delete); the
        // write-ahead log still holds older page images until checkpointed.
        self.connections()
            .write_then(
                |_| Ok(()),
                |conn, _| {
                    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                        .map_err(internal)
                },
            )
            .await?;
        Ok(outcome)
    }

    async fn list_contacts(&self, portal: PortalId, query: ListQuery) -> Result<Vec<Contact>> {
        const SQL: &str = concat!(
            "SELECT ",
            contact_columns!(),
            " FROM contacts
             WHERE key BETWEEN ?1 AND ?2 AND state = ?3 ORDER BY key LIMIT ?4"
        );
        let (first, last) = key_range(portal, query.from.unwrap_or(ContactId(1)));
        self.connections().read(|conn| {
            let mut stmt = conn.prepare_cached(SQL).map_err(internal)?;
            let rows = stmt
                .query_map(
                    params![first, last, state_of(query.archived), query.limit as i64],
                    read_row,
                )
                .map_err(internal)?;
            rows.map(|r| r.map_err(internal).and_then(decode).map(|row| row.contact))
                .collect()
        })
    }

    async fn recorded_changes(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<RecordedChange>>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT kind, occurred_at, source_type, source_id, source_label,
                            updated_by_user_id, changed_values
                     FROM contact_changes WHERE portal_id = ?1 AND contact_id = ?2 ORDER BY id",
                )
                .map_err(internal)?;
            let mut all = HashMap::new();
            for id in ids {
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
                all.insert(*id, changes);
            }
            Ok(all)
        })
    }

    async fn search(&self, portal: PortalId, request: SearchRequest) -> Result<SearchHits> {
        let index = self
            .indexes()
            .get(portal)
            .ok_or_else(|| Error::NotFound(format!("portal {portal} has no search index")))?;
        // Evaluation is CPU work of up to milliseconds: off the async workers.
        tokio::task::spawn_blocking(move || {
            let index = index
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            index.search(&request)
        })
        .await
        .map_err(internal)
    }

    async fn recent_contacts(
        &self,
        portal: PortalId,
        query: RecentQuery,
    ) -> Result<Vec<ContactId>> {
        let index = self
            .indexes()
            .get(portal)
            .ok_or_else(|| Error::NotFound(format!("portal {portal} has no search index")))?;
        let index = index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(index.recent(query.by, query.before, query.limit))
    }

    async fn merge_audits(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<MergeAudit>>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT merged_id, into_id, merged_at, properties_moved FROM contact_merges
                     WHERE portal_id = ?1 AND canonical_id = ?2 ORDER BY merged_at, merged_id",
                )
                .map_err(internal)?;
            let mut all = HashMap::new();
            for id in ids {
                let audits = stmt
                    .query_map(params![portal.0, id.0], |r| {
                        Ok(MergeAudit {
                            merged: ContactId(r.get(0)?),
                            into: ContactId(r.get(1)?),
                            at: timestamp(r.get(2)?),
                            properties_moved: r.get(3)?,
                        })
                    })
                    .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
                    .map_err(internal)?;
                all.insert(*id, audits);
            }
            Ok(all)
        })
    }
}

/// What a write transaction returns: its result and the search index
/// changes to apply once it has committed.
pub(crate) type Indexed<R> = (R, Vec<IndexChange>);
