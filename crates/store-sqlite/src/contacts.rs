//! Contacts: create, read, update, archive, list, and their recorded changes.

use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use spoke_domain::contact::{
    unique_key, ChangeKind, ChangeSource, Contact, ContactLookup, ContactWrite, RecordedChange,
};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::store::{ArchiveOutcome, ContactStore, ListQuery};
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::collections::{BTreeMap, HashMap};

/// Contact ids stay below 2^40 so that `portal_id * 2^40 + id` (the row's
/// key) fits in 63 bits for portal ids below 2^23.
const CONTACT_ID_BITS: u32 = 40;
const MAX_CONTACT_ID: i64 = (1 << CONTACT_ID_BITS) - 1;

/// The rowid of a contact.
fn key(portal: PortalId, id: ContactId) -> i64 {
    (portal.0 << CONTACT_ID_BITS) | (id.0 & MAX_CONTACT_ID)
}

/// Keys of the portal's contacts from id `from` on.
pub(crate) fn key_range(portal: PortalId, from: ContactId) -> (i64, i64) {
    (key(portal, from), key(portal, ContactId(MAX_CONTACT_ID)))
}

const ACTIVE: i64 = 0;
const ARCHIVED: i64 = 1;

/// Columns read by [`contact_from_row`]. A macro so that queries are
/// string constants: the statement cache is keyed by the SQL text.
macro_rules! contact_columns {
    () => {
        "id, properties, created_at, updated_at, archived_at"
    };
}

pub(crate) fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_stored(millis)
}

/// Reads a row selected with [`contact_columns`].
fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<(ContactId, String, i64, i64, Option<i64>)> {
    Ok((
        ContactId(row.get(0)?),
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn decode(raw: (ContactId, String, i64, i64, Option<i64>)) -> Result<Contact> {
    let (id, json, created, updated, archived) = raw;
    Ok(Contact {
        id,
        properties: serde_json::from_str(&json).map_err(internal)?,
        created_at: timestamp(created),
        updated_at: timestamp(updated),
        archived_at: archived.map(timestamp),
    })
}

fn state_of(archived: bool) -> i64 {
    if archived {
        ARCHIVED
    } else {
        ACTIVE
    }
}

fn contact_by_id(
    conn: &Connection,
    portal: PortalId,
    id: ContactId,
    state: i64,
) -> Result<Option<Contact>> {
    const SQL: &str = concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts WHERE key = ?1 AND state = ?2"
    );
    let raw = conn
        .prepare_cached(SQL)
        .and_then(|mut stmt| {
            stmt.query_row(params![key(portal, id), state], contact_from_row)
                .optional()
        })
        .map_err(internal)?;
    raw.map(decode).transpose()
}

fn holder_of(
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

fn taken(property: &str, value: &str, existing_id: ContactId) -> Error {
    if property == "email" {
        Error::ContactExists { existing_id }
    } else {
        Error::UniqueValueTaken {
            property: property.to_string(),
            value: value.to_string(),
            existing_id,
        }
    }
}

/// Claims `value` of an identifying property for `contact`, failing when
/// another contact holds it.
fn claim_unique(
    tx: &Transaction<'_>,
    portal: PortalId,
    property: &str,
    value: &str,
    contact: ContactId,
) -> Result<()> {
    let key = unique_key(value);
    match holder_of(tx, portal, property, &key)? {
        Some(holder) if holder == contact => Ok(()),
        Some(holder) => Err(taken(property, value, holder)),
        None => tx
            .prepare_cached(
                "INSERT INTO unique_values (portal_id, property, value, contact_id) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut stmt| stmt.execute(params![portal.0, property, key, contact.0]))
            .map(drop)
            .map_err(internal),
    }
}

fn release_unique(
    tx: &Transaction<'_>,
    portal: PortalId,
    property: &str,
    value: &str,
) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM unique_values WHERE portal_id = ?1 AND property = ?2 AND value = ?3",
    )
    .and_then(|mut stmt| stmt.execute(params![portal.0, property, unique_key(value)]))
    .map(drop)
    .map_err(internal)
}

fn identifies(schema: &PropertySchema, name: &str) -> bool {
    schema
        .get_including_archived(name)
        .is_some_and(|d| d.identifies_contact())
}

/// Records one write in the contact's history and in the outbox.
fn record_change(
    tx: &Transaction<'_>,
    portal: PortalId,
    contact: ContactId,
    kind: ChangeKind,
    at: Timestamp,
    source: &ChangeSource,
    values: &BTreeMap<&str, &str>,
) -> Result<()> {
    let json = serde_json::to_string(values).map_err(internal)?;
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
            json
        ])
    })
    .map_err(internal)?;
    let change_id = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO outbox (portal_id, object_type, object_id, kind, occurred_at, change_id)
         VALUES (?1, 'contact', ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            portal.0,
            contact.0,
            kind.as_str(),
            at.millis(),
            change_id
        ])
    })
    .map(drop)
    .map_err(internal)
}

fn allocate_contact_id(tx: &Transaction<'_>, portal: PortalId) -> Result<ContactId> {
    tx.prepare_cached(
        "UPDATE portals SET next_contact_id = next_contact_id + 1 WHERE id = ?1
         RETURNING next_contact_id - 1",
    )
    .and_then(|mut stmt| stmt.query_row([portal.0], |r| r.get(0)))
    .map_err(internal)
    .and_then(|id: i64| {
        if id > MAX_CONTACT_ID {
            Err(internal(format!(
                "portal {portal} has used every contact id"
            )))
        } else {
            Ok(ContactId(id))
        }
    })
}

pub(crate) fn insert_contact(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    portal: PortalId,
    write: &ContactWrite,
) -> Result<Contact> {
    let id = allocate_contact_id(tx, portal)?;
    let properties: BTreeMap<String, String> = write
        .changes
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
        .collect();
    for (name, value) in &properties {
        if identifies(schema, name) {
            claim_unique(tx, portal, name, value, id)?;
        }
    }
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
            write.at.millis()
        ])
    })
    .map_err(internal)?;
    let values: BTreeMap<&str, &str> = properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    record_change(
        tx,
        portal,
        id,
        ChangeKind::Created,
        write.at,
        &write.source,
        &values,
    )?;
    Ok(Contact {
        id,
        properties,
        created_at: write.at,
        updated_at: write.at,
        archived_at: None,
    })
}

pub(crate) fn apply_update(
    tx: &Transaction<'_>,
    schema: &PropertySchema,
    portal: PortalId,
    id: ContactId,
    write: &ContactWrite,
) -> Result<Contact> {
    let mut contact = contact_by_id(tx, portal, id, ACTIVE)?
        .ok_or_else(|| Error::NotFound("resource not found".into()))?;
    let mut recorded: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, new) in write.changes.iter() {
        let old = contact.properties.get(name.as_str());
        if old == new.as_ref() {
            continue;
        }
        if identifies(schema, name) {
            if let Some(new) = new {
                claim_unique(tx, portal, name, new, id)?;
            }
            if let Some(old) = old {
                if new.as_deref().map(unique_key) != Some(unique_key(old)) {
                    release_unique(tx, portal, name, old)?;
                }
            }
        }
        recorded.insert(name.as_str(), new.as_deref().unwrap_or(""));
    }
    if recorded.is_empty() {
        return Ok(contact);
    }
    for (name, value) in &recorded {
        if value.is_empty() {
            contact.properties.remove(*name);
        } else {
            contact
                .properties
                .insert(name.to_string(), value.to_string());
        }
    }
    contact.updated_at = write.at;
    let json = serde_json::to_string(&contact.properties).map_err(internal)?;
    tx.prepare_cached("UPDATE contacts SET properties = ?2, updated_at = ?3 WHERE key = ?1")
        .and_then(|mut stmt| stmt.execute(params![key(portal, id), json, write.at.millis()]))
        .map_err(internal)?;
    record_change(
        tx,
        portal,
        id,
        ChangeKind::PropertiesChanged,
        write.at,
        &write.source,
        &recorded,
    )?;
    Ok(contact)
}

fn find_archived_by_unique(
    conn: &Connection,
    portal: PortalId,
    property: &str,
    value_key: &str,
) -> Result<Option<Contact>> {
    // Archived contacts hold no unique values; this rare lookup scans the
    // portal's archived contacts, newest first.
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
                contact_from_row,
            )
            .optional()
        })
        .map_err(internal)?;
    raw.map(decode).transpose()
}

#[async_trait]
impl ContactStore for SqliteStore {
    async fn create_contact(&self, portal: PortalId, write: ContactWrite) -> Result<Contact> {
        let schema = spoke_domain::store::PropertyStore::property_schema(self, portal).await?;
        self.connections()
            .write(move |tx| insert_contact(tx, &schema, portal, &write))
            .await
    }

    async fn update_contact(
        &self,
        portal: PortalId,
        id: ContactId,
        write: ContactWrite,
    ) -> Result<Contact> {
        let schema = spoke_domain::store::PropertyStore::property_schema(self, portal).await?;
        self.connections()
            .write(move |tx| apply_update(tx, &schema, portal, id, &write))
            .await
    }

    async fn find_contact(
        &self,
        portal: PortalId,
        lookup: &ContactLookup,
        archived: bool,
    ) -> Result<Option<Contact>> {
        self.connections().read(|conn| match lookup {
            ContactLookup::Id(id) => contact_by_id(conn, portal, *id, state_of(archived)),
            ContactLookup::Unique { property, key } if archived => {
                find_archived_by_unique(conn, portal, property, key)
            }
            ContactLookup::Unique { property, key } => {
                match holder_of(conn, portal, property, key)? {
                    Some(id) => contact_by_id(conn, portal, id, ACTIVE),
                    None => Ok(None),
                }
            }
        })
    }

    async fn archive_contact(&self, portal: PortalId, id: ContactId) -> Result<ArchiveOutcome> {
        let schema = spoke_domain::store::PropertyStore::property_schema(self, portal).await?;
        self.connections()
            .write(move |tx| {
                let state: Option<(i64, String)> = tx
                    .prepare_cached("SELECT state, properties FROM contacts WHERE key = ?1")
                    .and_then(|mut stmt| {
                        stmt.query_row([key(portal, id)], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    })
                    .map_err(internal)?;
                let Some((state, json)) = state else {
                    return Ok(ArchiveOutcome::NotFound);
                };
                if state == ARCHIVED {
                    return Ok(ArchiveOutcome::AlreadyArchived);
                }
                let properties: BTreeMap<String, String> =
                    serde_json::from_str(&json).map_err(internal)?;
                for (name, value) in &properties {
                    if identifies(&schema, name) {
                        release_unique(tx, portal, name, value)?;
                    }
                }
                let now = Timestamp::now();
                tx.prepare_cached("UPDATE contacts SET state = 1, archived_at = ?2 WHERE key = ?1")
                    .and_then(|mut stmt| stmt.execute(params![key(portal, id), now.millis()]))
                    .map_err(internal)?;
                record_change(
                    tx,
                    portal,
                    id,
                    ChangeKind::Archived,
                    now,
                    &ChangeSource::api(),
                    &BTreeMap::new(),
                )?;
                Ok(ArchiveOutcome::Archived)
            })
            .await
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
                    contact_from_row,
                )
                .map_err(internal)?;
            rows.map(|r| r.map_err(internal).and_then(decode)).collect()
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
