//! Lists in SQLite: the [`ListStore`] implementation. Memberships of live
//! lists also follow every contact write ([`follow`]).

mod conversion;
pub(crate) mod follow;

use crate::contacts::{
    contact_columns, decode, key, key_range, read_row, timestamp, MAX_CONTACT_ID,
};
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use follow::{
    follow_contacts, history_for, join, leave, list_exists, reprocess_dependents, SizeChanges,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use spoke_domain::contact::StoredContact;
use spoke_domain::ids::{ContactId, ListId, PortalId};
use spoke_domain::lists::conversion::{ConversionTime, ListConversion, ListHistory};
use spoke_domain::lists::{
    matches, ContactList, ContactMembership, FilterBranch, Folder, ListChange, ListStore,
    MemberOrder, MemberPage, Membership, MembershipUpdate, NewList, ProcessingStatus,
    ProcessingType, Subject, ValueCache,
};
use spoke_domain::store::PropertyStore;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::collections::BTreeSet;

macro_rules! list_columns {
    () => {
        "id, name, processing_type, processing_status, version, filters, folder_id, size,
         created_at, updated_at, filters_updated_at, deleted_at"
    };
}

fn read_list(r: &Row<'_>) -> rusqlite::Result<(ContactList, Option<String>)> {
    let kind: String = r.get(2)?;
    let status: String = r.get(3)?;
    let filters: Option<String> = r.get(5)?;
    Ok((
        ContactList {
            id: ListId(r.get(0)?),
            name: r.get(1)?,
            processing_type: ProcessingType::parse(&kind).unwrap_or(ProcessingType::Manual),
            processing_status: ProcessingStatus::parse(&status)
                .unwrap_or(ProcessingStatus::Complete),
            version: r.get(4)?,
            filters: None,
            folder: r.get(6)?,
            size: r.get(7)?,
            created_at: timestamp(r.get(8)?),
            updated_at: timestamp(r.get(9)?),
            filters_updated_at: r.get::<_, Option<i64>>(10)?.map(timestamp),
            deleted_at: r.get::<_, Option<i64>>(11)?.map(timestamp),
        },
        filters,
    ))
}

fn with_filters((mut list, filters): (ContactList, Option<String>)) -> Result<ContactList> {
    list.filters = filters
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(internal)?;
    Ok(list)
}

fn list_by_id(
    conn: &Connection,
    portal: PortalId,
    id: ListId,
    include_deleted: bool,
) -> Result<Option<ContactList>> {
    const SQL: &str = concat!(
        "SELECT ",
        list_columns!(),
        " FROM lists WHERE portal_id = ?1 AND id = ?2"
    );
    conn.prepare_cached(SQL)
        .and_then(|mut stmt| {
            stmt.query_row(params![portal.0, id.0], read_list)
                .optional()
        })
        .map_err(internal)?
        .map(with_filters)
        .transpose()
        .map(|l| l.filter(|l| include_deleted || !l.is_deleted()))
}

fn not_found(id: ListId) -> Error {
    spoke_domain::lists::service::list_not_found(id)
}

fn folder_row(r: &Row<'_>) -> rusqlite::Result<Folder> {
    Ok(Folder {
        id: r.get(0)?,
        name: r.get(1)?,
        parent: r.get(2)?,
        created_at: timestamp(r.get(3)?),
        updated_at: timestamp(r.get(4)?),
    })
}

fn folder_by_id(conn: &Connection, portal: PortalId, id: i64) -> Result<Option<Folder>> {
    conn.prepare_cached(
        "SELECT id, name, parent_id, created_at, updated_at FROM list_folders
         WHERE portal_id = ?1 AND id = ?2",
    )
    .and_then(|mut stmt| stmt.query_row(params![portal.0, id], folder_row).optional())
    .map_err(internal)
}

/// Whether the error is the unique name index refusing a second list.
fn name_clash(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _)
        if e.code == rusqlite::ErrorCode::ConstraintViolation)
}

#[async_trait]
impl ListStore for SqliteStore {
    async fn create_list(&self, portal: PortalId, list: NewList) -> Result<ContactList> {
        self.connections()
            .write(move |tx| {
                let id: i64 = tx
                    .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM lists WHERE portal_id = ?1")
                    .and_then(|mut stmt| stmt.query_row([portal.0], |r| r.get(0)))
                    .map_err(internal)?;
                let (status, filters, relative) = match &list.filters {
                    Some(f) => {
                        let tree = FilterBranch::parse_stored(f).map_err(internal)?;
                        ("PROCESSING", Some(f.to_string()), tree.relative_to_now())
                    }
                    None => ("COMPLETE", None, false),
                };
                let at = list.at.millis();
                tx.prepare_cached(
                    "INSERT INTO lists
                       (portal_id, id, name, name_key, processing_type, processing_status, version,
                        filters, relative_to_now, folder_id, size, created_at, updated_at,
                        filters_updated_at, evaluated_through, evaluation_started)
                     VALUES (?1, ?2, ?3, lower(?3), ?4, ?5, 1, ?6, ?7, ?8, 0, ?9, ?9, ?10, ?11, ?9)",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        portal.0,
                        id,
                        list.name,
                        list.processing_type.as_str(),
                        status,
                        filters,
                        relative,
                        list.folder,
                        at,
                        filters.as_ref().map(|_| at),
                        filters.as_ref().map(|_| 0i64),
                    ])
                })
                .map_err(|err| {
                    if name_clash(&err) {
                        Error::invalid_field(
                            "name",
                            format!("A list named '{}' already exists.", list.name),
                        )
                    } else {
                        internal(err)
                    }
                })?;
                follow::bump_generation(tx, portal)?;
                list_by_id(tx, portal, ListId(id), false)?.ok_or_else(|| internal("list vanished"))
            })
            .await
    }

    async fn lists(
        &self,
        portal: PortalId,
        ids: Option<&[ListId]>,
        include_deleted: bool,
    ) -> Result<Vec<ContactList>> {
        let ids = ids.map(<[ListId]>::to_vec);
        self.connections().read(move |conn| match ids {
            Some(ids) => {
                let mut out = Vec::new();
                let unique: BTreeSet<ListId> = ids.into_iter().collect();
                for id in unique {
                    out.extend(list_by_id(conn, portal, id, include_deleted)?);
                }
                Ok(out)
            }
            None => {
                const SQL: &str = concat!(
                    "SELECT ",
                    list_columns!(),
                    " FROM lists WHERE portal_id = ?1 ORDER BY id"
                );
                let rows: Vec<(ContactList, Option<String>)> = conn
                    .prepare_cached(SQL)
                    .and_then(|mut stmt| stmt.query_map([portal.0], read_list)?.collect())
                    .map_err(internal)?;
                rows.into_iter()
                    .map(with_filters)
                    .filter(|l| {
                        l.as_ref()
                            .map_or(true, |l| include_deleted || !l.is_deleted())
                    })
                    .collect()
            }
        })
    }

    async fn list_by_name(&self, portal: PortalId, name: &str) -> Result<Option<ContactList>> {
        const SQL: &str = concat!(
            "SELECT ",
            list_columns!(),
            " FROM lists WHERE portal_id = ?1 AND name_key = lower(?2) AND deleted_at IS NULL"
        );
        self.connections().read(|conn| {
            conn.prepare_cached(SQL)
                .and_then(|mut stmt| {
                    stmt.query_row(params![portal.0, name], read_list)
                        .optional()
                })
                .map_err(internal)?
                .map(with_filters)
                .transpose()
        })
    }

    async fn change_list(
        &self,
        portal: PortalId,
        list: ListId,
        change: ListChange,
        at: Timestamp,
    ) -> Result<ContactList> {
        self.connections()
            .write(move |tx| {
                let restoring = change == ListChange::Restore;
                let current =
                    list_by_id(tx, portal, list, restoring)?.ok_or_else(|| not_found(list))?;
                let at = at.millis();
                let result = match change {
                    ListChange::Rename(name) => tx
                        .prepare_cached(
                            "UPDATE lists SET name = ?3, name_key = lower(?3), version = version + 1,
                                    updated_at = ?4
                             WHERE portal_id = ?1 AND id = ?2",
                        )
                        .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, name, at])),
                    ListChange::Filters(filters) => {
                        let tree = FilterBranch::parse_stored(&filters).map_err(internal)?;
                        tx.prepare_cached(
                            "UPDATE lists SET filters = ?3, relative_to_now = ?4,
                                    version = version + 1, updated_at = ?5, filters_updated_at = ?5,
                                    processing_status = 'PROCESSING', evaluated_through = 0,
                                    evaluation_started = ?5
                             WHERE portal_id = ?1 AND id = ?2",
                        )
                        .and_then(|mut stmt| {
                            stmt.execute(params![
                                portal.0,
                                list.0,
                                filters.to_string(),
                                tree.relative_to_now(),
                                at
                            ])
                        })
                        .and_then(|changed| {
                            conversion::record_edit(tx, portal, list, at)?;
                            Ok(changed)
                        })
                    }
                    ListChange::Delete => tx
                        .prepare_cached(
                            "UPDATE lists SET deleted_at = ?3, updated_at = ?3
                             WHERE portal_id = ?1 AND id = ?2",
                        )
                        .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, at])),
                    ListChange::Restore => {
                        // Writes did not follow a deleted DYNAMIC list: it is
                        // evaluated again.
                        let reprocess = current.processing_type == ProcessingType::Dynamic;
                        tx.prepare_cached(
                            "UPDATE lists SET deleted_at = NULL, updated_at = ?3,
                                    processing_status = CASE WHEN ?4 THEN 'PROCESSING'
                                                             ELSE processing_status END,
                                    evaluated_through = CASE WHEN ?4 THEN 0
                                                             ELSE evaluated_through END,
                                    evaluation_started = CASE WHEN ?4 THEN ?3
                                                              ELSE evaluation_started END
                             WHERE portal_id = ?1 AND id = ?2",
                        )
                        .and_then(|mut stmt| {
                            stmt.execute(params![portal.0, list.0, at, reprocess])
                        })
                    }
                };
                result.map_err(|err| {
                    if name_clash(&err) {
                        Error::invalid_field(
                            "name",
                            format!("A list named '{}' already exists.", current.name),
                        )
                    } else {
                        internal(err)
                    }
                })?;
                follow::bump_generation(tx, portal)?;
                list_by_id(tx, portal, list, true)?.ok_or_else(|| not_found(list))
            })
            .await
    }

    async fn list_members(
        &self,
        portal: PortalId,
        list: ListId,
        page: MemberPage,
    ) -> Result<Vec<Membership>> {
        self.connections().read(move |conn| {
            // Forwards from `after`, or backwards from `before` (answered
            // in descending order, as HubSpot does).
            let backwards = page.before.is_some() && page.after.is_none();
            let cursor = page.after.or(page.before);
            let (added, contact) = cursor.map_or((i64::MIN, 0), |c| (c.added_at, c.contact.0));
            let sql = match (page.order, backwards) {
                (MemberOrder::RecordId, false) => {
                    "SELECT contact_id, added_at FROM list_memberships
                     WHERE portal_id = ?1 AND list_id = ?2 AND contact_id > ?4
                     ORDER BY contact_id LIMIT ?5"
                }
                (MemberOrder::RecordId, true) => {
                    "SELECT contact_id, added_at FROM list_memberships
                     WHERE portal_id = ?1 AND list_id = ?2 AND contact_id < ?4
                     ORDER BY contact_id DESC LIMIT ?5"
                }
                (MemberOrder::JoinOrder, false) => {
                    "SELECT contact_id, added_at FROM list_memberships
                     WHERE portal_id = ?1 AND list_id = ?2 AND (added_at, contact_id) > (?3, ?4)
                     ORDER BY added_at, contact_id LIMIT ?5"
                }
                (MemberOrder::JoinOrder, true) => {
                    "SELECT contact_id, added_at FROM list_memberships
                     WHERE portal_id = ?1 AND list_id = ?2 AND (added_at, contact_id) < (?3, ?4)
                     ORDER BY added_at DESC, contact_id DESC LIMIT ?5"
                }
            };
            let rows: Vec<Membership> = conn
                .prepare_cached(sql)
                .and_then(|mut stmt| {
                    stmt.query_map(
                        params![portal.0, list.0, added, contact, page.limit as i64],
                        |r| {
                            Ok(Membership {
                                list,
                                contact: ContactId(r.get(0)?),
                                added_at: timestamp(r.get(1)?),
                            })
                        },
                    )?
                    .collect()
                })
                .map_err(internal)?;
            Ok(rows)
        })
    }

    async fn update_members(
        &self,
        portal: PortalId,
        list: ListId,
        add: &[ContactId],
        remove: &[ContactId],
        at: Timestamp,
    ) -> Result<MembershipUpdate> {
        let schema = self.property_schema(portal).await?;
        let cache = self.live_lists();
        let (add, remove) = (add.to_vec(), remove.to_vec());
        self.connections()
            .write(move |tx| {
                if !list_exists(tx, portal, list)? {
                    return Err(not_found(list));
                }
                let mut update = MembershipUpdate::default();
                let mut sizes = SizeChanges::default();
                let mut seen = BTreeSet::new();
                for id in add {
                    if !seen.insert(id) {
                        continue;
                    }
                    if !is_active(tx, portal, id)? {
                        update.missing.push(id);
                    } else if join(tx, portal, list, id, at)? {
                        update.added.push(id);
                        sizes.add(list, 1);
                    }
                }
                let mut seen = BTreeSet::new();
                for id in remove {
                    if !seen.insert(id) {
                        continue;
                    }
                    if leave(tx, portal, list, id)? {
                        update.removed.push(id);
                        sizes.add(list, -1);
                    } else if !is_active(tx, portal, id)? {
                        update.missing.push(id);
                    }
                }
                let touched: Vec<ContactId> = update
                    .added
                    .iter()
                    .chain(&update.removed)
                    .copied()
                    .collect();
                sizes.apply(tx, portal, at)?;
                let mut sizes = SizeChanges::default();
                follow_contacts(tx, portal, &touched, &schema, &cache, &mut sizes)?;
                sizes.apply(tx, portal, at)?;
                update.added.sort();
                update.removed.sort();
                update.missing.sort();
                update.missing.dedup();
                Ok(update)
            })
            .await
    }

    async fn copy_members(
        &self,
        portal: PortalId,
        into: ListId,
        from: ListId,
        at: Timestamp,
    ) -> Result<()> {
        let cache = self.live_lists();
        self.connections()
            .write(move |tx| {
                if !list_exists(tx, portal, into)? {
                    return Err(not_found(into));
                }
                let added = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO list_memberships (portal_id, list_id, contact_id, added_at)
                         SELECT portal_id, ?3, contact_id, ?4 FROM list_memberships
                         WHERE portal_id = ?1 AND list_id = ?2",
                    )
                    .and_then(|mut stmt| stmt.execute(params![portal.0, from.0, into.0, at.millis()]))
                    .map_err(internal)?;
                let mut sizes = SizeChanges::default();
                sizes.add(into, added as i64);
                sizes.apply(tx, portal, at)?;
                if added > 0 {
                    reprocess_dependents(tx, portal, into, &cache)?;
                }
                Ok(())
            })
            .await
    }

    async fn clear_members(&self, portal: PortalId, list: ListId, at: Timestamp) -> Result<()> {
        let cache = self.live_lists();
        self.connections()
            .write(move |tx| {
                if !list_exists(tx, portal, list)? {
                    return Err(not_found(list));
                }
                let removed = tx
                    .prepare_cached(
                        "DELETE FROM list_memberships WHERE portal_id = ?1 AND list_id = ?2",
                    )
                    .and_then(|mut stmt| stmt.execute(params![portal.0, list.0]))
                    .map_err(internal)?;
                if removed > 0 {
                    tx.prepare_cached(
                        "UPDATE lists SET size = 0, members_changed_at = ?3
                         WHERE portal_id = ?1 AND id = ?2",
                    )
                    .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, at.millis()]))
                    .map_err(internal)?;
                }
                if removed > 0 {
                    reprocess_dependents(tx, portal, list, &cache)?;
                }
                Ok(())
            })
            .await
    }

    async fn contact_memberships(
        &self,
        portal: PortalId,
        contacts: &[ContactId],
    ) -> Result<Vec<ContactMembership>> {
        let contacts = contacts.to_vec();
        self.connections().read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT m.list_id, l.version, m.added_at
                     FROM list_memberships m
                     JOIN lists l ON l.portal_id = m.portal_id AND l.id = m.list_id
                     WHERE m.portal_id = ?1 AND m.contact_id = ?2 AND l.deleted_at IS NULL
                     ORDER BY m.list_id",
                )
                .map_err(internal)?;
            let mut out = Vec::new();
            for contact in contacts {
                let rows = stmt
                    .query_map(params![portal.0, contact.0], |r| {
                        Ok(ContactMembership {
                            contact,
                            list: ListId(r.get(0)?),
                            list_version: r.get(1)?,
                            added_at: timestamp(r.get(2)?),
                        })
                    })
                    .map_err(internal)?;
                for row in rows {
                    out.push(row.map_err(internal)?);
                }
            }
            Ok(out)
        })
    }

    async fn evaluate_list(&self, portal: PortalId, list: ListId, limit: usize) -> Result<bool> {
        let schema = self.property_schema(portal).await?;
        let cache = self.live_lists();
        self.connections()
            .write(move |tx| {
                let state: Option<(String, String, Option<String>, Option<i64>)> = tx
                    .prepare_cached(
                        "SELECT processing_type, processing_status, filters, evaluated_through
                         FROM lists WHERE portal_id = ?1 AND id = ?2 AND deleted_at IS NULL",
                    )
                    .and_then(|mut stmt| {
                        stmt.query_row(params![portal.0, list.0], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                        })
                        .optional()
                    })
                    .map_err(internal)?;
                let Some((_, status, Some(filters), through)) = state else {
                    return Ok(true);
                };
                if status != "PROCESSING" {
                    return Ok(true);
                }
                let value = serde_json::from_str(&filters).map_err(internal)?;
                let tree = FilterBranch::parse_stored(&value).map_err(internal)?;
                let through = ContactId(through.unwrap_or(0));
                let rows = active_after(tx, portal, through, limit)?;
                let history_names = tree.history_properties();
                let now = Timestamp::now();
                let mut sizes = SizeChanges::default();
                for row in &rows {
                    let current: BTreeSet<ListId> = follow::memberships_of(tx, portal, row.id())?
                        .into_keys()
                        .collect();
                    let history = history_for(tx, portal, row, &history_names)?;
                    let subject = Subject {
                        contact: &row.contact,
                        history: &history,
                        lists: &current,
                        values: &ValueCache::default(),
                    };
                    let passes = matches(&tree, &subject, &schema, now);
                    let is_member = current.contains(&list);
                    if passes && !is_member && join(tx, portal, list, row.id(), now)? {
                        sizes.add(list, 1);
                    } else if !passes && is_member && leave(tx, portal, list, row.id())? {
                        sizes.add(list, -1);
                    }
                }
                sizes.apply(tx, portal, now)?;
                let done = rows.len() < limit;
                if done {
                    // Members that are no longer active contacts (none, as
                    // writes remove them) would be dropped here.
                    tx.prepare_cached(
                        "UPDATE lists SET processing_status = 'COMPLETE', evaluated_through = NULL
                         WHERE portal_id = ?1 AND id = ?2",
                    )
                    .and_then(|mut stmt| stmt.execute(params![portal.0, list.0]))
                    .map_err(internal)?;
                    reprocess_dependents(tx, portal, list, &cache)?;
                } else {
                    let last = rows.last().map_or(through, StoredContact::id);
                    tx.prepare_cached(
                        "UPDATE lists SET evaluated_through = ?3 WHERE portal_id = ?1 AND id = ?2",
                    )
                    .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, last.0]))
                    .map_err(internal)?;
                }
                Ok(done)
            })
            .await
    }

    async fn lists_processing(&self, limit: usize) -> Result<Vec<(PortalId, ListId)>> {
        self.connections().read(move |conn| {
            conn.prepare_cached(
                "SELECT portal_id, id FROM lists
                 WHERE processing_status = 'PROCESSING' AND deleted_at IS NULL
                 ORDER BY evaluation_started, portal_id, id LIMIT ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_map([limit as i64], |r| {
                    Ok((PortalId(r.get(0)?), ListId(r.get(1)?)))
                })?
                .collect()
            })
            .map_err(internal)
        })
    }

    async fn refresh_lists_relative_to_now(&self, before: Timestamp) -> Result<usize> {
        let now = Timestamp::now().millis();
        self.connections()
            .write(move |tx| {
                tx.prepare_cached(
                    "UPDATE lists SET processing_status = 'PROCESSING', evaluated_through = 0,
                            evaluation_started = ?2
                     WHERE relative_to_now AND processing_type = 'DYNAMIC' AND deleted_at IS NULL
                       AND processing_status = 'COMPLETE' AND evaluation_started < ?1",
                )
                .and_then(|mut stmt| stmt.execute(params![before.millis(), now]))
                .map_err(internal)
            })
            .await
    }

    async fn conversion(&self, portal: PortalId, list: ListId) -> Result<ListConversion> {
        self.connections()
            .read(|conn| conversion::conversion(conn, portal, list))
    }

    async fn schedule_conversion(
        &self,
        portal: PortalId,
        list: ListId,
        requested: Option<ConversionTime>,
        at: Timestamp,
    ) -> Result<ListConversion> {
        self.connections()
            .write(move |tx| conversion::schedule(tx, portal, list, requested, at))
            .await
    }

    async fn convert_due_lists(&self, now: Timestamp) -> Result<usize> {
        self.connections()
            .write(move |tx| conversion::convert_due(tx, now))
            .await
    }

    async fn record_list_sizes(&self, at: Timestamp) -> Result<usize> {
        self.connections()
            .write(move |tx| conversion::record_sizes(tx, at))
            .await
    }

    async fn list_history(
        &self,
        portal: PortalId,
        list: ListId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ListHistory> {
        self.connections()
            .read(|conn| conversion::history(conn, portal, list, from, to))
    }

    async fn create_folder(
        &self,
        portal: PortalId,
        name: &str,
        parent: i64,
        at: Timestamp,
    ) -> Result<Folder> {
        let name = name.to_string();
        self.connections()
            .write(move |tx| {
                let id: i64 = tx
                    .prepare_cached(
                        "SELECT coalesce(max(id), 0) + 1 FROM list_folders WHERE portal_id = ?1",
                    )
                    .and_then(|mut stmt| stmt.query_row([portal.0], |r| r.get(0)))
                    .map_err(internal)?;
                tx.prepare_cached(
                    "INSERT INTO list_folders (portal_id, id, name, parent_id, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                )
                .and_then(|mut stmt| stmt.execute(params![portal.0, id, name, parent, at.millis()]))
                .map_err(internal)?;
                folder_by_id(tx, portal, id)?.ok_or_else(|| internal("folder vanished"))
            })
            .await
    }

    async fn folders(&self, portal: PortalId) -> Result<Vec<Folder>> {
        self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT id, name, parent_id, created_at, updated_at FROM list_folders
                 WHERE portal_id = ?1 ORDER BY id",
            )
            .and_then(|mut stmt| stmt.query_map([portal.0], folder_row)?.collect())
            .map_err(internal)
        })
    }

    async fn change_folder(
        &self,
        portal: PortalId,
        folder: i64,
        name: Option<&str>,
        parent: Option<i64>,
        at: Timestamp,
    ) -> Result<Folder> {
        let name = name.map(str::to_string);
        self.connections()
            .write(move |tx| {
                tx.prepare_cached(
                    "UPDATE list_folders SET name = coalesce(?3, name),
                            parent_id = coalesce(?4, parent_id), updated_at = ?5
                     WHERE portal_id = ?1 AND id = ?2",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![portal.0, folder, name, parent, at.millis()])
                })
                .map_err(internal)?;
                folder_by_id(tx, portal, folder)?
                    .ok_or_else(|| Error::NotFound(format!("Folder {folder} does not exist.")))
            })
            .await
    }

    async fn delete_folder(&self, portal: PortalId, folder: i64) -> Result<()> {
        self.connections()
            .write(move |tx| {
                tx.prepare_cached("DELETE FROM list_folders WHERE portal_id = ?1 AND id = ?2")
                    .and_then(|mut stmt| stmt.execute(params![portal.0, folder]))
                    .map(drop)
                    .map_err(internal)
            })
            .await
    }

    async fn move_list(&self, portal: PortalId, list: ListId, folder: i64) -> Result<()> {
        self.connections()
            .write(move |tx| {
                let moved = tx
                    .prepare_cached(
                        "UPDATE lists SET folder_id = ?3 WHERE portal_id = ?1 AND id = ?2
                           AND deleted_at IS NULL",
                    )
                    .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, folder]))
                    .map_err(internal)?;
                if moved == 0 {
                    return Err(not_found(list));
                }
                Ok(())
            })
            .await
    }
}

/// Whether an id names an active contact of the portal.
fn is_active(conn: &Connection, portal: PortalId, id: ContactId) -> Result<bool> {
    if id.0 < 1 || id.0 > MAX_CONTACT_ID {
        return Ok(false);
    }
    conn.prepare_cached("SELECT state = 0 FROM contacts WHERE key = ?1")
        .and_then(|mut stmt| stmt.query_row([key(portal, id)], |r| r.get(0)).optional())
        .map(|s| s.unwrap_or(false))
        .map_err(internal)
}

/// Up to `limit` active contacts with ids above `after`, by id.
fn active_after(
    conn: &Connection,
    portal: PortalId,
    after: ContactId,
    limit: usize,
) -> Result<Vec<StoredContact>> {
    const SQL: &str = concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts WHERE key > ?1 AND key <= ?2 AND state = 0 ORDER BY key LIMIT ?3"
    );
    let (_, high) = key_range(portal, after);
    let raw: Vec<_> = conn
        .prepare_cached(SQL)
        .and_then(|mut stmt| {
            stmt.query_map(params![key(portal, after), high, limit as i64], read_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(internal)?;
    raw.into_iter().map(decode).collect()
}
