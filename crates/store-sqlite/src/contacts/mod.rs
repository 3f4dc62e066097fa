//! Contacts in SQLite: rows, reads, and the [`ContactStore`]
//! implementation. Writes are decided by the domain's planners
//! ([`spoke_domain::contact::plan`]); this module reads what they ask for
//! ([`snapshot`]) and persists what they decide ([`persist`]).

pub(crate) mod changes;
mod persist;
pub(crate) mod row;
mod snapshot;

pub(crate) use changes::{parse_kind, read_changes};
pub(crate) use row::{
    contact_columns, decode, key, key_range, read_row, row_by_id, timestamp, MAX_CONTACT_ID,
};

use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use spoke_domain::contact::plan::{
    ArchivePlanner, BatchPlanner, Changes, GdprPlanner, Holder, IdBlock, MergePlanner, Planner,
    RestorePlanner,
};
use spoke_domain::contact::{
    newest_archived_holding, properties_holding, Contact, ContactLookup, ContactState,
    RecordedChange, StoredContact,
};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::search::{SearchHits, SearchRequest};
use spoke_domain::store::{
    ArchiveOutcome, BatchMode, ContactOp, ContactStore, GdprOutcome, ListQuery, MergeAudit,
    OpOutcome, PropertyStore, RecentQuery,
};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::collections::HashMap;

/// The row an id names now: its own, or that of the contact it was merged
/// into (merges re-point earlier merges, so one step suffices).
fn resolve(conn: &Connection, portal: PortalId, id: ContactId) -> Result<Option<StoredContact>> {
    match row_by_id(conn, portal, id)? {
        Some(StoredContact {
            state: ContactState::Merged,
            merged_into: Some(target),
            ..
        }) => row_by_id(conn, portal, target),
        other => Ok(other),
    }
}

/// Who holds an identifying value.
pub(crate) fn holder_of(
    conn: &Connection,
    portal: PortalId,
    property: &str,
    key: &str,
) -> Result<Option<Holder>> {
    conn.prepare_cached(
        "SELECT contact_id FROM unique_values WHERE portal_id = ?1 AND property = ?2 AND value = ?3",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![portal.0, property, key], |r| r.get(0))
            .optional()
    })
    .map(|code| code.map(Holder::from_code))
    .map_err(internal)
}

fn state_of(archived: bool) -> ContactState {
    if archived {
        ContactState::Archived
    } else {
        ContactState::Active
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

/// Reads what a planner asks for until it asks for nothing more.
fn settle(tx: &Transaction<'_>, portal: PortalId, planner: &mut impl Planner) -> Result<()> {
    while let Some(wanted) = planner.wanted() {
        planner.give(snapshot::read(tx, portal, &wanted)?);
    }
    Ok(())
}

/// The portal's next contact id and latest creation time.
fn id_block(tx: &Transaction<'_>, portal: PortalId) -> Result<IdBlock> {
    let (next, last): (i64, i64) = tx
        .prepare_cached("SELECT next_contact_id, last_created_at FROM portals WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([portal.0], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(internal)?;
    // The single writer keeps the counter in the write's own transaction:
    // ids of a write that fails are never used.
    let count = (MAX_CONTACT_ID + 1 - next).max(0) as usize;
    Ok(IdBlock {
        first: ContactId(next),
        count,
        created_floor: timestamp(last),
    })
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
        let (lists, cache) = (schema.clone(), self.live_lists());
        self.write_planned(portal, Some(schema.clone()), move |tx| {
            let mut planner = BatchPlanner::new(portal, schema, ops, mode);
            settle(tx, portal, &mut planner)?;
            let block = if planner.may_create() {
                id_block(tx, portal)?
            } else {
                IdBlock::none()
            };
            let planned = planner.plan(block)?;
            persist::persist(tx, portal, &planned.changes)?;
            crate::lists::follow::follow_writes(tx, portal, &planned.changes, &lists, &cache)?;
            Ok((planned.outcome, planned.changes))
        })
        .await
    }

    async fn find_contact(
        &self,
        portal: PortalId,
        lookup: &ContactLookup,
        archived: bool,
    ) -> Result<Option<Contact>> {
        match lookup {
            ContactLookup::Id(id) => self
                .connections()
                .read(|conn| contact_in_state(conn, portal, *id, archived)),
            ContactLookup::Unique { property, key } if archived => {
                let schema = self.property_schema(portal).await?;
                self.connections().read(|conn| {
                    let mut rows = Vec::new();
                    for name in properties_holding(property) {
                        rows.extend(snapshot::archived_with(conn, portal, &name)?);
                    }
                    Ok(newest_archived_holding(&rows, &schema, property, key)
                        .map(|row| row.contact.clone()))
                })
            }
            ContactLookup::Unique { property, key } => {
                self.connections()
                    .read(|conn| match holder_of(conn, portal, property, key)? {
                        Some(Holder::Contact(id)) => contact_in_state(conn, portal, id, false),
                        _ => Ok(None),
                    })
            }
        }
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
        let (lists, cache) = (schema.clone(), self.live_lists());
        self.write_planned(portal, Some(schema.clone()), move |tx| {
            let mut planner = ArchivePlanner::new(schema, ids, Timestamp::now());
            settle(tx, portal, &mut planner)?;
            let planned = planner.plan()?;
            persist::persist(tx, portal, &planned.changes)?;
            crate::lists::follow::follow_writes(tx, portal, &planned.changes, &lists, &cache)?;
            Ok((planned.outcome, planned.changes))
        })
        .await
    }

    async fn archived_before(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> Result<Vec<(PortalId, ContactId)>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT portal_id, id FROM contacts
                     WHERE state = ?1 AND archived_at < ?2 ORDER BY archived_at LIMIT ?3",
                )
                .map_err(internal)?;
            let rows = stmt
                .query_map(
                    rusqlite::params![ContactState::Archived.code(), before.millis(), limit as i64],
                    |r| Ok((PortalId(r.get(0)?), ContactId(r.get(1)?))),
                )
                .map_err(internal)?;
            rows.collect::<rusqlite::Result<_>>().map_err(internal)
        })
    }

    async fn purge_archived(
        &self,
        portal: PortalId,
        id: ContactId,
        before: Timestamp,
    ) -> Result<bool> {
        let schema = self.property_schema(portal).await?;
        let (lists, cache) = (schema.clone(), self.live_lists());
        let purged = self
            .write_planned(portal, Some(schema.clone()), move |tx| {
                let mut planner = GdprPlanner::purge(schema, id, before, Timestamp::now());
                settle(tx, portal, &mut planner)?;
                let planned = planner.plan()?;
                persist::persist(tx, portal, &planned.changes)?;
                crate::lists::follow::follow_writes(tx, portal, &planned.changes, &lists, &cache)?;
                Ok((planned.outcome, planned.changes))
            })
            .await;
        match purged {
            Ok(_) => Ok(true),
            Err(spoke_domain::Error::NotFound(_)) => Ok(false),
            Err(err) => Err(err),
        }
    }

    async fn restore_contact(&self, portal: PortalId, id: ContactId) -> Result<Contact> {
        let schema = self.property_schema(portal).await?;
        let (lists, cache) = (schema.clone(), self.live_lists());
        self.write_planned(portal, Some(schema.clone()), move |tx| {
            let mut planner = RestorePlanner::new(schema, id, Timestamp::now());
            settle(tx, portal, &mut planner)?;
            let planned = planner.plan()?;
            persist::persist(tx, portal, &planned.changes)?;
            crate::lists::follow::follow_writes(tx, portal, &planned.changes, &lists, &cache)?;
            Ok((planned.outcome, planned.changes))
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
        let (lists, cache) = (schema.clone(), self.live_lists());
        self.write_planned(portal, Some(schema.clone()), move |tx| {
            let mut planner = MergePlanner::new(schema, primary, secondary, at);
            settle(tx, portal, &mut planner)?;
            let planned = planner.plan()?;
            persist::persist(tx, portal, &planned.changes)?;
            crate::lists::follow::follow_writes(tx, portal, &planned.changes, &lists, &cache)?;
            Ok((planned.outcome, planned.changes))
        })
        .await
    }

    async fn gdpr_delete(&self, portal: PortalId, lookup: &ContactLookup) -> Result<GdprOutcome> {
        let schema = self.property_schema(portal).await?;
        let lookup = lookup.clone();
        let outcome = self
            .write_planned(portal, Some(schema.clone()), {
                let (lists, cache) = (schema.clone(), self.live_lists());
                move |tx| {
                    let mut planner = GdprPlanner::new(schema, lookup, Timestamp::now());
                    settle(tx, portal, &mut planner)?;
                    let planned = planner.plan()?;
                    persist::persist(tx, portal, &planned.changes)?;
                    crate::lists::follow::follow_writes(
                        tx,
                        portal,
                        &planned.changes,
                        &lists,
                        &cache,
                    )?;
                    Ok((planned.outcome, planned.changes))
                }
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
                    params![
                        first,
                        last,
                        state_of(query.archived).code(),
                        query.limit as i64
                    ],
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
            let mut all = HashMap::new();
            for id in ids {
                all.insert(*id, read_changes(conn, portal, *id)?);
            }
            Ok(all)
        })
    }

    async fn search(&self, portal: PortalId, request: SearchRequest) -> Result<SearchHits> {
        let index = self.indexes().ready(portal).await?;
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
        let index = self.indexes().ready(portal).await?;
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

/// What a planned write transaction returns: its answer and the changes
/// it persisted (from which the search index follows, after the commit).
pub(crate) type PlannedWrite<R> = (R, Changes);
