//! A portal's faults in PostgreSQL: the rules as given and each rule's
//! budget, taken atomically by whichever node serves a request. Every node
//! caches the rules and drops its copy on the notice a change sends.

use crate::db::{client, db};
use crate::invalidation::{notify, Notice};
use crate::portals::lock_portal;
use crate::PostgresStore;
use async_trait::async_trait;
use spoke_domain::ids::PortalId;
use spoke_domain::sandbox::faults::PortalFaults;
use spoke_domain::store::FaultStore;
use spoke_domain::{Error, Result};
use std::sync::Arc;

#[async_trait]
impl FaultStore for PostgresStore {
    async fn faults(&self, portal: PortalId) -> Result<Arc<PortalFaults>> {
        if let Some(faults) = self.caches().faults(portal) {
            return Ok(faults);
        }
        let client = client(self.pool()).await?;
        let stored = client
            .query_opt(
                "SELECT faults FROM portal_faults WHERE portal_id = $1",
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        let faults = Arc::new(match stored {
            Some(row) => {
                let text: String = row.get(0);
                PortalFaults::parse(&serde_json::from_str(&text).map_err(Error::internal)?)?
            }
            None => PortalFaults::default(),
        });
        self.caches().keep_faults(portal, Arc::clone(&faults));
        Ok(faults)
    }

    async fn set_faults(&self, portal: PortalId, faults: Option<PortalFaults>) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        if !lock_portal(&tx, portal).await? {
            return Ok(false);
        }
        for table in ["portal_faults", "portal_fault_budgets"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE portal_id = $1"),
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        }
        if let Some(faults) = faults.filter(|f| !f.is_empty()) {
            tx.execute(
                "INSERT INTO portal_faults (portal_id, faults) VALUES ($1, $2)",
                &[&portal.0, &faults.to_stored().to_string()],
            )
            .await
            .map_err(db)?;
            let (rules, counts): (Vec<i64>, Vec<i64>) = faults
                .rules
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.count.map(|c| (i as i64, c as i64)))
                .unzip();
            tx.execute(
                "INSERT INTO portal_fault_budgets (portal_id, rule, remaining)
                 SELECT $1, t.rule, t.remaining
                 FROM unnest($2::bigint[], $3::bigint[]) AS t(rule, remaining)",
                &[&portal.0, &rules, &counts],
            )
            .await
            .map_err(db)?;
        }
        notify(&tx, self.channel(), &Notice::Faults(portal))
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.caches().forget(&Notice::Faults(portal));
        Ok(true)
    }

    async fn fault_budgets(&self, portal: PortalId) -> Result<Vec<Option<u64>>> {
        let rules = self.faults(portal).await?.rules.len();
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT rule, remaining FROM portal_fault_budgets WHERE portal_id = $1",
                &[&portal.0],
            )
            .await
            .map_err(db)?;
        let mut out = vec![None; rules];
        for row in rows {
            let (rule, remaining): (i64, i64) = (row.get(0), row.get(1));
            if let Some(slot) = out.get_mut(rule as usize) {
                *slot = Some(remaining.max(0) as u64);
            }
        }
        Ok(out)
    }

    async fn take_fault(&self, portal: PortalId, rule: usize) -> Result<bool> {
        let client = client(self.pool()).await?;
        let taken = client
            .execute(
                "UPDATE portal_fault_budgets SET remaining = remaining - 1
                 WHERE portal_id = $1 AND rule = $2 AND remaining > 0",
                &[&portal.0, &(rule as i64)],
            )
            .await
            .map_err(db)?;
        Ok(taken > 0)
    }
}
