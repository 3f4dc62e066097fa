//! Memberships following contact writes, in the write's transaction: the
//! domain decides ([`follow`]), this module reads what it needs and writes
//! what it decided.

use crate::contacts::changes::read_changes;
use crate::contacts::row::row_by_id;
use crate::internal;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use spoke_domain::contact::plan::Changes;
use spoke_domain::contact::{property_history, PropertyHistory, StoredContact};
use spoke_domain::ids::{ContactId, ListId, PortalId};
use spoke_domain::lists::{
    follow_active, follow_rows, histories_wanted, memberships_wanted, FilterBranch, LiveList,
    LiveListCache, LiveLists, LiveVersions, MembershipChanges,
};
use spoke_domain::property::PropertySchema;
use spoke_domain::time::Timestamp;
use spoke_domain::Result;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The portal's live lists, as the transaction sees them.
pub(crate) fn live_lists(
    conn: &Connection,
    portal: PortalId,
    cache: &LiveListCache,
) -> Result<Arc<LiveLists>> {
    let generation: LiveVersions = conn
        .prepare_cached("SELECT generation FROM list_generations WHERE portal_id = ?1")
        .and_then(|mut stmt| stmt.query_row([portal.0], |r| r.get(0)).optional())
        .map_err(internal)?
        .unwrap_or(0);
    if let Some(lists) = cache.cached(portal, &generation) {
        return Ok(lists);
    }
    let rows: Vec<(i64, Option<String>)> = conn
        .prepare_cached(
            "SELECT id, filters FROM lists
             WHERE portal_id = ?1 AND processing_type = 'DYNAMIC' AND deleted_at IS NULL
             ORDER BY id",
        )
        .and_then(|mut stmt| {
            stmt.query_map([portal.0], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .map_err(internal)?;
    let mut lists = Vec::with_capacity(rows.len());
    for (id, json) in rows {
        let value = serde_json::from_str(json.as_deref().unwrap_or("null")).map_err(internal)?;
        lists.push(LiveList {
            id: ListId(id),
            filters: FilterBranch::parse_stored(&value).map_err(internal)?,
        });
    }
    Ok(cache.keep(portal, generation, lists))
}

/// Marks a change of the portal's lists (see [`live_lists`]).
pub(crate) fn bump_generation(tx: &Transaction<'_>, portal: PortalId) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO list_generations (portal_id, generation) VALUES (?1, 1)
         ON CONFLICT (portal_id) DO UPDATE SET generation = generation + 1",
    )
    .and_then(|mut stmt| stmt.execute([portal.0]))
    .map(drop)
    .map_err(internal)
}

/// Changes of list sizes, applied once at the end of a transaction.
#[derive(Default)]
pub(crate) struct SizeChanges {
    deltas: BTreeMap<ListId, i64>,
    recount: BTreeSet<ListId>,
}

impl SizeChanges {
    pub fn add(&mut self, list: ListId, delta: i64) {
        *self.deltas.entry(list).or_default() += delta;
    }

    /// The list's size is counted from its rows instead.
    pub fn recount(&mut self, list: ListId) {
        self.recount.insert(list);
    }

    /// Applies the changes, noting `at` as the time members last changed.
    pub fn apply(self, tx: &Transaction<'_>, portal: PortalId, at: Timestamp) -> Result<()> {
        for (list, delta) in self.deltas {
            if delta == 0 || self.recount.contains(&list) {
                continue;
            }
            tx.prepare_cached(
                "UPDATE lists SET size = size + ?3, members_changed_at = ?4
                 WHERE portal_id = ?1 AND id = ?2",
            )
            .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, delta, at.millis()]))
            .map_err(internal)?;
        }
        for list in self.recount {
            tx.prepare_cached(
                "UPDATE lists SET size = (SELECT count(*) FROM list_memberships
                                          WHERE portal_id = ?1 AND list_id = ?2),
                                  members_changed_at = ?3
                 WHERE portal_id = ?1 AND id = ?2",
            )
            .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, at.millis()]))
            .map_err(internal)?;
        }
        Ok(())
    }
}

/// A contact's lists, each with whether it is static (MANUAL or SNAPSHOT).
pub(crate) fn memberships_of(
    conn: &Connection,
    portal: PortalId,
    contact: ContactId,
) -> Result<BTreeMap<ListId, bool>> {
    conn.prepare_cached(
        "SELECT m.list_id, l.processing_type <> 'DYNAMIC'
         FROM list_memberships m
         JOIN lists l ON l.portal_id = m.portal_id AND l.id = m.list_id
         WHERE m.portal_id = ?1 AND m.contact_id = ?2",
    )
    .and_then(|mut stmt| {
        stmt.query_map(params![portal.0, contact.0], |r| {
            Ok((ListId(r.get(0)?), r.get(1)?))
        })?
        .collect()
    })
    .map_err(internal)
}

pub(crate) fn join(
    tx: &Transaction<'_>,
    portal: PortalId,
    list: ListId,
    contact: ContactId,
    at: Timestamp,
) -> Result<bool> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO list_memberships (portal_id, list_id, contact_id, added_at)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, contact.0, at.millis()]))
    .map(|n| n > 0)
    .map_err(internal)
}

pub(crate) fn leave(
    tx: &Transaction<'_>,
    portal: PortalId,
    list: ListId,
    contact: ContactId,
) -> Result<bool> {
    tx.prepare_cached(
        "DELETE FROM list_memberships WHERE portal_id = ?1 AND list_id = ?2 AND contact_id = ?3",
    )
    .and_then(|mut stmt| stmt.execute(params![portal.0, list.0, contact.0]))
    .map(|n| n > 0)
    .map_err(internal)
}

/// The history of the properties named that a contact's evaluation needs
/// (none for most portals).
pub(crate) fn history_for(
    conn: &Connection,
    portal: PortalId,
    row: &StoredContact,
    names: &BTreeSet<String>,
) -> Result<PropertyHistory> {
    let names: Vec<String> = names.iter().cloned().collect();
    if names.is_empty() {
        return Ok(PropertyHistory::new());
    }
    let changes = read_changes(conn, portal, row.id())?;
    Ok(property_history(&row.contact, &changes, &names))
}

/// Lets the portal's lists follow the rows a contact write changed.
pub(crate) fn follow_writes(
    tx: &Transaction<'_>,
    portal: PortalId,
    changes: &Changes,
    schema: &PropertySchema,
    cache: &LiveListCache,
) -> Result<()> {
    let lists = live_lists(tx, portal, cache)?;
    let mut current = HashMap::new();
    for id in memberships_wanted(changes) {
        current.insert(id, memberships_of(tx, portal, id)?);
    }
    let mut histories = HashMap::new();
    for id in histories_wanted(&lists, changes) {
        if let Some(row) = changes.rows.get(&id).and_then(|c| c.after.as_ref()) {
            histories.insert(
                id,
                history_for(tx, portal, row, lists.history_properties())?,
            );
        }
    }
    let now = Timestamp::now();
    let decided = follow_rows(&lists, changes, current, &histories, schema, now);
    let mut sizes = SizeChanges::default();
    write_changes(tx, portal, decided, now, &mut sizes)?;
    sizes.apply(tx, portal, now)
}

/// Writes the memberships decided, counting them in `sizes`.
fn write_changes(
    tx: &Transaction<'_>,
    portal: PortalId,
    decided: MembershipChanges,
    at: Timestamp,
    sizes: &mut SizeChanges,
) -> Result<()> {
    for (list, contact) in decided.leaves {
        if leave(tx, portal, list, contact)? {
            sizes.add(list, -1);
        }
    }
    join_many(tx, portal, decided.joins, at, sizes)
}

/// Most rows of one multi-row insert of memberships; smaller statements
/// (halving down to one row) take the rest.
const JOIN_CHUNK: usize = 64;

/// Inserts memberships in multi-row statements, in key order (one
/// statement and one pass down each list's B-tree for many rows).
fn join_many(
    tx: &Transaction<'_>,
    portal: PortalId,
    mut joins: Vec<(ListId, ContactId)>,
    at: Timestamp,
    sizes: &mut SizeChanges,
) -> Result<()> {
    joins.sort_unstable();
    let mut rest: &[(ListId, ContactId)] = &joins;
    let mut size = JOIN_CHUNK;
    while !rest.is_empty() {
        while size > rest.len() {
            size /= 2;
        }
        let (chunk, after) = rest.split_at(size);
        rest = after;
        let sql = format!(
            "INSERT OR IGNORE INTO list_memberships (portal_id, list_id, contact_id, added_at) VALUES {}",
            vec!["(?, ?, ?, ?)"; size].join(", ")
        );
        let mut values: Vec<i64> = Vec::with_capacity(size * 4);
        for (list, contact) in chunk {
            values.extend([portal.0, list.0, contact.0, at.millis()]);
        }
        let inserted = tx
            .prepare_cached(&sql)
            .and_then(|mut stmt| stmt.execute(rusqlite::params_from_iter(values)))
            .map_err(internal)?;
        if inserted == chunk.len() {
            for (list, _) in chunk {
                sizes.add(*list, 1);
            }
        } else {
            // Some were members already (never decided so, but counted
            // right whatever happens): count those lists again.
            for list in chunk.iter().map(|(l, _)| *l).collect::<BTreeSet<_>>() {
                sizes.recount(list);
            }
        }
    }
    Ok(())
}

/// Lets the live lists follow contacts whose static memberships a call
/// changed (a live list may name a static one in an `IN_LIST` filter).
pub(crate) fn follow_contacts(
    tx: &Transaction<'_>,
    portal: PortalId,
    contacts: &[ContactId],
    schema: &PropertySchema,
    cache: &LiveListCache,
    sizes: &mut SizeChanges,
) -> Result<()> {
    let lists = live_lists(tx, portal, cache)?;
    if lists.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    let (mut current, mut histories) = (HashMap::new(), HashMap::new());
    for id in contacts {
        let Some(row) = row_by_id(tx, portal, *id)?.filter(|r| r.is_active()) else {
            continue;
        };
        current.insert(*id, memberships_of(tx, portal, *id)?);
        histories.insert(
            *id,
            history_for(tx, portal, &row, lists.history_properties())?,
        );
        rows.push(row);
    }
    let refs: Vec<&StoredContact> = rows.iter().collect();
    let now = Timestamp::now();
    let decided = follow_active(&lists, &refs, &current, &histories, schema, now);
    write_changes(tx, portal, decided, now, sizes)
}

/// Whether the list exists, live, in the portal.
pub(crate) fn list_exists(conn: &Connection, portal: PortalId, list: ListId) -> Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM lists WHERE portal_id = ?1 AND id = ?2 AND deleted_at IS NULL",
    )
    .and_then(|mut stmt| stmt.exists(params![portal.0, list.0]))
    .map_err(internal)
}

/// Marks the live lists that name `list` in an `IN_LIST` filter for
/// evaluation again: their members depend on its members.
pub(crate) fn reprocess_dependents(
    tx: &Transaction<'_>,
    portal: PortalId,
    list: ListId,
    cache: &LiveListCache,
) -> Result<()> {
    let lists = live_lists(tx, portal, cache)?;
    let now = Timestamp::now().millis();
    for dependent in lists
        .lists()
        .iter()
        .filter(|l| l.id != list && l.filters.lists().contains(&list))
    {
        tx.prepare_cached(
            "UPDATE lists SET processing_status = 'PROCESSING', evaluated_through = 0,
                    evaluation_started = ?3
             WHERE portal_id = ?1 AND id = ?2",
        )
        .and_then(|mut stmt| stmt.execute(params![portal.0, dependent.id.0, now]))
        .map_err(internal)?;
    }
    Ok(())
}
