//! Webhooks: settings, subscriptions, the dispatch of the outbox into the
//! queue, and deliveries with their attempts. One node dispatches at a time
//! (a transaction advisory lock), and claims take turns the same way, so
//! several nodes share the delivery work without sending a batch twice.

use crate::contacts::parse_kind;
use crate::db::{client, db};
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use spoke_domain::contact::plan::MergeDetails;
use spoke_domain::ids::{AppId, ContactId, PortalId};
use spoke_domain::store::OutboxEvent;
use spoke_domain::time::Timestamp;
use spoke_domain::webhooks::store::{
    new_claim, Attempt, AttemptOutcome, ClaimedDelivery, Delivery, DeliveryFilter, DeliveryStatus,
    Plan,
};
use spoke_domain::webhooks::{
    EventType, NewSubscription, Route, Settings, Subscription, WebhookStore,
};
use spoke_domain::Result;
use std::collections::{BTreeMap, BTreeSet};
use tokio_postgres::types::{Json, ToSql};
use tokio_postgres::Row;

const SUBSCRIPTION_COLUMNS: &str =
    "s.id, s.app_id, s.event_type, s.property_name, s.active, s.created_at, s.updated_at";
const DELIVERY_COLUMNS: &str =
    "id, app_id, portal_id, url, status, events, next_attempt_at, replay_of, created_at, updated_at";
const ATTEMPT_COLUMNS: &str =
    "id, delivery_id, number, at, status_code, latency_ms, response_excerpt, error, delivered";
const OPEN: &str = "('PENDING', 'SENDING', 'RETRYING')";
/// Whether anything is due or queued (`$1`: now).
const WORK_EXISTS: &str = "EXISTS (SELECT 1 FROM webhook_deliveries
      WHERE status IN ('PENDING', 'SENDING', 'RETRYING') AND next_attempt_at <= $1)
    OR EXISTS (SELECT 1 FROM webhook_deliveries
      WHERE status = 'PENDING' AND next_attempt_at IS NULL)";
const DISPATCH_LOCK: &str =
    "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':spoke-webhook-dispatch'))";
const CLAIM_LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':spoke-webhook-claim'))";

#[async_trait]
impl WebhookStore for PostgresStore {
    async fn webhook_backlog(&self) -> Result<spoke_domain::webhooks::store::WebhookBacklog> {
        let client = client(self.pool()).await?;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM webhook_deliveries
                          WHERE status IN ('PENDING', 'SENDING', 'RETRYING')),
                        (SELECT min(created_at) FROM webhook_deliveries
                          WHERE status IN ('PENDING', 'SENDING', 'RETRYING')),
                        (SELECT count(*) FROM outbox WHERE NOT dispatched)",
                &[],
            )
            .await
            .map_err(db)?;
        Ok(spoke_domain::webhooks::store::WebhookBacklog {
            deliveries: row.get::<_, i64>(0).max(0) as u64,
            oldest: row.get::<_, Option<i64>>(1).map(Timestamp::from_stored),
            undispatched_events: row.get::<_, i64>(2).max(0) as u64,
        })
    }

    async fn webhook_settings(&self, app: AppId) -> Result<Option<Settings>> {
        let client = client(self.pool()).await?;
        read_settings(&client, app).await
    }

    async fn put_webhook_settings(
        &self,
        app: AppId,
        target_url: &str,
        max_concurrent_requests: u32,
        period: Option<&str>,
        at: Timestamp,
    ) -> Result<Settings> {
        let client = client(self.pool()).await?;
        client
            .execute(
                "INSERT INTO webhook_settings
                   (app_id, target_url, max_concurrent, period, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (app_id) DO UPDATE SET target_url = excluded.target_url,
                   max_concurrent = excluded.max_concurrent, period = excluded.period,
                   updated_at = excluded.updated_at",
                &[
                    &app.0,
                    &target_url,
                    &(max_concurrent_requests as i32),
                    &period,
                    &at.millis(),
                ],
            )
            .await
            .map_err(db)?;
        read_settings(&client, app)
            .await?
            .ok_or_else(|| spoke_domain::Error::internal("settings vanished"))
    }

    async fn delete_webhook_settings(&self, app: AppId) -> Result<bool> {
        let client = client(self.pool()).await?;
        let n = client
            .execute("DELETE FROM webhook_settings WHERE app_id = $1", &[&app.0])
            .await
            .map_err(db)?;
        Ok(n > 0)
    }

    async fn subscriptions(&self, app: AppId) -> Result<Vec<Subscription>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s
                     WHERE s.app_id = $1 ORDER BY s.id"
                ),
                &[&app.0],
            )
            .await
            .map_err(db)?;
        Ok(rows.iter().map(|r| subscription_row(r, 0)).collect())
    }

    async fn create_subscription(
        &self,
        app: AppId,
        new: NewSubscription,
        limit: usize,
        at: Timestamp,
    ) -> Result<Option<Subscription>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        // Two creates at once count one after the other.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('spoke-webhook-subscriptions'), $1::int4)",
            &[&(app.0 as i32)],
        )
        .await
        .map_err(db)?;
        let count: i64 = tx
            .query_one(
                "SELECT count(*) FROM webhook_subscriptions WHERE app_id = $1",
                &[&app.0],
            )
            .await
            .map_err(db)?
            .get(0);
        if count as usize >= limit {
            return Ok(None);
        }
        let row = tx
            .query_one(
                &format!(
                    "INSERT INTO webhook_subscriptions AS s
                       (app_id, event_type, property_name, active, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING {SUBSCRIPTION_COLUMNS}"
                ),
                &[
                    &app.0,
                    &new.event_type.as_str(),
                    &new.property_name,
                    &new.active,
                    &at.millis(),
                ],
            )
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Some(subscription_row(&row, 0)))
    }

    async fn set_subscriptions_active(
        &self,
        app: AppId,
        changes: &[(i64, bool)],
        at: Timestamp,
    ) -> Result<Vec<Option<Subscription>>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let mut out = Vec::with_capacity(changes.len());
        for (id, active) in changes {
            let row = tx
                .query_opt(
                    &format!(
                        "UPDATE webhook_subscriptions AS s SET active = $3,
                           updated_at = CASE WHEN s.active = $3 THEN s.updated_at ELSE $4 END
                         WHERE s.app_id = $1 AND s.id = $2 RETURNING {SUBSCRIPTION_COLUMNS}"
                    ),
                    &[&app.0, id, active, &at.millis()],
                )
                .await
                .map_err(db)?;
            out.push(row.map(|r| subscription_row(&r, 0)));
        }
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn delete_subscription(&self, app: AppId, id: i64) -> Result<bool> {
        let client = client(self.pool()).await?;
        let n = client
            .execute(
                "DELETE FROM webhook_subscriptions WHERE app_id = $1 AND id = $2",
                &[&app.0, &id],
            )
            .await
            .map_err(db)?;
        Ok(n > 0)
    }

    async fn dispatch_outbox(&self, limit: usize, plan: Plan) -> Result<usize> {
        let mut client = client(self.pool()).await?;
        let pending = client
            .query_opt("SELECT 1 FROM outbox WHERE NOT dispatched LIMIT 1", &[])
            .await
            .map_err(db)?;
        if pending.is_none() {
            return Ok(0);
        }
        let tx = client.transaction().await.map_err(db)?;
        let locked: bool = tx.query_one(DISPATCH_LOCK, &[]).await.map_err(db)?.get(0);
        if !locked {
            return Ok(0);
        }
        let rows = tx
            .query(
                "SELECT o.event_id, o.portal_id, o.object_id, o.kind, o.occurred_at,
                        coalesce(c.changed_values, '{}'::jsonb), coalesce(c.source_type, 'API'),
                        o.payload
                 FROM outbox o
                 LEFT JOIN contact_changes c
                   ON c.portal_id = o.portal_id AND c.change_id = o.change_id
                 WHERE NOT o.dispatched ORDER BY o.event_id LIMIT $1",
                &[&(limit as i64)],
            )
            .await
            .map_err(db)?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let Json(values): Json<BTreeMap<String, String>> = row.try_get(5).map_err(db)?;
            let Json(payload): Json<serde_json::Value> = row.try_get(7).map_err(db)?;
            events.push(OutboxEvent {
                id: row.get(0),
                portal: PortalId(row.get(1)),
                contact: ContactId(row.get(2)),
                kind: parse_kind(row.get(3))?,
                occurred_at: Timestamp::from_stored(row.get(4)),
                values,
                source: row.get(6),
                merge: MergeDetails::from_payload_json(&payload.to_string()),
            });
        }
        if events.is_empty() {
            return Ok(0);
        }
        let portals: BTreeSet<PortalId> = events.iter().map(|e| e.portal).collect();
        let mut routes = Vec::new();
        for portal in portals {
            routes.extend(routes_of(&tx, portal).await?);
        }
        if !routes.is_empty() {
            let (mut apps, mut portals, mut lanes, mut urls, mut bodies) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for batch in plan(&events, &routes) {
                apps.push(batch.app.0);
                portals.push(batch.portal.0);
                lanes.push(batch.lane);
                urls.push(batch.url);
                bodies.push(
                    serde_json::to_string(&batch.events).map_err(spoke_domain::Error::internal)?,
                );
            }
            tx.execute(
                "INSERT INTO webhook_deliveries
                   (app_id, portal_id, lane, url, events, status, created_at, updated_at)
                 SELECT a, p, l, u, e, 'PENDING', $6, $6
                 FROM unnest($1::int8[], $2::int8[], $3::int4[], $4::text[], $5::text[])
                      WITH ORDINALITY AS t(a, p, l, u, e, n)
                 ORDER BY n",
                &[
                    &apps,
                    &portals,
                    &lanes,
                    &urls,
                    &bodies,
                    &Timestamp::now().millis(),
                ],
            )
            .await
            .map_err(db)?;
        }
        let taken_portals: Vec<i64> = events.iter().map(|e| e.portal.0).collect();
        let taken_ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        tx.execute(
            "UPDATE outbox SET dispatched = true
             FROM unnest($1::int8[], $2::int8[]) AS t(portal_id, event_id)
             WHERE outbox.portal_id = t.portal_id AND outbox.event_id = t.event_id",
            &[&taken_portals, &taken_ids],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(events.len())
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<ClaimedDelivery>> {
        let mut client = client(self.pool()).await?;
        // Idle is the common case: one read answers it, without a
        // transaction or a lock.
        let work: bool = client
            .query_one(&format!("SELECT {WORK_EXISTS}"), &[&now.millis()])
            .await
            .map_err(db)?
            .get(0);
        if !work {
            return Ok(Vec::new());
        }
        let tx = client.transaction().await.map_err(db)?;
        tx.execute(CLAIM_LOCK, &[]).await.map_err(db)?;
        let claim_id = new_claim();
        let mut claimed = Vec::new();
        let due = tx
            .query(
                &format!(
                    "UPDATE webhook_deliveries
                     SET status = 'SENDING', claim = $3, lease_until = $4, next_attempt_at = $4
                     WHERE id IN (SELECT id FROM webhook_deliveries
                                  WHERE status IN {OPEN} AND next_attempt_at <= $1
                                  ORDER BY next_attempt_at LIMIT $2)
                     RETURNING id, app_id, portal_id, url, events, attempts"
                ),
                &[
                    &now.millis(),
                    &(limit as i64),
                    &claim_id,
                    &lease_until.millis(),
                ],
            )
            .await
            .map_err(db)?;
        for row in due {
            let app = AppId(row.get(1));
            let events: String = row.get(4);
            claimed.push(ClaimedDelivery {
                id: row.get(0),
                app,
                portal: PortalId(row.get(2)),
                url: row.get(3),
                secret: secret_of(&tx, app).await?,
                events: serde_json::from_str(&events).map_err(spoke_domain::Error::internal)?,
                attempt: row.get::<_, i32>(5) as u32,
                claim: claim_id,
            });
        }
        // The oldest waiting delivery of every idle lane.
        if claimed.len() < limit {
            let waiting = tx
                .query(
                    "SELECT d.app_id, min(d.id) FROM webhook_deliveries d
                     WHERE d.status = 'PENDING' AND d.next_attempt_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries b
                         WHERE b.app_id = d.app_id AND b.portal_id = d.portal_id
                           AND b.lane = d.lane AND b.status IN ('SENDING', 'RETRYING'))
                     GROUP BY d.app_id, d.portal_id, d.lane
                     ORDER BY min(d.id) LIMIT $1",
                    &[&((limit - claimed.len()) as i64)],
                )
                .await
                .map_err(db)?;
            for row in waiting {
                let (app, id): (i64, i64) = (row.get(0), row.get(1));
                let Some(settings) = read_settings(&tx, AppId(app)).await? else {
                    // The app's settings are gone: nowhere to send.
                    tx.execute(
                        "UPDATE webhook_deliveries SET status = 'FAILED', updated_at = $2
                         WHERE id = $1",
                        &[&id, &now.millis()],
                    )
                    .await
                    .map_err(db)?;
                    continue;
                };
                let row = tx
                    .query_one(
                        "UPDATE webhook_deliveries
                         SET status = 'SENDING', url = $2, claim = $3, lease_until = $4,
                             next_attempt_at = $4
                         WHERE id = $1 RETURNING portal_id, events, attempts",
                        &[&id, &settings.target_url, &claim_id, &lease_until.millis()],
                    )
                    .await
                    .map_err(db)?;
                let events: String = row.get(1);
                claimed.push(ClaimedDelivery {
                    id,
                    app: AppId(app),
                    portal: PortalId(row.get(0)),
                    url: settings.target_url,
                    secret: secret_of(&tx, AppId(app)).await?,
                    events: serde_json::from_str(&events).map_err(spoke_domain::Error::internal)?,
                    attempt: row.get::<_, i32>(2) as u32,
                    claim: claim_id,
                });
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(claimed)
    }

    async fn finish_attempt(
        &self,
        delivery: i64,
        claim: i64,
        attempt: u32,
        outcome: AttemptOutcome,
    ) -> Result<bool> {
        let status = if outcome.delivered {
            DeliveryStatus::Delivered
        } else if outcome.next_attempt_at.is_some() {
            DeliveryStatus::Retrying
        } else {
            DeliveryStatus::Failed
        };
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let portal = tx
            .query_opt(
                "UPDATE webhook_deliveries
                 SET status = $3, attempts = attempts + 1, next_attempt_at = $4,
                     claim = NULL, lease_until = NULL, updated_at = $5
                 WHERE id = $1 AND claim = $2 AND status = 'SENDING'
                 RETURNING portal_id",
                &[
                    &delivery,
                    &claim,
                    &status.as_str(),
                    &outcome.next_attempt_at.map(Timestamp::millis),
                    &outcome.at.millis(),
                ],
            )
            .await
            .map_err(db)?;
        let Some(portal) = portal else {
            return Ok(false);
        };
        let portal: i64 = portal.get(0);
        tx.execute(
            "INSERT INTO webhook_attempts (delivery_id, portal_id, number, at, status_code,
               latency_ms, response_excerpt, error, delivered)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &delivery,
                &portal,
                &(attempt as i32),
                &outcome.at.millis(),
                &outcome.status_code.map(i32::from),
                &outcome.latency_ms,
                &outcome.response_excerpt,
                &outcome.error,
                &outcome.delivered,
            ],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn webhook_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>> {
        let client = client(self.pool()).await?;
        let mut conditions = vec!["true".to_string()];
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let mut add = |condition: &str, value: Box<dyn ToSql + Sync + Send>| {
            values.push(value);
            conditions.push(format!("{condition} ${}", values.len()));
        };
        if let Some(portal) = filter.portal {
            add("portal_id =", Box::new(portal.0));
        }
        if let Some(app) = filter.app {
            add("app_id =", Box::new(app.0));
        }
        if let Some(status) = filter.status {
            add("status =", Box::new(status.as_str()));
        }
        if let Some(since) = filter.since {
            add("created_at >=", Box::new(since.millis()));
        }
        if let Some(until) = filter.until {
            add("created_at <", Box::new(until.millis()));
        }
        if let Some(before) = filter.before {
            add("id <", Box::new(before));
        }
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE {}
             ORDER BY id DESC LIMIT {}",
            conditions.join(" AND "),
            filter.limit
        );
        let params: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let rows = client.query(&sql, &params).await.map_err(db)?;
        let mut deliveries = Vec::with_capacity(rows.len());
        for row in rows {
            deliveries.push(finish_delivery(&client, &row).await?);
        }
        Ok(deliveries)
    }

    async fn webhook_delivery(&self, id: i64) -> Result<Option<Delivery>> {
        let client = client(self.pool()).await?;
        read_delivery(&client, id).await
    }

    async fn replay_delivery(&self, id: i64, at: Timestamp) -> Result<Option<Delivery>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let Some(original) = read_delivery(&tx, id).await? else {
            return Ok(None);
        };
        let url = read_settings(&tx, original.app)
            .await?
            .map(|s| s.target_url)
            .unwrap_or(original.url);
        let events =
            serde_json::to_string(&original.events).map_err(spoke_domain::Error::internal)?;
        let new_id: i64 = tx
            .query_one(
                "INSERT INTO webhook_deliveries (app_id, portal_id, lane, url, events, status,
                   next_attempt_at, replay_of, created_at, updated_at)
                 VALUES ($1, $2, NULL, $3, $4, 'PENDING', $5, $6, $5, $5) RETURNING id",
                &[
                    &original.app.0,
                    &original.portal.0,
                    &url,
                    &events,
                    &at.millis(),
                    &id,
                ],
            )
            .await
            .map_err(db)?
            .get(0);
        let replay = read_delivery(&tx, new_id).await?;
        tx.commit().await.map_err(db)?;
        Ok(replay)
    }

    async fn webhook_attempts_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(Attempt, AppId, PortalId, String)>> {
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT a.id, a.delivery_id, a.number, a.at, a.status_code, a.latency_ms,
                        a.response_excerpt, a.error, a.delivered, d.app_id, d.portal_id, d.url
                 FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                 WHERE a.id > $1 ORDER BY a.id LIMIT $2",
                &[&after, &(limit as i64)],
            )
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    attempt_row(r),
                    AppId(r.get(9)),
                    PortalId(r.get(10)),
                    r.get::<_, String>(11),
                )
            })
            .collect())
    }

    async fn prune_webhooks(&self, before: Timestamp) -> Result<u64> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db)?;
        let cutoff = before.millis();
        let mut removed = tx
            .execute(
                "DELETE FROM webhook_attempts WHERE delivery_id IN (
                   SELECT id FROM webhook_deliveries
                   WHERE status IN ('DELIVERED', 'FAILED') AND updated_at < $1)",
                &[&cutoff],
            )
            .await
            .map_err(db)?;
        removed += tx
            .execute(
                "DELETE FROM webhook_deliveries
                 WHERE status IN ('DELIVERED', 'FAILED') AND updated_at < $1",
                &[&cutoff],
            )
            .await
            .map_err(db)?;
        removed += tx
            .execute(
                "DELETE FROM outbox WHERE dispatched AND occurred_at < $1",
                &[&cutoff],
            )
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(removed)
    }
}

async fn read_settings(client: &impl GenericClient, app: AppId) -> Result<Option<Settings>> {
    let row = client
        .query_opt(
            "SELECT target_url, max_concurrent, period, created_at, updated_at
             FROM webhook_settings WHERE app_id = $1",
            &[&app.0],
        )
        .await
        .map_err(db)?;
    Ok(row.map(|r| Settings {
        app,
        target_url: r.get(0),
        max_concurrent_requests: r.get::<_, i32>(1) as u32,
        period: r.get(2),
        created_at: Timestamp::from_stored(r.get(3)),
        updated_at: Timestamp::from_stored(r.get(4)),
    }))
}

fn subscription_row(r: &Row, at: usize) -> Subscription {
    let kind: &str = r.get(at + 2);
    Subscription {
        id: r.get(at),
        app: AppId(r.get(at + 1)),
        event_type: EventType::parse(kind).unwrap_or(EventType::AssociationChange),
        property_name: r.get(at + 3),
        active: r.get(at + 4),
        created_at: Timestamp::from_stored(r.get(at + 5)),
        updated_at: Timestamp::from_stored(r.get(at + 6)),
    }
}

/// The apps installed in a portal with settings and active subscriptions.
async fn routes_of(client: &impl GenericClient, portal: PortalId) -> Result<Vec<Route>> {
    let rows = client
        .query(
            &format!(
                "SELECT w.max_concurrent, w.target_url, {SUBSCRIPTION_COLUMNS}
                 FROM app_installs i
                 JOIN webhook_settings w ON w.app_id = i.app_id
                 JOIN webhook_subscriptions s ON s.app_id = i.app_id AND s.active
                 WHERE i.portal_id = $1 ORDER BY s.app_id, s.id"
            ),
            &[&portal.0],
        )
        .await
        .map_err(db)?;
    let mut routes: BTreeMap<AppId, Route> = BTreeMap::new();
    for row in &rows {
        let lanes = row.get::<_, i32>(0) as u32;
        let target_url: String = row.get(1);
        let subscription = subscription_row(row, 2);
        routes
            .entry(subscription.app)
            .or_insert_with(|| Route {
                portal,
                app: subscription.app,
                target_url,
                max_concurrent_requests: lanes,
                subscriptions: Vec::new(),
            })
            .subscriptions
            .push(subscription);
    }
    Ok(routes.into_values().collect())
}

async fn secret_of(client: &impl GenericClient, app: AppId) -> Result<Option<String>> {
    let row = client
        .query_opt(
            "SELECT client_secret FROM apps WHERE app_id = $1",
            &[&app.0],
        )
        .await
        .map_err(db)?;
    Ok(row.and_then(|r| r.get(0)))
}

async fn finish_delivery(client: &impl GenericClient, row: &Row) -> Result<Delivery> {
    let id: i64 = row.get(0);
    let attempts = client
        .query(
            &format!(
                "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id"
            ),
            &[&id],
        )
        .await
        .map_err(db)?
        .iter()
        .map(attempt_row)
        .collect();
    let status = DeliveryStatus::parse(row.get(4))
        .ok_or_else(|| spoke_domain::Error::internal("unknown delivery status"))?;
    let events: String = row.get(5);
    let next: Option<i64> = row.get(6);
    Ok(Delivery {
        id,
        app: AppId(row.get(1)),
        portal: PortalId(row.get(2)),
        url: row.get(3),
        status,
        events: serde_json::from_str(&events).map_err(spoke_domain::Error::internal)?,
        attempts,
        next_attempt_at: next
            .filter(|_| matches!(status, DeliveryStatus::Pending | DeliveryStatus::Retrying))
            .map(Timestamp::from_stored),
        replay_of: row.get(7),
        created_at: Timestamp::from_stored(row.get(8)),
        updated_at: Timestamp::from_stored(row.get(9)),
    })
}

async fn read_delivery(client: &impl GenericClient, id: i64) -> Result<Option<Delivery>> {
    let row = client
        .query_opt(
            &format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"),
            &[&id],
        )
        .await
        .map_err(db)?;
    match row {
        Some(row) => Ok(Some(finish_delivery(client, &row).await?)),
        None => Ok(None),
    }
}

fn attempt_row(r: &Row) -> Attempt {
    Attempt {
        id: r.get(0),
        delivery: r.get(1),
        number: r.get::<_, i32>(2) as u32,
        at: Timestamp::from_stored(r.get(3)),
        status_code: r.get::<_, Option<i32>>(4).map(|c| c as u16),
        latency_ms: r.get(5),
        response_excerpt: r.get(6),
        error: r.get(7),
        delivered: r.get(8),
    }
}
