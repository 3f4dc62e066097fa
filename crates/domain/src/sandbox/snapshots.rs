//! Named snapshots of a portal's state, restored on demand, and clones of
//! a portal.
//!
//! A snapshot holds the rows of every table a reset empties, except the
//! feed of changes and what was sent from it (the outbox, webhook
//! deliveries and attempts, which are history, not state) and the
//! portal's faults: its contacts with their history, unique values,
//! merges and GDPR blocks, its properties and groups, its lists, folders,
//! memberships and list history. Stores copy the rows table by table into
//! a snapshot table beside each (`snapshot__<table>`), so a table added
//! later is in snapshots too.
//!
//! A restore puts the rows back as they were. Contact ids are never issued
//! twice: the id counter becomes the later of the snapshot's and the
//! current one, so ids held from before the snapshot name the same
//! contacts after the restore, and ids issued after it name none.

use super::{reset_empties, SNAPSHOT_PREFIX};
use crate::access::service::no_portal;
use crate::error::{Error, Result};
use crate::ids::PortalId;
use crate::store::Store;
use crate::time::Timestamp;
use serde_json::{json, Value};
use std::sync::Arc;

/// Tables a reset empties that snapshots leave out.
pub const NOT_IN_SNAPSHOTS: &[&str] = &[
    "outbox",
    "webhook_deliveries",
    "webhook_attempts",
    "portal_faults",
    "portal_fault_budgets",
    "request_journal",
    "imports",
    "import_errors",
    "exports",
];

/// Columns of snapshot rows that name a contact: a contact deleted for good
/// (a GDPR delete, a purge) leaves every snapshot with every row naming it,
/// so that a restore never brings a forgotten person back. (SQLite's
/// `contacts` names its contacts by `id` besides.)
pub const PERSON_COLUMNS: &[&str] = &["contact_id", "merged_id", "into_id", "canonical_id"];

/// Most snapshots one portal may keep.
pub const MAX_SNAPSHOTS: usize = 100;

/// Whether a snapshot holds `table`'s rows of the portal.
pub fn in_snapshot(table: &str) -> bool {
    reset_empties(table, false)
        && !NOT_IN_SNAPSHOTS.contains(&table)
        && !table.starts_with(SNAPSHOT_PREFIX)
}

/// The snapshot table beside `table`.
pub fn snapshot_table(table: &str) -> String {
    format!("{SNAPSHOT_PREFIX}{table}")
}

/// A snapshot, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub name: String,
    pub created_at: Timestamp,
    /// Contacts it holds, archived ones included (not those merged away).
    pub contacts: u64,
}

impl Snapshot {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "createdAt": self.created_at.to_iso(),
            "contacts": self.contacts,
        })
    }
}

/// A snapshot's name: 1 to 100 letters, digits, `.`, `_` or `-`.
pub fn check_name(name: &str) -> Result<String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(Error::invalid_field(
            "name",
            "A snapshot's name is 1 to 100 letters, digits, '.', '_' or '-'.",
        ))
    }
}

/// Snapshots and clones, as the admin API uses them.
#[derive(Clone)]
pub struct Snapshots {
    store: Arc<dyn Store>,
}

fn no_snapshot(portal: PortalId, name: &str) -> Error {
    Error::NotFound(format!("Portal {portal} has no snapshot named '{name}'."))
}

impl Snapshots {
    pub fn new(store: Arc<dyn Store>) -> Snapshots {
        Snapshots { store }
    }

    pub async fn take(&self, portal: PortalId, name: Option<&str>) -> Result<Snapshot> {
        let name = check_name(name.unwrap_or(""))?;
        self.store
            .take_snapshot(portal, &name, Timestamp::now())
            .await?
            .ok_or_else(|| no_portal(portal))
    }

    pub async fn list(&self, portal: PortalId) -> Result<Vec<Snapshot>> {
        if self.store.portal(portal).await?.is_none() {
            return Err(no_portal(portal));
        }
        self.store.snapshots(portal).await
    }

    pub async fn restore(&self, portal: PortalId, name: &str) -> Result<Snapshot> {
        if self.store.portal(portal).await?.is_none() {
            return Err(no_portal(portal));
        }
        self.store
            .restore_snapshot(portal, name)
            .await?
            .ok_or_else(|| no_snapshot(portal, name))
    }

    pub async fn delete(&self, portal: PortalId, name: &str) -> Result<()> {
        if self.store.portal(portal).await?.is_none() {
            return Err(no_portal(portal));
        }
        if self.store.delete_snapshot(portal, name).await? {
            Ok(())
        } else {
            Err(no_snapshot(portal, name))
        }
    }

    /// Gives the new portal `into` the definitions of `from` and, with
    /// `data`, its state; on failure `into` is deleted again.
    pub async fn fill_clone(&self, from: PortalId, into: PortalId, data: bool) -> Result<()> {
        let copied = self.store.copy_portal(from, into, data).await;
        if copied.is_err() {
            // Best effort: the copy's error is what the caller needs.
            let _ = self.store.delete_portal(into).await;
        }
        copied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_hold_state_not_the_feed_of_changes() {
        for table in [
            "contacts",
            "contact_changes",
            "properties",
            "list_memberships",
            "blocked_emails",
        ] {
            assert!(in_snapshot(table), "{table}");
        }
        for table in [
            "outbox",
            "webhook_deliveries",
            "access_tokens",
            "portals",
            "portal_faults",
            "snapshot__contacts",
            "portal_snapshots",
            "list_generations",
        ] {
            assert!(!in_snapshot(table), "{table}");
        }
        assert!(in_snapshot("a_table_added_later"));
        assert!(check_name("before-merge_1.2").is_ok());
        for bad in ["", "with space", "x/y", &"n".repeat(101)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
