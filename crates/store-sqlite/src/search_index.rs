//! The in-memory search index of each portal.
//!
//! Built in the background when the store opens, so that the server
//! listens at once: searches (and the recent listings) wait until their
//! portal's index is ready; writes committed meanwhile are queued and
//! applied, in commit order, before it is. After that, every committed
//! write changes the index while the writer is still held, so index
//! changes apply in commit order and before the write returns.

use crate::contacts::{contact_columns, decode, key_range, read_row};
use crate::internal;
use rusqlite::{params, Connection};
use spoke_domain::contact::plan::RowChange;
use spoke_domain::contact::ContactState;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::PropertySchema;
use spoke_domain::search::SearchIndex;
use spoke_domain::{Error, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use tokio::sync::watch;

pub(crate) type Shared = Arc<RwLock<SearchIndex>>;

/// What changes an index: a committed write's rows, or an archived
/// property's entries dropped.
#[derive(Clone, Debug)]
enum Pending {
    Rows(Arc<PropertySchema>, Vec<RowChange>),
    DropProperty(String),
}

enum Slot {
    /// Being built from a snapshot; what commits meanwhile waits here.
    Building {
        pending: Vec<Pending>,
    },
    Ready(Shared),
}

#[derive(Default)]
pub(crate) struct SearchIndexes {
    slots: Mutex<HashMap<PortalId, Slot>>,
    /// Bumped whenever a portal's index becomes ready.
    readiness: Readiness,
}

struct Readiness(watch::Sender<u64>);

impl Default for Readiness {
    fn default() -> Self {
        Readiness(watch::channel(0).0)
    }
}

impl SearchIndexes {
    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<PortalId, Slot>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The portal's index, once built.
    pub async fn ready(&self, portal: PortalId) -> Result<Shared> {
        let mut changed = self.readiness.0.subscribe();
        loop {
            match self.slots().get(&portal) {
                Some(Slot::Ready(index)) => return Ok(Arc::clone(index)),
                Some(Slot::Building { .. }) => {}
                None => {
                    return Err(Error::NotFound(format!(
                        "portal {portal} has no search index"
                    )))
                }
            }
            changed.changed().await.map_err(internal)?;
        }
    }

    /// Marks portals as being built: writes from now on are queued for
    /// them.
    pub fn start_building(&self, portals: &[PortalId]) {
        let mut slots = self.slots();
        for portal in portals {
            slots.insert(
                *portal,
                Slot::Building {
                    pending: Vec::new(),
                },
            );
        }
    }

    /// Installs a built index, after applying what committed while it was
    /// built; dropped when the portal got an index another way meanwhile
    /// (a rebuild on the writer).
    pub fn finish_building(&self, portal: PortalId, mut index: SearchIndex) {
        let mut slots = self.slots();
        let Some(Slot::Building { pending }) = slots.get_mut(&portal) else {
            return;
        };
        for change in pending.drain(..) {
            apply(&mut index, &change);
        }
        slots.insert(portal, Slot::Ready(Arc::new(RwLock::new(index))));
        drop(slots);
        self.readiness.0.send_modify(|n| *n += 1);
    }

    /// Replaces a portal's index with one built from the database now (on
    /// the writer, so nothing commits meanwhile).
    pub fn rebuild(
        &self,
        conn: &Connection,
        portal: PortalId,
        schema: &PropertySchema,
    ) -> Result<()> {
        let index = build(conn, portal, schema)?;
        self.slots()
            .insert(portal, Slot::Ready(Arc::new(RwLock::new(index))));
        self.readiness.0.send_modify(|n| *n += 1);
        Ok(())
    }

    /// Gives a portal without an index an empty one (a new portal).
    pub fn add_empty(&self, portal: PortalId) {
        let mut slots = self.slots();
        if let std::collections::hash_map::Entry::Vacant(slot) = slots.entry(portal) {
            slot.insert(Slot::Ready(Arc::new(RwLock::new(SearchIndex::new()))));
            drop(slots);
            self.readiness.0.send_modify(|n| *n += 1);
        }
    }

    /// Forgets a deleted portal's index.
    pub fn remove(&self, portal: PortalId) {
        self.slots().remove(&portal);
    }

    /// Applies a committed write (called in commit order, under the writer).
    pub fn apply_rows(&self, portal: PortalId, schema: &Arc<PropertySchema>, rows: Vec<RowChange>) {
        if !rows.is_empty() {
            self.change(portal, Pending::Rows(Arc::clone(schema), rows));
        }
    }

    /// Forgets an archived property's entries.
    pub fn drop_property(&self, portal: PortalId, name: &str) {
        self.change(portal, Pending::DropProperty(name.to_string()));
    }

    fn change(&self, portal: PortalId, change: Pending) {
        let mut slots = self.slots();
        match slots.get_mut(&portal) {
            Some(Slot::Building { pending }) => pending.push(change),
            Some(Slot::Ready(index)) => {
                let index = Arc::clone(index);
                drop(slots);
                let mut index = index.write().unwrap_or_else(PoisonError::into_inner);
                apply(&mut index, &change);
            }
            None => {}
        }
    }
}

fn apply(index: &mut SearchIndex, change: &Pending) {
    match change {
        Pending::Rows(schema, rows) => index.apply_rows(rows, schema),
        Pending::DropProperty(name) => index.drop_property(name),
    }
}

/// Indexes every active contact of a portal, as `conn` sees the database.
pub(crate) fn build(
    conn: &Connection,
    portal: PortalId,
    schema: &PropertySchema,
) -> Result<SearchIndex> {
    const SQL: &str = concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contacts WHERE key BETWEEN ?1 AND ?2 AND state = ?3"
    );
    let (first, last) = key_range(portal, ContactId(1));
    let mut stmt = conn.prepare(SQL).map_err(internal)?;
    let rows = stmt
        .query_map(params![first, last, ContactState::Active.code()], read_row)
        .map_err(internal)?;
    let mut index = SearchIndex::new();
    for raw in rows {
        let row = decode(raw.map_err(internal)?)?;
        index.add(&row.contact, schema);
    }
    Ok(index)
}
