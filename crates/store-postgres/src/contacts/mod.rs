//! Contacts in PostgreSQL: rows, reads, and the [`ContactStore`]
//! implementation. Writes are decided by the domain's planners; this
//! module reads and locks what they ask for ([`snapshot`]), sets ids aside
//! ([`ids`]) and persists what they decide ([`persist`]), trying again when
//! a concurrent writer got in first.

mod ids;
pub(crate) mod persist;
pub(crate) mod row;
mod snapshot;

pub(crate) use row::{decode, parse_kind, COLUMNS};

use crate::db::{client, db, retrying};
use crate::readers::Reader;
use crate::search;
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::Transaction;
use spoke_domain::contact::plan::{
    ArchivePlanner, BatchPlanner, GdprPlanner, IdBlock, MergePlanner, Planner, RestorePlanner,
};
use spoke_domain::contact::{
    newest_archived_holding, properties_holding, ChangeSource, Contact, ContactLookup,
    ContactState, RecordedChange, StoredContact,
};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::search::{SearchHits, SearchRequest};
use spoke_domain::store::{
    ArchiveOutcome, BatchMode, ContactOp, ContactStore, GdprOutcome, ListQuery, MergeAudit,
    OpOutcome, PropertyStore, RecentQuery,
};
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio_postgres::types::Json;

/// Rows by id, in any state.
async fn rows_by_id(
    reader: &Reader,
    portal: PortalId,
    ids: &[i64],
) -> Result<HashMap<ContactId, StoredContact>> {
    const SQL: &str = concat!(
        "SELECT ",
        row::contact_columns!(),
        " FROM contacts c WHERE c.portal_id = $1 AND c.contact_id = ANY($2)"
    );
    let stmt = reader.statement(SQL).await?;
    let rows = reader
        .client()
        .query(&stmt, &[&portal.0, &ids])
        .await
        .map_err(db)?;
    rows.iter()
        .map(|row| decode(row).map(|r| (r.id(), r)))
        .collect()
}

/// The row of one id, in any state.
async fn row_by_id(
    reader: &Reader,
    portal: PortalId,
    id: ContactId,
) -> Result<Option<StoredContact>> {
    const SQL: &str = concat!(
        "SELECT ",
        row::contact_columns!(),
        " FROM contacts c WHERE c.portal_id = $1 AND c.contact_id = $2"
    );
    let stmt = reader.statement(SQL).await?;
    reader
        .client()
        .query_opt(&stmt, &[&portal.0, &id.0])
        .await
        .map_err(db)?
        .as_ref()
        .map(decode)
        .transpose()
}

fn state_of(archived: bool) -> ContactState {
    if archived {
        ContactState::Archived
    } else {
        ContactState::Active
    }
}

/// Reads (and locks) what a planner asks for until it asks for nothing.
async fn settle(tx: &Transaction<'_>, portal: PortalId, planner: &mut impl Planner) -> Result<()> {
    while let Some(wanted) = planner.wanted() {
        planner.give(snapshot::read(tx, portal, &wanted).await?);
    }
    Ok(())
}

impl PostgresStore {
    async fn try_apply(
        &self,
        portal: PortalId,
        schema: &Arc<PropertySchema>,
        ops: &[ContactOp],
        mode: BatchMode,
    ) -> Result<Vec<Result<OpOutcome>>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let mut planner = BatchPlanner::new(portal, Arc::clone(schema), ops.to_vec(), mode);
        settle(&tx, portal, &mut planner).await?;
        // Planned once without ids to learn how many it creates: a write
        // that fails sets none aside, as on every backend.
        let creations = planner.creations()?;
        let block = if creations > 0 {
            ids::set_aside(&self.inner.ids, portal, creations, planner.latest_write()).await?
        } else {
            IdBlock::none()
        };
        let planned = planner.plan(block)?;
        persist::persist(&tx, portal, &planned.changes, schema).await?;
        crate::lists::follow::follow_writes(
            &tx,
            portal,
            &planned.changes,
            schema,
            &self.inner.live_lists,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        self.inner.statistics.wrote(planned.changes.rows.len());
        Ok(planned.outcome)
    }

    /// Runs a planner that needs no ids: read, decide, persist, commit.
    async fn try_planned<P, R>(
        &self,
        portal: PortalId,
        schema: &PropertySchema,
        mut planner: P,
        decide: impl FnOnce(P) -> Result<spoke_domain::contact::plan::Planned<R>>,
    ) -> Result<R>
    where
        P: Planner + Send,
        R: Send,
    {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        settle(&tx, portal, &mut planner).await?;
        let planned = decide(planner)?;
        persist::persist(&tx, portal, &planned.changes, schema).await?;
        crate::lists::follow::follow_writes(
            &tx,
            portal,
            &planned.changes,
            schema,
            &self.inner.live_lists,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(planned.outcome)
    }
}

#[async_trait]
impl ContactStore for PostgresStore {
    async fn apply(
        &self,
        portal: PortalId,
        ops: Vec<ContactOp>,
        mode: BatchMode,
    ) -> Result<Vec<Result<OpOutcome>>> {
        let schema = self.property_schema(portal).await?;
        retrying(|| self.try_apply(portal, &schema, &ops, mode)).await
    }

    async fn find_contact(
        &self,
        portal: PortalId,
        lookup: &ContactLookup,
        archived: bool,
    ) -> Result<Option<Contact>> {
        let reader = self.inner.readers.reader().await?;
        let id = match lookup {
            ContactLookup::Id(id) => *id,
            ContactLookup::Unique { property, key } if archived => {
                let schema = self.property_schema(portal).await?;
                let client = client(self.pool()).await?;
                let mut rows = Vec::new();
                for name in properties_holding(property) {
                    rows.extend(snapshot::archived_with(&client, portal, &name).await?);
                }
                return Ok(newest_archived_holding(&rows, &schema, property, key)
                    .map(|row| row.contact.clone()));
            }
            ContactLookup::Unique { property, key } => {
                let stmt = reader
                    .statement(
                        "SELECT contact_id FROM unique_values
                         WHERE portal_id = $1 AND property = $2 AND value = $3 AND contact_id <> 0",
                    )
                    .await?;
                match reader
                    .client()
                    .query_opt(&stmt, &[&portal.0, property, key])
                    .await
                    .map_err(db)?
                {
                    Some(row) => ContactId(row.get(0)),
                    None => return Ok(None),
                }
            }
        };
        let row = match row_by_id(&reader, portal, id).await? {
            Some(StoredContact {
                state: ContactState::Merged,
                merged_into: Some(target),
                ..
            }) => row_by_id(&reader, portal, target).await?,
            other => other,
        };
        Ok(row
            .filter(|r| r.state == state_of(archived))
            .map(|r| r.contact))
    }

    async fn find_contacts(
        &self,
        portal: PortalId,
        ids: &[ContactId],
        archived: bool,
    ) -> Result<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let reader = self.inner.readers.reader().await?;
        let wanted: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let mut rows = rows_by_id(&reader, portal, &wanted).await?;
        let targets: Vec<i64> = rows
            .values()
            .filter(|r| r.state == ContactState::Merged)
            .filter_map(|r| r.merged_into.map(|id| id.0))
            .filter(|id| !rows.contains_key(&ContactId(*id)))
            .collect();
        if !targets.is_empty() {
            rows.extend(rows_by_id(&reader, portal, &targets).await?);
        }
        let mut found: Vec<Contact> = Vec::with_capacity(ids.len());
        for id in ids {
            let row = match rows.get(id) {
                Some(r) if r.state == ContactState::Merged => {
                    r.merged_into.and_then(|target| rows.get(&target))
                }
                other => other,
            };
            if let Some(row) = row.filter(|r| r.state == state_of(archived)) {
                if !found.iter().any(|c| c.id == row.id()) {
                    found.push(row.contact.clone());
                }
            }
        }
        Ok(found)
    }

    async fn archive_contacts(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<Vec<ArchiveOutcome>> {
        let schema = self.property_schema(portal).await?;
        retrying(|| {
            let planner = ArchivePlanner::new(Arc::clone(&schema), ids.to_vec(), Timestamp::now());
            self.try_planned(portal, &schema, planner, ArchivePlanner::plan)
        })
        .await
    }

    async fn archived_before(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> Result<Vec<(PortalId, ContactId)>> {
        crate::retention::archived_before(self.pool(), before, limit).await
    }

    async fn purge_archived(
        &self,
        portal: PortalId,
        id: ContactId,
        before: Timestamp,
    ) -> Result<bool> {
        let schema = self.property_schema(portal).await?;
        let purged = retrying(|| {
            let planner = GdprPlanner::purge(Arc::clone(&schema), id, before, Timestamp::now());
            self.try_planned(portal, &schema, planner, GdprPlanner::plan)
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
        retrying(|| {
            let planner = RestorePlanner::new(Arc::clone(&schema), id, Timestamp::now());
            self.try_planned(portal, &schema, planner, RestorePlanner::plan)
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
        retrying(|| {
            let planner = MergePlanner::new(Arc::clone(&schema), primary, secondary, at);
            self.try_planned(portal, &schema, planner, MergePlanner::plan)
        })
        .await
    }

    async fn gdpr_delete(&self, portal: PortalId, lookup: &ContactLookup) -> Result<GdprOutcome> {
        let schema = self.property_schema(portal).await?;
        retrying(|| {
            let planner = GdprPlanner::new(Arc::clone(&schema), lookup.clone(), Timestamp::now());
            self.try_planned(portal, &schema, planner, GdprPlanner::plan)
        })
        .await
    }

    async fn list_contacts(&self, portal: PortalId, query: ListQuery) -> Result<Vec<Contact>> {
        const SQL: &str = concat!(
            "SELECT ",
            row::contact_columns!(),
            " FROM contacts c
             WHERE c.portal_id = $1 AND c.contact_id >= $2 AND c.state = $3
             ORDER BY c.contact_id LIMIT $4"
        );
        let reader = self.inner.readers.reader().await?;
        let stmt = reader.statement(SQL).await?;
        let from = query.from.map_or(1, |id| id.0);
        let rows = reader
            .client()
            .query(
                &stmt,
                &[
                    &portal.0,
                    &from,
                    &state_of(query.archived).code(),
                    &(query.limit as i64),
                ],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| decode(row).map(|r| r.contact))
            .collect()
    }

    async fn recorded_changes(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<RecordedChange>>> {
        let reader = self.inner.readers.reader().await?;
        let wanted: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let stmt = reader
            .statement(
                "SELECT contact_id, kind, occurred_at, source_type, source_id, source_label,
                        updated_by_user_id, changed_values
                 FROM contact_changes WHERE portal_id = $1 AND contact_id = ANY($2)
                 ORDER BY contact_id, change_id",
            )
            .await?;
        let rows = reader
            .client()
            .query(&stmt, &[&portal.0, &wanted])
            .await
            .map_err(db)?;
        let mut all: HashMap<ContactId, Vec<RecordedChange>> =
            ids.iter().map(|id| (*id, Vec::new())).collect();
        for row in &rows {
            let values: Json<BTreeMap<String, String>> = row.try_get(7).map_err(db)?;
            all.entry(ContactId(row.get(0)))
                .or_default()
                .push(RecordedChange {
                    kind: parse_kind(row.get(1))?,
                    at: Timestamp::from_stored(row.get(2)),
                    source: ChangeSource {
                        source_type: row.get(3),
                        source_id: row.get(4),
                        source_label: row.get(5),
                        updated_by_user_id: row.get(6),
                    },
                    values: values.0,
                });
        }
        Ok(all)
    }

    async fn search(&self, portal: PortalId, request: SearchRequest) -> Result<SearchHits> {
        let schema = self.property_schema(portal).await?;
        let client = client(self.pool()).await?;
        search::search(&client, portal, &request, &schema).await
    }

    async fn recent_contacts(
        &self,
        portal: PortalId,
        query: RecentQuery,
    ) -> Result<Vec<ContactId>> {
        let client = client(self.pool()).await?;
        search::recent(&client, portal, query).await
    }

    async fn merge_audits(
        &self,
        portal: PortalId,
        ids: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<MergeAudit>>> {
        let reader = self.inner.readers.reader().await?;
        let wanted: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let stmt = reader
            .statement(
                "SELECT canonical_id, merged_id, into_id, merged_at, properties_moved
                 FROM contact_merges WHERE portal_id = $1 AND canonical_id = ANY($2)
                 ORDER BY merged_at, merged_id",
            )
            .await?;
        let rows = reader
            .client()
            .query(&stmt, &[&portal.0, &wanted])
            .await
            .map_err(db)?;
        let mut all: HashMap<ContactId, Vec<MergeAudit>> =
            ids.iter().map(|id| (*id, Vec::new())).collect();
        for row in &rows {
            let moved: i64 = row.get(4);
            all.entry(ContactId(row.get(0)))
                .or_default()
                .push(MergeAudit {
                    merged: ContactId(row.get(1)),
                    into: ContactId(row.get(2)),
                    at: Timestamp::from_stored(row.get(3)),
                    properties_moved: moved as u32,
                });
        }
        Ok(all)
    }
}
