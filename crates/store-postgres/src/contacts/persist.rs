//! Writing what a planner decided, in the write's transaction: each kind
//! of row in one statement over arrays, in the order [`Changes`] lists
//! them. A unique value another writer claimed first fails the insert;
//! the write is then run again ([`crate::db::retrying`]).

use crate::db::db;
use crate::search::terms::{contact_numbers, contact_tsvector};
use deadpool_postgres::Transaction;
use spoke_domain::contact::plan::Changes;
use spoke_domain::contact::{Contact, StoredContact};
use spoke_domain::ids::PortalId;
use spoke_domain::property::{PropertySchema, ValueRewrite};
use spoke_domain::Result;
use std::collections::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::types::Json;

/// The columns of one contact row, as arrays.
#[derive(Default)]
struct RowArrays<'a> {
    ids: Vec<i64>,
    states: Vec<i16>,
    properties: Vec<Json<&'a BTreeMap<String, String>>>,
    created: Vec<i64>,
    updated: Vec<i64>,
    archived: Vec<Option<i64>>,
    merged: Vec<Option<i64>>,
    terms: Vec<Option<String>>,
}

impl<'a> RowArrays<'a> {
    fn push(&mut self, portal: PortalId, row: &'a StoredContact, schema: &PropertySchema) {
        let c = &row.contact;
        self.ids.push(c.id.0);
        self.states.push(row.state.code());
        self.properties.push(Json(&c.properties));
        self.created.push(c.created_at.millis());
        self.updated.push(c.updated_at.millis());
        self.archived.push(c.archived_at.map(|t| t.millis()));
        self.merged.push(row.merged_into.map(|id| id.0));
        self.terms
            .push(row.is_active().then(|| contact_tsvector(portal, c, schema)));
    }
}

/// A contact's numbers, by property.
fn numbers(contact: Option<&Contact>, schema: &PropertySchema) -> HashMap<String, f64> {
    contact
        .map(|c| contact_numbers(c, schema).into_iter().collect())
        .unwrap_or_default()
}

pub(crate) async fn persist(
    tx: &Transaction<'_>,
    portal: PortalId,
    changes: &Changes,
    schema: &PropertySchema,
) -> Result<()> {
    let (mut inserts, mut updates) = (RowArrays::default(), RowArrays::default());
    let mut deletes: Vec<i64> = Vec::new();
    // contact_numbers: (property, contact) pairs to drop, and to write.
    let (mut gone_properties, mut gone_ids) = (Vec::<String>::new(), Vec::<i64>::new());
    let (mut set_properties, mut set_ids, mut set_values) =
        (Vec::<String>::new(), Vec::<i64>::new(), Vec::<f64>::new());
    for (id, change) in &changes.rows {
        match (&change.before, &change.after) {
            (None, Some(row)) => inserts.push(portal, row, schema),
            (Some(_), Some(row)) => updates.push(portal, row, schema),
            (Some(_), None) => deletes.push(id.0),
            (None, None) => {}
        }
        if change.after.is_none() {
            continue;
        }
        let before = numbers(change.active_before(), schema);
        let after = numbers(change.active_after(), schema);
        for property in before.keys().filter(|p| !after.contains_key(*p)) {
            gone_properties.push(property.clone());
            gone_ids.push(id.0);
        }
        for (property, value) in after {
            if before.get(&property) != Some(&value) {
                set_properties.push(property);
                set_ids.push(id.0);
                set_values.push(value);
            }
        }
    }
    if !inserts.ids.is_empty() {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO contacts
                   (portal_id, contact_id, state, properties, created_at, updated_at,
                    archived_at, merged_into, terms)
                 SELECT $1, u.id, u.state, u.properties, u.created, u.updated, u.archived,
                        u.merged, u.terms::tsvector
                 FROM unnest($2::int8[], $3::int2[], $4::jsonb[], $5::int8[], $6::int8[],
                             $7::int8[], $8::int8[], $9::text[])
                      AS u(id, state, properties, created, updated, archived, merged, terms)",
            )
            .await
            .map_err(db)?;
        let r = &inserts;
        tx.execute(
            &stmt,
            &[
                &portal.0,
                &r.ids,
                &r.states,
                &r.properties,
                &r.created,
                &r.updated,
                &r.archived,
                &r.merged,
                &r.terms,
            ],
        )
        .await
        .map_err(db)?;
    }
    if !updates.ids.is_empty() {
        let stmt = tx
            .prepare_cached(
                "UPDATE contacts c
                 SET state = u.state, properties = u.properties, updated_at = u.updated,
                     archived_at = u.archived, merged_into = u.merged, terms = u.terms::tsvector
                 FROM unnest($2::int8[], $3::int2[], $4::jsonb[], $5::int8[], $6::int8[],
                             $7::int8[], $8::text[])
                      AS u(id, state, properties, updated, archived, merged, terms)
                 WHERE c.portal_id = $1 AND c.contact_id = u.id AND c.contact_id = ANY($2)",
            )
            .await
            .map_err(db)?;
        let r = &updates;
        tx.execute(
            &stmt,
            &[
                &portal.0,
                &r.ids,
                &r.states,
                &r.properties,
                &r.updated,
                &r.archived,
                &r.merged,
                &r.terms,
            ],
        )
        .await
        .map_err(db)?;
    }
    if !deletes.is_empty() {
        for sql in [
            "DELETE FROM contacts WHERE portal_id = $1 AND contact_id = ANY($2)",
            "DELETE FROM contact_numbers WHERE portal_id = $1 AND contact_id = ANY($2)",
        ] {
            tx.execute(sql, &[&portal.0, &deletes]).await.map_err(db)?;
        }
    }
    if !gone_ids.is_empty() {
        tx.execute(
            "DELETE FROM contact_numbers n USING unnest($2::text[], $3::int8[]) AS g(property, id)
             WHERE n.portal_id = $1 AND n.property = g.property AND n.contact_id = g.id
               AND n.property = ANY($2) AND n.contact_id = ANY($3)",
            &[&portal.0, &gone_properties, &gone_ids],
        )
        .await
        .map_err(db)?;
    }
    if !set_ids.is_empty() {
        tx.execute(
            "INSERT INTO contact_numbers (portal_id, property, contact_id, value)
             SELECT $1, * FROM unnest($2::text[], $3::int8[], $4::float8[])
             ON CONFLICT (portal_id, property, contact_id) DO UPDATE SET value = EXCLUDED.value",
            &[&portal.0, &set_properties, &set_ids, &set_values],
        )
        .await
        .map_err(db)?;
    }
    holders(tx, portal, changes).await?;
    for (from, to) in &changes.repoints {
        for sql in [
            "UPDATE contacts SET merged_into = $3 WHERE portal_id = $1 AND merged_into = $2",
            "UPDATE contact_merges SET canonical_id = $3 WHERE portal_id = $1 AND canonical_id = $2",
            "UPDATE contact_changes SET contact_id = $3 WHERE portal_id = $1 AND contact_id = $2",
        ] {
            tx.execute(sql, &[&portal.0, &from.0, &to.0])
                .await
                .map_err(db)?;
        }
    }
    for merge in &changes.merges {
        tx.execute(
            "INSERT INTO contact_merges
               (portal_id, merged_id, into_id, canonical_id, merged_at, properties_moved)
             VALUES ($1, $2, $3, $3, $4, $5)",
            &[
                &portal.0,
                &merge.merged.0,
                &merge.into.0,
                &merge.at.millis(),
                &i64::from(merge.properties_moved),
            ],
        )
        .await
        .map_err(db)?;
    }
    if !changes.forgotten.is_empty() {
        let ids: Vec<i64> = changes.forgotten.iter().map(|id| id.0).collect();
        for sql in [
            "DELETE FROM contact_changes WHERE portal_id = $1 AND contact_id = ANY($2)",
            "DELETE FROM outbox WHERE portal_id = $1 AND object_type = 'contact' AND object_id = ANY($2)",
            "DELETE FROM contact_merges WHERE portal_id = $1 AND (merged_id = ANY($2) OR canonical_id = ANY($2))",
        ] {
            tx.execute(sql, &[&portal.0, &ids]).await.map_err(db)?;
        }
        crate::snapshots::forget(tx, portal, &ids).await?;
    }
    history(tx, portal, changes).await
}

/// Claims removed, then claims made: a unique value another writer holds
/// fails the insert (and the write runs again).
async fn holders(tx: &Transaction<'_>, portal: PortalId, changes: &Changes) -> Result<()> {
    let mut gone: (Vec<&str>, Vec<&str>, Vec<i64>) = Default::default();
    let mut new: (Vec<&str>, Vec<&str>, Vec<i64>) = Default::default();
    for ((property, value), change) in &changes.holders {
        if let Some(before) = change.before {
            gone.0.push(property);
            gone.1.push(value);
            gone.2.push(before.code());
        }
        if let Some(after) = change.after {
            new.0.push(property);
            new.1.push(value);
            new.2.push(after.code());
        }
    }
    if !gone.0.is_empty() {
        let stmt = tx
            .prepare_cached(
                "DELETE FROM unique_values u
                 USING unnest($2::text[], $3::text[], $4::int8[]) AS g(property, value, holder)
                 WHERE u.portal_id = $1 AND u.property = g.property AND u.value = g.value
                   AND u.contact_id = g.holder AND u.property = ANY($2) AND u.value = ANY($3)",
            )
            .await
            .map_err(db)?;
        tx.execute(&stmt, &[&portal.0, &gone.0, &gone.1, &gone.2])
            .await
            .map_err(db)?;
    }
    if !new.0.is_empty() {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO unique_values (portal_id, property, value, contact_id)
                 SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int8[])",
            )
            .await
            .map_err(db)?;
        tx.execute(&stmt, &[&portal.0, &new.0, &new.1, &new.2])
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// History rows (of entries that keep one) and every entry's event, in
/// order, in one statement.
async fn history(tx: &Transaction<'_>, portal: PortalId, changes: &Changes) -> Result<()> {
    if changes.history.is_empty() {
        return Ok(());
    }
    let entries = &changes.history;
    let contacts: Vec<i64> = entries.iter().map(|e| e.contact.0).collect();
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    let at: Vec<i64> = entries.iter().map(|e| e.at.millis()).collect();
    let source_types: Vec<&str> = entries
        .iter()
        .map(|e| e.source.source_type.as_str())
        .collect();
    let source_ids: Vec<Option<&str>> = entries
        .iter()
        .map(|e| e.source.source_id.as_deref())
        .collect();
    let source_labels: Vec<Option<&str>> = entries
        .iter()
        .map(|e| e.source.source_label.as_deref())
        .collect();
    let users: Vec<Option<i64>> = entries
        .iter()
        .map(|e| e.source.updated_by_user_id)
        .collect();
    let values: Vec<Json<&BTreeMap<String, String>>> =
        entries.iter().map(|e| Json(&e.values)).collect();
    let kept: Vec<bool> = entries.iter().map(|e| e.in_history).collect();
    let payloads: Vec<String> = entries.iter().map(|e| e.payload_json()).collect();
    let stmt = tx
        .prepare_cached(
            "WITH input AS (
                SELECT u.*, nextval('contact_change_ids') AS change_id,
                       nextval('outbox_event_ids') AS event_id
                FROM unnest($2::int8[], $3::text[], $4::int8[], $5::text[], $6::text[],
                            $7::text[], $8::int8[], $9::jsonb[], $10::bool[], $11::text[])
                     WITH ORDINALITY
                     AS u(contact_id, kind, at, source_type, source_id, source_label,
                          user_id, changed, kept, payload, n)
             ), changes AS (
                INSERT INTO contact_changes
                  (portal_id, change_id, contact_id, kind, occurred_at, source_type, source_id,
                   source_label, updated_by_user_id, changed_values)
                SELECT $1, change_id, contact_id, kind, at, source_type, source_id,
                       source_label, user_id, changed
                FROM input WHERE kept
             )
             INSERT INTO outbox
               (portal_id, event_id, object_type, object_id, kind, occurred_at, change_id, payload)
             SELECT $1, event_id, 'contact', contact_id, kind, at,
                    CASE WHEN kept THEN change_id END, payload::jsonb
             FROM input ORDER BY n",
        )
        .await
        .map_err(db)?;
    tx.execute(
        &stmt,
        &[
            &portal.0,
            &contacts,
            &kinds,
            &at,
            &source_types,
            &source_ids,
            &source_labels,
            &users,
            &values,
            &kept,
            &payloads,
        ],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// Writes re-encoded values (a property's type changed), moving unique
/// values with them.
pub(crate) async fn rewrite_values(
    tx: &Transaction<'_>,
    portal: PortalId,
    property: &str,
    rewrites: &[ValueRewrite],
) -> Result<()> {
    for rewrite in rewrites {
        tx.execute(
            "UPDATE contacts SET properties = $3 WHERE portal_id = $1 AND contact_id = $2",
            &[&portal.0, &rewrite.contact.0, &Json(&rewrite.properties)],
        )
        .await
        .map_err(db)?;
        if let Some((old, new)) = &rewrite.unique {
            tx.execute(
                "DELETE FROM unique_values
                 WHERE portal_id = $1 AND property = $2 AND value = $3 AND contact_id = $4",
                &[&portal.0, &property, old, &rewrite.contact.0],
            )
            .await
            .map_err(db)?;
            if let Some(new) = new {
                tx.execute(
                    "INSERT INTO unique_values (portal_id, property, value, contact_id)
                     VALUES ($1, $2, $3, $4)",
                    &[&portal.0, &property, new, &rewrite.contact.0],
                )
                .await
                .map_err(db)?;
            }
        }
    }
    Ok(())
}

/// Recomputes the search terms of `rows` and their numbers of `property`,
/// after the property's definition changed.
pub(crate) async fn refresh_search_entries(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &PropertySchema,
    property: &str,
    rows: &[StoredContact],
) -> Result<()> {
    let active: Vec<&StoredContact> = rows.iter().filter(|r| r.is_active()).collect();
    let ids: Vec<i64> = active.iter().map(|r| r.id().0).collect();
    let terms: Vec<String> = active
        .iter()
        .map(|r| contact_tsvector(portal, &r.contact, schema))
        .collect();
    tx.execute(
        "UPDATE contacts c SET terms = u.terms::tsvector
         FROM unnest($2::int8[], $3::text[]) AS u(id, terms)
         WHERE c.portal_id = $1 AND c.contact_id = u.id AND c.contact_id = ANY($2)",
        &[&portal.0, &ids, &terms],
    )
    .await
    .map_err(db)?;
    let all: Vec<i64> = rows.iter().map(|r| r.id().0).collect();
    tx.execute(
        "DELETE FROM contact_numbers WHERE portal_id = $1 AND property = $2 AND contact_id = ANY($3)",
        &[&portal.0, &property, &all],
    )
    .await
    .map_err(db)?;
    let mut numbers: (Vec<i64>, Vec<f64>) = Default::default();
    let mut seen = BTreeSet::new();
    for row in &active {
        for (name, value) in contact_numbers(&row.contact, schema) {
            if name == property && seen.insert(row.id()) {
                numbers.0.push(row.id().0);
                numbers.1.push(value);
            }
        }
    }
    if !numbers.0.is_empty() {
        tx.execute(
            "INSERT INTO contact_numbers (portal_id, property, contact_id, value)
             SELECT $1, $2, * FROM unnest($3::int8[], $4::float8[])",
            &[&portal.0, &property, &numbers.0, &numbers.1],
        )
        .await
        .map_err(db)?;
    }
    Ok(())
}
