//! The search index of each portal: built from the contacts table when the
//! store opens, and changed by every write after its commit, while the
//! writer is still held, so index changes apply in commit order and before
//! the write returns.

use crate::contacts::{contact_columns, decode, key_range, read_row, ACTIVE};
use crate::internal;
use rusqlite::{params, Connection};
use spoke_domain::contact::Contact;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::search::SearchIndex;
use spoke_domain::Result;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

/// A change a committed write makes to the index.
#[derive(Clone, Debug)]
pub(crate) enum IndexChange {
    Add(Contact),
    Replace(Contact, Contact),
    Remove(Contact),
}

type Shared = Arc<RwLock<SearchIndex>>;

#[derive(Default)]
pub(crate) struct SearchIndexes {
    portals: RwLock<HashMap<PortalId, Shared>>,
}

impl SearchIndexes {
    pub fn get(&self, portal: PortalId) -> Option<Shared> {
        self.portals
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&portal)
            .cloned()
    }

    /// Replaces a portal's index with one built from the database.
    pub fn rebuild(
        &self,
        conn: &Connection,
        portal: PortalId,
        schema: &PropertySchema,
    ) -> Result<()> {
        let index = build(conn, portal, schema)?;
        self.portals
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(portal, Arc::new(RwLock::new(index)));
        Ok(())
    }

    pub fn apply(&self, portal: PortalId, schema: &PropertySchema, changes: &[IndexChange]) {
        if changes.is_empty() {
            return;
        }
        let Some(index) = self.get(portal) else {
            return;
        };
        let mut index = index.write().unwrap_or_else(PoisonError::into_inner);
        for change in changes {
            match change {
                IndexChange::Add(c) => index.add(c, schema),
                IndexChange::Replace(old, new) => index.replace(old, new, schema),
                IndexChange::Remove(c) => index.remove(c, schema),
            }
        }
    }

    pub fn drop_property(&self, portal: PortalId, name: &str) {
        if let Some(index) = self.get(portal) {
            index
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .drop_property(name);
        }
    }
}

/// Indexes every active contact of a portal.
fn build(conn: &Connection, portal: PortalId, schema: &PropertySchema) -> Result<SearchIndex> {
    const SQL: &str = concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts WHERE key BETWEEN ?1 AND ?2 AND state = ?3"
    );
    let (first, last) = key_range(portal, ContactId(1));
    let mut stmt = conn.prepare(SQL).map_err(internal)?;
    let rows = stmt
        .query_map(params![first, last, ACTIVE], read_row)
        .map_err(internal)?;
    let mut index = SearchIndex::new();
    for raw in rows {
        let row = decode(raw.map_err(internal)?)?;
        index.add(&row.contact, schema);
    }
    Ok(index)
}
