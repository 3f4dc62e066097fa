//! A portal's faults in SQLite: the rules as given, each rule's budget,
//! and this process's copy of the rules (one node per database), dropped
//! when they change.

use crate::credentials::portal_exists;
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use spoke_domain::ids::PortalId;
use spoke_domain::sandbox::faults::PortalFaults;
use spoke_domain::store::FaultStore;
use spoke_domain::Result;
use std::sync::{Arc, PoisonError};

impl SqliteStore {
    pub(crate) fn forget_faults(&self, portal: PortalId) {
        self.inner
            .faults
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&portal);
    }
}

#[async_trait]
impl FaultStore for SqliteStore {
    async fn faults(&self, portal: PortalId) -> Result<Arc<PortalFaults>> {
        if let Some(faults) = self
            .inner
            .faults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&portal)
        {
            return Ok(Arc::clone(faults));
        }
        let stored: Option<String> = self.connections().read(|conn| {
            conn.prepare_cached("SELECT faults FROM portal_faults WHERE portal_id = ?1")
                .and_then(|mut stmt| stmt.query_row([portal.0], |r| r.get(0)).optional())
                .map_err(internal)
        })?;
        let faults = Arc::new(match stored {
            Some(text) => PortalFaults::parse(&serde_json::from_str(&text).map_err(internal)?)?,
            None => PortalFaults::default(),
        });
        self.inner
            .faults
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(portal, Arc::clone(&faults));
        Ok(faults)
    }

    async fn set_faults(&self, portal: PortalId, faults: Option<PortalFaults>) -> Result<bool> {
        let store = self.clone();
        self.connections()
            .write_then(
                move |tx| {
                    if !portal_exists(tx, portal)? {
                        return Ok(false);
                    }
                    for table in ["portal_faults", "portal_fault_budgets"] {
                        tx.execute(
                            &format!("DELETE FROM {table} WHERE portal_id = ?1"),
                            [portal.0],
                        )
                        .map_err(internal)?;
                    }
                    if let Some(faults) = faults.filter(|f| !f.is_empty()) {
                        tx.execute(
                            "INSERT INTO portal_faults (portal_id, faults) VALUES (?1, ?2)",
                            params![portal.0, faults.to_stored().to_string()],
                        )
                        .map_err(internal)?;
                        for (rule, count) in faults.rules.iter().enumerate() {
                            if let Some(count) = count.count {
                                tx.execute(
                                    "INSERT INTO portal_fault_budgets (portal_id, rule, remaining)
                                     VALUES (?1, ?2, ?3)",
                                    params![portal.0, rule as i64, count as i64],
                                )
                                .map_err(internal)?;
                            }
                        }
                    }
                    Ok(true)
                },
                move |_, _| {
                    store.forget_faults(portal);
                    Ok(())
                },
            )
            .await
    }

    async fn fault_budgets(&self, portal: PortalId) -> Result<Vec<Option<u64>>> {
        let rules = self.faults(portal).await?.rules.len();
        let left: Vec<(i64, i64)> = self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT rule, remaining FROM portal_fault_budgets WHERE portal_id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_map([portal.0], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(internal)
        })?;
        let mut out = vec![None; rules];
        for (rule, remaining) in left {
            if let Some(slot) = out.get_mut(rule as usize) {
                *slot = Some(remaining.max(0) as u64);
            }
        }
        Ok(out)
    }

    async fn take_fault(&self, portal: PortalId, rule: usize) -> Result<bool> {
        self.connections()
            .write(move |tx| {
                tx.prepare_cached(
                    "UPDATE portal_fault_budgets SET remaining = remaining - 1
                     WHERE portal_id = ?1 AND rule = ?2 AND remaining > 0",
                )
                .and_then(|mut stmt| stmt.execute(params![portal.0, rule as i64]))
                .map(|changed| changed > 0)
                .map_err(internal)
            })
            .await
    }
}
