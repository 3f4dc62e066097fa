//! Lists in PostgreSQL: the [`ListStore`] implementation. Memberships of
//! live lists also follow every contact write ([`follow`]). Statements that
//! span portals (the list worker's) are in `list_processing.rs`.

pub(crate) mod conversion;
pub(crate) mod follow;

use crate::db::{client, db, retrying};
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use follow::{add_sizes, histories_of, reprocess_dependents, write_memberships};
use spoke_domain::ids::{ContactId, ListId, PortalId};
use spoke_domain::lists::conversion::{ConversionTime, ListConversion, ListHistory};
use spoke_domain::lists::{
    follow_active, matches, ContactList, ContactMembership, FilterBranch, Folder, ListChange,
    ListStore, MemberOrder, MemberPage, Membership, MembershipUpdate, NewList, ProcessingStatus,
    ProcessingType, Subject, ValueCache,
};
use spoke_domain::store::PropertyStore;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::Row;

/// The columns [`read_list`] reads, of `lists l`; the size sums the
/// list's shards (`list_sizes`).
const LIST_COLUMNS: &str = "l.id, l.name, l.processing_type, l.processing_status, l.version, \
     l.filters, l.folder_id, \
     coalesce((SELECT sum(s.size) FROM list_sizes s \
               WHERE s.portal_id = l.portal_id AND s.list_id = l.id), 0)::bigint, \
     l.created_at, l.updated_at, l.filters_updated_at, l.deleted_at";

fn read_list(r: &Row) -> Result<ContactList> {
    let kind: String = r.get(2);
    let status: String = r.get(3);
    let filters: Option<String> = r.get(5);
    Ok(ContactList {
        id: ListId(r.get(0)),
        name: r.get(1),
        processing_type: ProcessingType::parse(&kind).unwrap_or(ProcessingType::Manual),
        processing_status: ProcessingStatus::parse(&status).unwrap_or(ProcessingStatus::Complete),
        version: r.get(4),
        filters: filters
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(Error::internal)?,
        folder: r.get(6),
        size: r.get(7),
        created_at: Timestamp::from_stored(r.get(8)),
        updated_at: Timestamp::from_stored(r.get(9)),
        filters_updated_at: r.get::<_, Option<i64>>(10).map(Timestamp::from_stored),
        deleted_at: r.get::<_, Option<i64>>(11).map(Timestamp::from_stored),
    })
}

async fn list_by_id(
    client: &impl GenericClient,
    portal: PortalId,
    id: ListId,
    include_deleted: bool,
) -> Result<Option<ContactList>> {
    let row = client
        .query_opt(
            &format!("SELECT {LIST_COLUMNS} FROM lists l WHERE l.portal_id = $1 AND l.id = $2"),
            &[&portal.0, &id.0],
        )
        .await
        .map_err(db)?;
    Ok(row
        .as_ref()
        .map(read_list)
        .transpose()?
        .filter(|l| include_deleted || !l.is_deleted()))
}

fn not_found(id: ListId) -> Error {
    spoke_domain::lists::service::list_not_found(id)
}

fn name_taken(name: &str) -> Error {
    Error::invalid_field("name", format!("A list named '{name}' already exists."))
}

async fn name_in_use(
    tx: &Transaction<'_>,
    portal: PortalId,
    name: &str,
    except: Option<ListId>,
) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM lists WHERE portal_id = $1 AND name_key = lower($2)
               AND deleted_at IS NULL AND id <> $3",
            &[&portal.0, &name, &except.map_or(0, |l| l.0)],
        )
        .await
        .map_err(db)?
        .is_some())
}

fn folder_row(r: &Row) -> Folder {
    Folder {
        id: r.get(0),
        name: r.get(1),
        parent: r.get(2),
        created_at: Timestamp::from_stored(r.get(3)),
        updated_at: Timestamp::from_stored(r.get(4)),
    }
}

/// Whether an id names an active contact of the portal (locked against
/// concurrent change until the transaction ends).
async fn active_contacts(
    tx: &Transaction<'_>,
    portal: PortalId,
    ids: &[ContactId],
) -> Result<BTreeSet<ContactId>> {
    let ids: Vec<i64> = ids.iter().map(|c| c.0).collect();
    Ok(tx
        .query(
            "SELECT contact_id FROM contacts
             WHERE portal_id = $1 AND contact_id = ANY($2) AND state = 0
             ORDER BY contact_id FOR SHARE",
            &[&portal.0, &ids],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| ContactId(r.get(0)))
        .collect())
}

impl PostgresStore {
    async fn try_update_members(
        &self,
        portal: PortalId,
        list: ListId,
        add: &[ContactId],
        remove: &[ContactId],
        at: Timestamp,
    ) -> Result<MembershipUpdate> {
        let schema = self.property_schema(portal).await?;
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        list_by_id(&tx, portal, list, false)
            .await?
            .ok_or_else(|| not_found(list))?;
        let mut update = MembershipUpdate::default();
        let named: Vec<ContactId> = add
            .iter()
            .chain(remove)
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let active = active_contacts(&tx, portal, &named).await?;
        let ids: Vec<i64> = named.iter().map(|c| c.0).collect();
        let members: BTreeSet<ContactId> = tx
            .query(
                "SELECT contact_id FROM list_memberships
                 WHERE portal_id = $1 AND list_id = $2 AND contact_id = ANY($3)",
                &[&portal.0, &list.0, &ids],
            )
            .await
            .map_err(db)?
            .iter()
            .map(|r| ContactId(r.get(0)))
            .collect();
        let (mut joins, mut leaves) = (Vec::new(), Vec::new());
        for id in add.iter().collect::<BTreeSet<_>>() {
            if !active.contains(id) {
                update.missing.push(*id);
            } else if !members.contains(id) {
                update.added.push(*id);
                joins.push((list, *id));
            }
        }
        for id in remove.iter().collect::<BTreeSet<_>>() {
            if members.contains(id) {
                update.removed.push(*id);
                leaves.push((list, *id));
            } else if !active.contains(id) {
                update.missing.push(*id);
            }
        }
        write_memberships(&tx, portal, &joins, &leaves, at).await?;
        // Live lists naming this one follow the contacts that moved.
        let lists = follow::live_lists(&tx, portal, &self.inner.live_lists).await?;
        let touched: Vec<ContactId> = update
            .added
            .iter()
            .chain(&update.removed)
            .copied()
            .collect();
        if !lists.is_empty() && !touched.is_empty() {
            let ids: Vec<i64> = touched.iter().map(|c| c.0).collect();
            let rows = tx
                .query(
                    concat!(
                        "SELECT ",
                        crate::contacts::row::contact_columns!(),
                        " FROM contacts c WHERE c.portal_id = $1 AND c.contact_id = ANY($2)"
                    ),
                    &[&portal.0, &ids],
                )
                .await
                .map_err(db)?
                .iter()
                .map(crate::contacts::decode)
                .collect::<Result<Vec<_>>>()?;
            let current = follow::memberships_of(&tx, portal, &touched).await?;
            let refs: Vec<_> = rows.iter().filter(|r| r.is_active()).collect();
            let histories = histories_of(&tx, portal, &refs, lists.history_properties()).await?;
            let now = Timestamp::now();
            let decided = follow_active(&lists, &refs, &current, &histories, &schema, now);
            write_memberships(&tx, portal, &decided.joins, &decided.leaves, now).await?;
        }
        tx.commit().await.map_err(db)?;
        update.missing.sort();
        update.missing.dedup();
        Ok(update)
    }

    async fn try_evaluate_list(
        &self,
        portal: PortalId,
        list: ListId,
        limit: usize,
    ) -> Result<bool> {
        let schema = self.property_schema(portal).await?;
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let state = tx
            .query_opt(
                "SELECT processing_status, filters, evaluated_through
                 FROM lists WHERE portal_id = $1 AND id = $2 AND deleted_at IS NULL",
                &[&portal.0, &list.0],
            )
            .await
            .map_err(db)?;
        let Some(state) = state else {
            return Ok(true);
        };
        let (status, filters, through): (String, Option<String>, Option<i64>) =
            (state.get(0), state.get(1), state.get(2));
        let Some(filters) = filters.filter(|_| status == "PROCESSING") else {
            return Ok(true);
        };
        let value = serde_json::from_str(&filters).map_err(Error::internal)?;
        let tree = FilterBranch::parse_stored(&value).map_err(Error::internal)?;
        let through = through.unwrap_or(0);
        // Contacts first (shared locks: a writer of one of them waits, and
        // then lets the list follow its write), the list row after, as
        // writers take them.
        let rows = tx
            .query(
                concat!(
                    "SELECT ",
                    crate::contacts::row::contact_columns!(),
                    " FROM contacts c WHERE c.portal_id = $1 AND c.contact_id > $2 AND c.state = 0
                     ORDER BY c.contact_id LIMIT $3 FOR SHARE"
                ),
                &[&portal.0, &through, &(limit as i64)],
            )
            .await
            .map_err(db)?
            .iter()
            .map(crate::contacts::decode)
            .collect::<Result<Vec<_>>>()?;
        let still = tx
            .query_opt(
                "SELECT evaluated_through FROM lists
                 WHERE portal_id = $1 AND id = $2 AND processing_status = 'PROCESSING'
                 FOR UPDATE",
                &[&portal.0, &list.0],
            )
            .await
            .map_err(db)?;
        if still.and_then(|r| r.get::<_, Option<i64>>(0)) != Some(through) {
            // Another node took this step, or the list changed: look again.
            return Ok(false);
        }
        let ids: Vec<ContactId> = rows.iter().map(|r| r.id()).collect();
        let current = follow::memberships_of(&tx, portal, &ids).await?;
        let refs: Vec<_> = rows.iter().collect();
        let histories = histories_of(&tx, portal, &refs, &tree.history_properties()).await?;
        let now = Timestamp::now();
        let (mut joins, mut leaves) = (Vec::new(), Vec::new());
        let empty_history = Default::default();
        for row in &rows {
            let lists: BTreeSet<ListId> = current
                .get(&row.id())
                .map(|m| m.keys().copied().collect())
                .unwrap_or_default();
            let subject = Subject {
                contact: &row.contact,
                history: histories.get(&row.id()).unwrap_or(&empty_history),
                lists: &lists,
                values: &ValueCache::default(),
            };
            match (
                matches(&tree, &subject, &schema, now),
                lists.contains(&list),
            ) {
                (true, false) => joins.push((list, row.id())),
                (false, true) => leaves.push((list, row.id())),
                _ => {}
            }
        }
        write_memberships(&tx, portal, &joins, &leaves, now).await?;
        let done = rows.len() < limit;
        if done {
            tx.execute(
                "UPDATE lists SET processing_status = 'COMPLETE', evaluated_through = NULL
                 WHERE portal_id = $1 AND id = $2",
                &[&portal.0, &list.0],
            )
            .await
            .map_err(db)?;
            reprocess_dependents(&tx, portal, list, &self.inner.live_lists).await?;
        } else {
            let last = rows.last().map_or(through, |r| r.id().0);
            tx.execute(
                "UPDATE lists SET evaluated_through = $3 WHERE portal_id = $1 AND id = $2",
                &[&portal.0, &list.0, &last],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(done)
    }
}

#[async_trait]
impl ListStore for PostgresStore {
    async fn create_list(&self, portal: PortalId, list: NewList) -> Result<ContactList> {
        retrying(|| async {
            let mut client = client(self.pool()).await?;
            let tx = client.transaction().await.map_err(db)?;
            if name_in_use(&tx, portal, &list.name, None).await? {
                return Err(name_taken(&list.name));
            }
            let (status, filters, relative) = match &list.filters {
                Some(f) => {
                    let tree = FilterBranch::parse_stored(f).map_err(Error::internal)?;
                    ("PROCESSING", Some(f.to_string()), tree.relative_to_now())
                }
                None => ("COMPLETE", None, false),
            };
            let at = list.at.millis();
            let filters_at = filters.as_ref().map(|_| at);
            let through = filters.as_ref().map(|_| 0i64);
            let row = tx
                .query_one(
                    "INSERT INTO lists
                       (portal_id, id, name, name_key, processing_type, processing_status, version,
                        filters, relative_to_now, folder_id, created_at, updated_at,
                        filters_updated_at, evaluated_through, evaluation_started)
                     SELECT $1, coalesce(max(id), 0) + 1, $2, lower($2), $3, $4, 1, $5, $6, $7,
                            $8, $8, $9, $10, $8
                     FROM lists WHERE portal_id = $1
                     RETURNING id",
                    &[
                        &portal.0,
                        &list.name,
                        &list.processing_type.as_str(),
                        &status,
                        &filters,
                        &relative,
                        &list.folder,
                        &at,
                        &filters_at,
                        &through,
                    ],
                )
                .await
                .map_err(db)?;
            let id = ListId(row.get(0));
            follow::bump_generation(&tx, portal).await?;
            let created = list_by_id(&tx, portal, id, false)
                .await?
                .ok_or_else(|| Error::internal("list vanished"))?;
            tx.commit().await.map_err(db)?;
            Ok(created)
        })
        .await
    }

    async fn lists(
        &self,
        portal: PortalId,
        ids: Option<&[ListId]>,
        include_deleted: bool,
    ) -> Result<Vec<ContactList>> {
        let client = client(self.pool()).await?;
        let rows = match ids {
            Some(ids) => {
                let ids: Vec<i64> = ids.iter().map(|l| l.0).collect();
                client
                    .query(
                        &format!(
                            "SELECT {LIST_COLUMNS} FROM lists l
                             WHERE l.portal_id = $1 AND l.id = ANY($2) ORDER BY l.id"
                        ),
                        &[&portal.0, &ids],
                    )
                    .await
            }
            None => {
                client
                    .query(
                        &format!(
                        "SELECT {LIST_COLUMNS} FROM lists l WHERE l.portal_id = $1 ORDER BY l.id"
                    ),
                        &[&portal.0],
                    )
                    .await
            }
        }
        .map_err(db)?;
        rows.iter()
            .map(read_list)
            .filter(|l| {
                l.as_ref()
                    .map_or(true, |l| include_deleted || !l.is_deleted())
            })
            .collect()
    }

    async fn list_by_name(&self, portal: PortalId, name: &str) -> Result<Option<ContactList>> {
        let client = client(self.pool()).await?;
        client
            .query_opt(
                &format!(
                    "SELECT {LIST_COLUMNS} FROM lists l
                     WHERE l.portal_id = $1 AND l.name_key = lower($2) AND l.deleted_at IS NULL"
                ),
                &[&portal.0, &name],
            )
            .await
            .map_err(db)?
            .as_ref()
            .map(read_list)
            .transpose()
    }

    async fn change_list(
        &self,
        portal: PortalId,
        list: ListId,
        change: ListChange,
        at: Timestamp,
    ) -> Result<ContactList> {
        retrying(|| async {
            let mut client = client(self.pool()).await?;
            let tx = client.transaction().await.map_err(db)?;
            let restoring = change == ListChange::Restore;
            let current = list_by_id(&tx, portal, list, restoring)
                .await?
                .ok_or_else(|| not_found(list))?;
            let at = at.millis();
            match &change {
                ListChange::Rename(name) => {
                    if name_in_use(&tx, portal, name, Some(list)).await? {
                        return Err(name_taken(name));
                    }
                    tx.execute(
                        "UPDATE lists SET name = $3, name_key = lower($3), version = version + 1,
                                updated_at = $4
                         WHERE portal_id = $1 AND id = $2",
                        &[&portal.0, &list.0, name, &at],
                    )
                    .await
                }
                ListChange::Filters(filters) => {
                    let tree = FilterBranch::parse_stored(filters).map_err(Error::internal)?;
                    tx.execute(
                        "UPDATE lists SET filters = $3, relative_to_now = $4,
                                version = version + 1, updated_at = $5, filters_updated_at = $5,
                                processing_status = 'PROCESSING', evaluated_through = 0,
                                evaluation_started = $5
                         WHERE portal_id = $1 AND id = $2",
                        &[
                            &portal.0,
                            &list.0,
                            &filters.to_string(),
                            &tree.relative_to_now(),
                            &at,
                        ],
                    )
                    .await
                    .map_err(db)?;
                    conversion::record_edit(&tx, portal, list, at).await?;
                    Ok(1)
                }
                ListChange::Delete => {
                    tx.execute(
                        "UPDATE lists SET deleted_at = $3, updated_at = $3
                         WHERE portal_id = $1 AND id = $2",
                        &[&portal.0, &list.0, &at],
                    )
                    .await
                }
                ListChange::Restore => {
                    if name_in_use(&tx, portal, &current.name, Some(list)).await? {
                        return Err(name_taken(&current.name));
                    }
                    let reprocess = current.processing_type == ProcessingType::Dynamic;
                    tx.execute(
                        "UPDATE lists SET deleted_at = NULL, updated_at = $3,
                                processing_status = CASE WHEN $4 THEN 'PROCESSING'
                                                         ELSE processing_status END,
                                evaluated_through = CASE WHEN $4 THEN 0
                                                         ELSE evaluated_through END,
                                evaluation_started = CASE WHEN $4 THEN $3
                                                          ELSE evaluation_started END
                         WHERE portal_id = $1 AND id = $2",
                        &[&portal.0, &list.0, &at, &reprocess],
                    )
                    .await
                }
            }
            .map_err(db)?;
            follow::bump_generation(&tx, portal).await?;
            let changed = list_by_id(&tx, portal, list, true)
                .await?
                .ok_or_else(|| not_found(list))?;
            tx.commit().await.map_err(db)?;
            Ok(changed)
        })
        .await
    }

    async fn list_members(
        &self,
        portal: PortalId,
        list: ListId,
        page: MemberPage,
    ) -> Result<Vec<Membership>> {
        let reader = self.inner.readers.reader().await?;
        let backwards = page.before.is_some() && page.after.is_none();
        let cursor = page.after.or(page.before);
        let (added, contact) = cursor.map_or((i64::MIN, 0), |c| (c.added_at, c.contact.0));
        let sql = match (page.order, backwards) {
            (MemberOrder::RecordId, false) => {
                "SELECT contact_id, added_at FROM list_memberships
                 WHERE portal_id = $1 AND list_id = $2 AND $3::bigint IS NOT NULL AND contact_id > $4
                 ORDER BY contact_id LIMIT $5"
            }
            (MemberOrder::RecordId, true) => {
                "SELECT contact_id, added_at FROM list_memberships
                 WHERE portal_id = $1 AND list_id = $2 AND $3::bigint IS NOT NULL AND contact_id < $4
                 ORDER BY contact_id DESC LIMIT $5"
            }
            (MemberOrder::JoinOrder, false) => {
                "SELECT contact_id, added_at FROM list_memberships
                 WHERE portal_id = $1 AND list_id = $2 AND (added_at, contact_id) > ($3, $4)
                 ORDER BY added_at, contact_id LIMIT $5"
            }
            (MemberOrder::JoinOrder, true) => {
                "SELECT contact_id, added_at FROM list_memberships
                 WHERE portal_id = $1 AND list_id = $2 AND (added_at, contact_id) < ($3, $4)
                 ORDER BY added_at DESC, contact_id DESC LIMIT $5"
            }
        };
        let stmt = reader.statement(sql).await?;
        let rows: Vec<Membership> = reader
            .client()
            .query(
                &stmt,
                &[&portal.0, &list.0, &added, &contact, &(page.limit as i64)],
            )
            .await
            .map_err(db)?
            .iter()
            .map(|r| Membership {
                list,
                contact: ContactId(r.get(0)),
                added_at: Timestamp::from_stored(r.get(1)),
            })
            .collect();
        Ok(rows)
    }

    async fn update_members(
        &self,
        portal: PortalId,
        list: ListId,
        add: &[ContactId],
        remove: &[ContactId],
        at: Timestamp,
    ) -> Result<MembershipUpdate> {
        retrying(|| self.try_update_members(portal, list, add, remove, at)).await
    }

    async fn copy_members(
        &self,
        portal: PortalId,
        into: ListId,
        from: ListId,
        at: Timestamp,
    ) -> Result<()> {
        retrying(|| async {
            let mut client = client(self.pool()).await?;
            let tx = client.transaction().await.map_err(db)?;
            list_by_id(&tx, portal, into, false)
                .await?
                .ok_or_else(|| not_found(into))?;
            let added = tx
                .execute(
                    "INSERT INTO list_memberships (portal_id, list_id, contact_id, added_at)
                     SELECT portal_id, $3, contact_id, $4 FROM list_memberships
                     WHERE portal_id = $1 AND list_id = $2
                     ON CONFLICT DO NOTHING",
                    &[&portal.0, &from.0, &into.0, &at.millis()],
                )
                .await
                .map_err(db)?;
            add_sizes(&tx, portal, &BTreeMap::from([(into.0, added as i64)]), at).await?;
            if added > 0 {
                reprocess_dependents(&tx, portal, into, &self.inner.live_lists).await?;
            }
            tx.commit().await.map_err(db)
        })
        .await
    }

    async fn clear_members(&self, portal: PortalId, list: ListId, at: Timestamp) -> Result<()> {
        retrying(|| async {
            let mut client = client(self.pool()).await?;
            let tx = client.transaction().await.map_err(db)?;
            list_by_id(&tx, portal, list, false)
                .await?
                .ok_or_else(|| not_found(list))?;
            let removed = tx
                .execute(
                    "DELETE FROM list_memberships WHERE portal_id = $1 AND list_id = $2",
                    &[&portal.0, &list.0],
                )
                .await
                .map_err(db)?;
            tx.execute(
                "DELETE FROM list_sizes WHERE portal_id = $1 AND list_id = $2",
                &[&portal.0, &list.0],
            )
            .await
            .map_err(db)?;
            if removed > 0 {
                // An empty shard keeps when the members last changed.
                tx.execute(
                    "INSERT INTO list_sizes (portal_id, list_id, shard, size, changed_at)
                     VALUES ($1, $2, 0, 0, $3)",
                    &[&portal.0, &list.0, &at.millis()],
                )
                .await
                .map_err(db)?;
                reprocess_dependents(&tx, portal, list, &self.inner.live_lists).await?;
            }
            tx.commit().await.map_err(db)
        })
        .await
    }

    async fn contact_memberships(
        &self,
        portal: PortalId,
        contacts: &[ContactId],
    ) -> Result<Vec<ContactMembership>> {
        let reader = self.inner.readers.reader().await?;
        let ids: Vec<i64> = contacts.iter().map(|c| c.0).collect();
        let stmt = reader
            .statement(
                "SELECT m.contact_id, m.list_id, l.version, m.added_at
                 FROM list_memberships m
                 JOIN lists l ON l.portal_id = m.portal_id AND l.id = m.list_id
                 WHERE m.portal_id = $1 AND m.contact_id = ANY($2) AND l.deleted_at IS NULL
                 ORDER BY m.contact_id, m.list_id",
            )
            .await?;
        let rows = reader
            .client()
            .query(&stmt, &[&portal.0, &ids])
            .await
            .map_err(db)?;
        let by_contact: BTreeMap<i64, Vec<ContactMembership>> =
            rows.iter().fold(BTreeMap::new(), |mut all, r| {
                all.entry(r.get::<_, i64>(0))
                    .or_insert_with(Vec::new)
                    .push(ContactMembership {
                        contact: ContactId(r.get(0)),
                        list: ListId(r.get(1)),
                        list_version: r.get(2),
                        added_at: Timestamp::from_stored(r.get(3)),
                    });
                all
            });
        // In the order the contacts were asked for, as SQLite answers.
        Ok(contacts
            .iter()
            .flat_map(|c| by_contact.get(&c.0).cloned().unwrap_or_default())
            .collect())
    }

    async fn evaluate_list(&self, portal: PortalId, list: ListId, limit: usize) -> Result<bool> {
        retrying(|| self.try_evaluate_list(portal, list, limit)).await
    }

    async fn lists_processing(&self, limit: usize) -> Result<Vec<(PortalId, ListId)>> {
        crate::list_processing::lists_processing(self.pool(), limit).await
    }

    async fn refresh_lists_relative_to_now(&self, before: Timestamp) -> Result<usize> {
        crate::list_processing::refresh_lists_relative_to_now(self.pool(), before).await
    }

    async fn conversion(&self, portal: PortalId, list: ListId) -> Result<ListConversion> {
        let client = client(self.pool()).await?;
        conversion::conversion(&client, portal, list).await
    }

    async fn schedule_conversion(
        &self,
        portal: PortalId,
        list: ListId,
        requested: Option<ConversionTime>,
        at: Timestamp,
    ) -> Result<ListConversion> {
        retrying(|| async {
            let client = client(self.pool()).await?;
            conversion::schedule(&client, portal, list, requested, at).await
        })
        .await
    }

    async fn convert_due_lists(&self, now: Timestamp) -> Result<usize> {
        crate::list_processing::convert_due_lists(self.pool(), now).await
    }

    async fn record_list_sizes(&self, at: Timestamp) -> Result<usize> {
        crate::list_processing::record_list_sizes(self.pool(), at).await
    }

    async fn list_history(
        &self,
        portal: PortalId,
        list: ListId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ListHistory> {
        let client = client(self.pool()).await?;
        conversion::history(&client, portal, list, from, to).await
    }

    async fn create_folder(
        &self,
        portal: PortalId,
        name: &str,
        parent: i64,
        at: Timestamp,
    ) -> Result<Folder> {
        retrying(|| async {
            let client = client(self.pool()).await?;
            let row = client
                .query_one(
                    "INSERT INTO list_folders (portal_id, id, name, parent_id, created_at, updated_at)
                     SELECT $1, coalesce(max(id), 0) + 1, $2, $3, $4, $4
                     FROM list_folders WHERE portal_id = $1
                     RETURNING id, name, parent_id, created_at, updated_at",
                    &[&portal.0, &name, &parent, &at.millis()],
                )
                .await
                .map_err(db)?;
            Ok(folder_row(&row))
        })
        .await
    }

    async fn folders(&self, portal: PortalId) -> Result<Vec<Folder>> {
        let client = client(self.pool()).await?;
        Ok(client
            .query(
                "SELECT id, name, parent_id, created_at, updated_at FROM list_folders
                 WHERE portal_id = $1 ORDER BY id",
                &[&portal.0],
            )
            .await
            .map_err(db)?
            .iter()
            .map(folder_row)
            .collect())
    }

    async fn change_folder(
        &self,
        portal: PortalId,
        folder: i64,
        name: Option<&str>,
        parent: Option<i64>,
        at: Timestamp,
    ) -> Result<Folder> {
        let client = client(self.pool()).await?;
        client
            .query_opt(
                "UPDATE list_folders SET name = coalesce($3, name),
                        parent_id = coalesce($4, parent_id), updated_at = $5
                 WHERE portal_id = $1 AND id = $2
                 RETURNING id, name, parent_id, created_at, updated_at",
                &[&portal.0, &folder, &name, &parent, &at.millis()],
            )
            .await
            .map_err(db)?
            .as_ref()
            .map(folder_row)
            .ok_or_else(|| Error::NotFound(format!("Folder {folder} does not exist.")))
    }

    async fn delete_folder(&self, portal: PortalId, folder: i64) -> Result<()> {
        let client = client(self.pool()).await?;
        client
            .execute(
                "DELETE FROM list_folders WHERE portal_id = $1 AND id = $2",
                &[&portal.0, &folder],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn move_list(&self, portal: PortalId, list: ListId, folder: i64) -> Result<()> {
        let client = client(self.pool()).await?;
        let moved = client
            .execute(
                "UPDATE lists SET folder_id = $3
                 WHERE portal_id = $1 AND id = $2 AND deleted_at IS NULL",
                &[&portal.0, &list.0, &folder],
            )
            .await
            .map_err(db)?;
        if moved == 0 {
            return Err(not_found(list));
        }
        Ok(())
    }
}
