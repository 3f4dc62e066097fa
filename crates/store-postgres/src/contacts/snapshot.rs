//! Reading what a planner asks for, inside the write's transaction. The
//! contact rows are locked (`FOR UPDATE`): a concurrent writer of the same
//! contact waits for this transaction, whichever node it runs on.

use super::{decode, COLUMNS};
use crate::db::db;
use deadpool_postgres::Transaction;
use spoke_domain::contact::plan::{Holder, Snapshot, Wanted};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::Result;

pub(crate) async fn read(
    tx: &Transaction<'_>,
    portal: PortalId,
    wanted: &Wanted,
) -> Result<Snapshot> {
    let mut snapshot = Snapshot::default();
    let ids: Vec<i64> = wanted.contacts.iter().map(|id| id.0).collect();
    let (properties, values): (Vec<&str>, Vec<&str>) = wanted
        .holders
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .unzip();
    let merged: Vec<i64> = wanted.merged_into.iter().map(|id| id.0).collect();
    let contacts = async {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = tx
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM contacts c
                 WHERE c.portal_id = $1 AND c.contact_id = ANY($2) ORDER BY c.contact_id FOR UPDATE"
            ))
            .await?;
        tx.query(&stmt, &[&portal.0, &ids]).await
    };
    let holders = async {
        if properties.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = tx
            .prepare_cached(
                "SELECT u.property, u.value, u.contact_id FROM unique_values u
                 JOIN unnest($2::text[], $3::text[]) AS w(property, value)
                   ON u.property = w.property AND u.value = w.value
                 WHERE u.portal_id = $1",
            )
            .await?;
        tx.query(&stmt, &[&portal.0, &properties, &values]).await
    };
    let merged_into = async {
        if merged.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = tx
            .prepare_cached(
                "SELECT merged_into, contact_id FROM contacts
                 WHERE portal_id = $1 AND merged_into = ANY($2) ORDER BY contact_id",
            )
            .await?;
        tx.query(&stmt, &[&portal.0, &merged]).await
    };
    let (contacts, holders, merged_rows) =
        tokio::try_join!(contacts, holders, merged_into).map_err(db)?;
    for id in &wanted.contacts {
        snapshot.contacts.insert(*id, None);
    }
    for row in &contacts {
        let stored = decode(row)?;
        snapshot.contacts.insert(stored.id(), Some(stored));
    }
    for key in &wanted.holders {
        snapshot.holders.insert(key.clone(), None);
    }
    for row in &holders {
        let key = (row.get::<_, String>(0), row.get::<_, String>(1));
        if wanted.holders.contains(&key) {
            snapshot
                .holders
                .insert(key, Some(Holder::from_code(row.get(2))));
        }
    }
    for id in &wanted.merged_into {
        snapshot.merged_into.insert(*id, Vec::new());
    }
    for row in &merged_rows {
        let into = ContactId(row.get(0));
        snapshot
            .merged_into
            .entry(into)
            .or_default()
            .push(ContactId(row.get(1)));
    }
    for property in &wanted.archived_with {
        snapshot
            .archived_with
            .insert(property.clone(), archived_with(tx, portal, property).await?);
    }
    Ok(snapshot)
}

/// Archived contacts with a value of `property` (archived contacts hold
/// no identities, so they are found by their values; rare).
pub(crate) async fn archived_with(
    client: &impl deadpool_postgres::GenericClient,
    portal: PortalId,
    property: &str,
) -> Result<Vec<spoke_domain::contact::StoredContact>> {
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM contacts c
                 WHERE c.portal_id = $1 AND c.state = 1 AND c.properties ? $2"
            ),
            &[&portal.0, &property],
        )
        .await
        .map_err(db)?;
    rows.iter().map(decode).collect()
}
