//! Memberships following contact writes, in the write's transaction: the
//! domain decides ([`follow_rows`]), this module reads what it needs (in
//! one statement per kind of row) and writes what it decided.

use crate::db::db;
use deadpool_postgres::Transaction;
use spoke_domain::contact::plan::Changes;
use spoke_domain::contact::{property_history, ChangeSource, PropertyHistory, RecordedChange};
use spoke_domain::ids::{ContactId, ListId, PortalId};
use spoke_domain::lists::{
    follow_rows, histories_wanted, memberships_wanted, FilterBranch, LiveList, LiveListCache,
    LiveLists, LiveVersions,
};
use spoke_domain::property::PropertySchema;
use spoke_domain::time::Timestamp;
use spoke_domain::{Error, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use tokio_postgres::types::Json;

/// The portal's live lists, as the transaction sees them (the versions are
/// read in every transaction, so every node sees a list another changed).
pub(crate) async fn live_lists(
    tx: &Transaction<'_>,
    portal: PortalId,
    cache: &LiveListCache,
) -> Result<Arc<LiveLists>> {
    let stmt = tx
        .prepare_cached("SELECT generation FROM list_generations WHERE portal_id = $1")
        .await
        .map_err(db)?;
    let generation: LiveVersions = tx
        .query_opt(&stmt, &[&portal.0])
        .await
        .map_err(db)?
        .map_or(0, |r| r.get(0));
    if let Some(lists) = cache.cached(portal, &generation) {
        return Ok(lists);
    }
    let stmt = tx
        .prepare_cached(
            "SELECT id, filters FROM lists
             WHERE portal_id = $1 AND processing_type = 'DYNAMIC' AND deleted_at IS NULL
             ORDER BY id",
        )
        .await
        .map_err(db)?;
    let mut lists = Vec::new();
    for row in tx.query(&stmt, &[&portal.0]).await.map_err(db)? {
        let json: Option<String> = row.get(1);
        let value =
            serde_json::from_str(json.as_deref().unwrap_or("null")).map_err(Error::internal)?;
        lists.push(LiveList {
            id: ListId(row.get(0)),
            filters: FilterBranch::parse_stored(&value).map_err(Error::internal)?,
        });
    }
    Ok(cache.keep(portal, generation, lists))
}

/// Marks a change of the portal's lists (see [`live_lists`]).
pub(crate) async fn bump_generation(tx: &Transaction<'_>, portal: PortalId) -> Result<()> {
    tx.execute(
        "INSERT INTO list_generations (portal_id, generation) VALUES ($1, 1)
         ON CONFLICT (portal_id) DO UPDATE SET generation = list_generations.generation + 1",
        &[&portal.0],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// Each contact's lists, with whether each list is static.
pub(crate) async fn memberships_of(
    tx: &Transaction<'_>,
    portal: PortalId,
    contacts: &[ContactId],
) -> Result<HashMap<ContactId, BTreeMap<ListId, bool>>> {
    let mut out: HashMap<ContactId, BTreeMap<ListId, bool>> =
        contacts.iter().map(|c| (*c, BTreeMap::new())).collect();
    if contacts.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = contacts.iter().map(|c| c.0).collect();
    let stmt = tx
        .prepare_cached(
            "SELECT m.contact_id, m.list_id, l.processing_type <> 'DYNAMIC'
             FROM list_memberships m
             JOIN lists l ON l.portal_id = m.portal_id AND l.id = m.list_id
             WHERE m.portal_id = $1 AND m.contact_id = ANY($2)",
        )
        .await
        .map_err(db)?;
    for row in tx.query(&stmt, &[&portal.0, &ids]).await.map_err(db)? {
        out.entry(ContactId(row.get(0)))
            .or_default()
            .insert(ListId(row.get(1)), row.get(2));
    }
    Ok(out)
}

/// The recorded changes of these contacts, oldest first.
pub(crate) async fn changes_of(
    tx: &Transaction<'_>,
    portal: PortalId,
    contacts: &[ContactId],
) -> Result<HashMap<ContactId, Vec<RecordedChange>>> {
    let mut out: HashMap<ContactId, Vec<RecordedChange>> = HashMap::new();
    if contacts.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = contacts.iter().map(|c| c.0).collect();
    let stmt = tx
        .prepare_cached(
            "SELECT contact_id, kind, occurred_at, source_type, source_id, source_label,
                    updated_by_user_id, changed_values
             FROM contact_changes WHERE portal_id = $1 AND contact_id = ANY($2)
             ORDER BY contact_id, change_id",
        )
        .await
        .map_err(db)?;
    for row in tx.query(&stmt, &[&portal.0, &ids]).await.map_err(db)? {
        let values: Json<BTreeMap<String, String>> = row.try_get(7).map_err(db)?;
        out.entry(ContactId(row.get(0)))
            .or_default()
            .push(RecordedChange {
                kind: crate::contacts::row::parse_kind(row.get(1))?,
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
    Ok(out)
}

/// Writes memberships started and ended, each kind in one statement that
/// also adds what it changed to the lists' sizes (one shard per call, see
/// [`add_sizes`]).
pub(crate) async fn write_memberships(
    tx: &Transaction<'_>,
    portal: PortalId,
    joins: &[(ListId, ContactId)],
    leaves: &[(ListId, ContactId)],
    at: Timestamp,
) -> Result<()> {
    let shard = random_shard();
    if !leaves.is_empty() {
        let (lists, contacts): (Vec<i64>, Vec<i64>) =
            leaves.iter().map(|(l, c)| (l.0, c.0)).unzip();
        let stmt = tx
            .prepare_cached(
                "WITH gone AS (
                   DELETE FROM list_memberships m
                   USING unnest($2::bigint[], $3::bigint[]) AS t(list_id, contact_id)
                   WHERE m.portal_id = $1 AND m.list_id = t.list_id AND m.contact_id = t.contact_id
                   RETURNING m.list_id
                 )
                 INSERT INTO list_sizes (portal_id, list_id, shard, size, changed_at)
                 SELECT $1, list_id, $4, -count(*), $5 FROM gone GROUP BY list_id ORDER BY list_id
                 ON CONFLICT (portal_id, list_id, shard)
                 DO UPDATE SET size = list_sizes.size + excluded.size,
                               changed_at = greatest(list_sizes.changed_at, excluded.changed_at)",
            )
            .await
            .map_err(db)?;
        tx.execute(&stmt, &[&portal.0, &lists, &contacts, &shard, &at.millis()])
            .await
            .map_err(db)?;
    }
    if !joins.is_empty() {
        let mut sorted = joins.to_vec();
        sorted.sort_unstable();
        let (lists, contacts): (Vec<i64>, Vec<i64>) =
            sorted.iter().map(|(l, c)| (l.0, c.0)).unzip();
        let stmt = tx
            .prepare_cached(
                "WITH added AS (
                   INSERT INTO list_memberships (portal_id, list_id, contact_id, added_at)
                   SELECT $1, t.list_id, t.contact_id, $4
                   FROM unnest($2::bigint[], $3::bigint[]) AS t(list_id, contact_id)
                   ON CONFLICT DO NOTHING
                   RETURNING list_id
                 )
                 INSERT INTO list_sizes (portal_id, list_id, shard, size, changed_at)
                 SELECT $1, list_id, $5, count(*), $4 FROM added GROUP BY list_id ORDER BY list_id
                 ON CONFLICT (portal_id, list_id, shard)
                 DO UPDATE SET size = list_sizes.size + excluded.size,
                               changed_at = greatest(list_sizes.changed_at, excluded.changed_at)",
            )
            .await
            .map_err(db)?;
        tx.execute(&stmt, &[&portal.0, &lists, &contacts, &at.millis(), &shard])
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// A shard of list sizes for one transaction to write to.
fn random_shard() -> i16 {
    i16::from(uuid::Uuid::new_v4().as_bytes()[0] % SIZE_SHARDS)
}

/// Shards of a list's size (see the `list_sizes` table).
const SIZE_SHARDS: u8 = 64;

/// Adds to lists' sizes: to one shard per transaction, picked at random,
/// in list id order (so two writers on one shard never deadlock); `at` is
/// when their members changed.
pub(crate) async fn add_sizes(
    tx: &Transaction<'_>,
    portal: PortalId,
    sizes: &BTreeMap<i64, i64>,
    at: Timestamp,
) -> Result<()> {
    let (lists, deltas): (Vec<i64>, Vec<i64>) = sizes
        .iter()
        .filter(|(_, d)| **d != 0)
        .map(|(l, d)| (*l, *d))
        .unzip();
    if lists.is_empty() {
        return Ok(());
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO list_sizes (portal_id, list_id, shard, size, changed_at)
             SELECT $1, t.list_id, $4, t.delta, $5
             FROM unnest($2::bigint[], $3::bigint[]) AS t(list_id, delta) ORDER BY t.list_id
             ON CONFLICT (portal_id, list_id, shard)
             DO UPDATE SET size = list_sizes.size + excluded.size,
                           changed_at = greatest(list_sizes.changed_at, excluded.changed_at)",
        )
        .await
        .map_err(db)?;
    tx.execute(
        &stmt,
        &[&portal.0, &lists, &deltas, &random_shard(), &at.millis()],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// The histories of the properties named, for these contacts.
pub(crate) async fn histories_of(
    tx: &Transaction<'_>,
    portal: PortalId,
    rows: &[&spoke_domain::contact::StoredContact],
    names: &BTreeSet<String>,
) -> Result<HashMap<ContactId, PropertyHistory>> {
    if names.is_empty() || rows.is_empty() {
        return Ok(HashMap::new());
    }
    let names: Vec<String> = names.iter().cloned().collect();
    let ids: Vec<ContactId> = rows.iter().map(|r| r.id()).collect();
    let changes = changes_of(tx, portal, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let recorded = changes.get(&row.id()).map(Vec::as_slice).unwrap_or(&[]);
            (row.id(), property_history(&row.contact, recorded, &names))
        })
        .collect())
}

/// Lets the portal's lists follow the rows a contact write changed.
pub(crate) async fn follow_writes(
    tx: &Transaction<'_>,
    portal: PortalId,
    changes: &Changes,
    schema: &PropertySchema,
    cache: &LiveListCache,
) -> Result<()> {
    let wanted = memberships_wanted(changes);
    let lists = live_lists(tx, portal, cache).await?;
    if lists.is_empty() && wanted.is_empty() {
        return Ok(());
    }
    let current = memberships_of(tx, portal, &wanted).await?;
    let rows: Vec<_> = histories_wanted(&lists, changes)
        .into_iter()
        .filter_map(|id| changes.rows.get(&id).and_then(|c| c.after.as_ref()))
        .collect();
    let histories = histories_of(tx, portal, &rows, lists.history_properties()).await?;
    let now = Timestamp::now();
    let decided = follow_rows(&lists, changes, current, &histories, schema, now);
    write_memberships(tx, portal, &decided.joins, &decided.leaves, now).await
}

/// Marks the live lists that name `list` in an `IN_LIST` filter for
/// evaluation again: their members depend on its members.
pub(crate) async fn reprocess_dependents(
    tx: &Transaction<'_>,
    portal: PortalId,
    list: ListId,
    cache: &LiveListCache,
) -> Result<()> {
    let lists = live_lists(tx, portal, cache).await?;
    let dependents: Vec<i64> = lists
        .lists()
        .iter()
        .filter(|l| l.id != list && l.filters.lists().contains(&list))
        .map(|l| l.id.0)
        .collect();
    if dependents.is_empty() {
        return Ok(());
    }
    tx.execute(
        "UPDATE lists SET processing_status = 'PROCESSING', evaluated_through = 0,
                evaluation_started = $3
         WHERE portal_id = $1 AND id = ANY($2)",
        &[&portal.0, &dependents, &Timestamp::now().millis()],
    )
    .await
    .map_err(db)?;
    Ok(())
}
