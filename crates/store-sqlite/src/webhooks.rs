//! Webhooks: settings, subscriptions, the dispatch of the outbox into the
//! queue, and deliveries with their attempts.

use crate::contacts::timestamp;
use crate::{internal, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::store::OutboxEvent;
use spoke_domain::time::Timestamp;
use spoke_domain::webhooks::store::{
    Attempt, AttemptOutcome, ClaimedDelivery, Delivery, DeliveryFilter, DeliveryStatus, Plan,
};
use spoke_domain::webhooks::{
    EventType, NewSubscription, Route, Settings, Subscription, WebhookStore,
};
use spoke_domain::Result;
use std::collections::{BTreeMap, BTreeSet};

const SUBSCRIPTION_COLUMNS: &str =
    "id, app_id, event_type, property_name, active, created_at, updated_at";
const DELIVERY_COLUMNS: &str =
    "id, app_id, portal_id, url, status, events, next_attempt_at, replay_of, created_at, updated_at";
const ATTEMPT_COLUMNS: &str =
    "id, delivery_id, number, at, status_code, latency_ms, response_excerpt, error, delivered";
const OPEN: &str = "('PENDING', 'SENDING', 'RETRYING')";

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn webhook_backlog(&self) -> Result<spoke_domain::webhooks::store::WebhookBacklog> {
        self.connections().read(|conn| {
            let (deliveries, oldest): (i64, Option<i64>) = conn
                .query_row(
                    "SELECT count(*), min(created_at) FROM webhook_deliveries
                     WHERE status IN ('PENDING', 'SENDING', 'RETRYING')",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(internal)?;
            let undispatched: i64 = conn
                .query_row(
                    "SELECT max(0, coalesce((SELECT max(id) FROM outbox), 0)
                                   - (SELECT position FROM webhook_dispatch WHERE id = 1))",
                    [],
                    |r| r.get(0),
                )
                .map_err(internal)?;
            Ok(spoke_domain::webhooks::store::WebhookBacklog {
                deliveries: deliveries.max(0) as u64,
                oldest: oldest.map(Timestamp::from_stored),
                undispatched_events: undispatched.max(0) as u64,
            })
        })
    }

    async fn webhook_settings(&self, app: AppId) -> Result<Option<Settings>> {
        self.connections().read(|conn| read_settings(conn, app))
    }

    async fn put_webhook_settings(
        &self,
        app: AppId,
        target_url: &str,
        max_concurrent_requests: u32,
        period: Option<&str>,
        at: Timestamp,
    ) -> Result<Settings> {
        let (url, period) = (target_url.to_string(), period.map(str::to_string));
        self.connections()
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO webhook_settings
                       (app_id, target_url, max_concurrent, period, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                     ON CONFLICT (app_id) DO UPDATE SET target_url = excluded.target_url,
                       max_concurrent = excluded.max_concurrent, period = excluded.period,
                       updated_at = excluded.updated_at",
                    params![app.0, url, max_concurrent_requests, period, at.millis()],
                )
                .map_err(internal)?;
                read_settings(tx, app)?.ok_or_else(|| internal("settings vanished"))
            })
            .await
    }

    async fn delete_webhook_settings(&self, app: AppId) -> Result<bool> {
        self.connections()
            .write(move |tx| {
                let n = tx
                    .execute("DELETE FROM webhook_settings WHERE app_id = ?1", [app.0])
                    .map_err(internal)?;
                Ok(n > 0)
            })
            .await
    }

    async fn subscriptions(&self, app: AppId) -> Result<Vec<Subscription>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions
                     WHERE app_id = ?1 ORDER BY id"
                ))
                .map_err(internal)?;
            let rows = stmt
                .query_map([app.0], subscription_row)
                .map_err(internal)?;
            rows.collect::<rusqlite::Result<_>>().map_err(internal)
        })
    }

    async fn create_subscription(
        &self,
        app: AppId,
        new: NewSubscription,
        limit: usize,
        at: Timestamp,
    ) -> Result<Option<Subscription>> {
        self.connections()
            .write(move |tx| {
                let count: i64 = tx
                    .query_row(
                        "SELECT count(*) FROM webhook_subscriptions WHERE app_id = ?1",
                        [app.0],
                        |r| r.get(0),
                    )
                    .map_err(internal)?;
                if count as usize >= limit {
                    return Ok(None);
                }
                tx.execute(
                    "INSERT INTO webhook_subscriptions
                       (app_id, event_type, property_name, active, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                    params![
                        app.0,
                        new.event_type.as_str(),
                        new.property_name,
                        new.active,
                        at.millis()
                    ],
                )
                .map_err(internal)?;
                read_subscription(tx, app, tx.last_insert_rowid())
            })
            .await
    }

    async fn set_subscriptions_active(
        &self,
        app: AppId,
        changes: &[(i64, bool)],
        at: Timestamp,
    ) -> Result<Vec<Option<Subscription>>> {
        let changes = changes.to_vec();
        self.connections()
            .write(move |tx| {
                let mut out = Vec::with_capacity(changes.len());
                for (id, active) in changes {
                    tx.execute(
                        "UPDATE webhook_subscriptions SET active = ?3,
                           updated_at = CASE WHEN active = ?3 THEN updated_at ELSE ?4 END
                         WHERE app_id = ?1 AND id = ?2",
                        params![app.0, id, active, at.millis()],
                    )
                    .map_err(internal)?;
                    out.push(read_subscription(tx, app, id)?);
                }
                Ok(out)
            })
            .await
    }

    async fn delete_subscription(&self, app: AppId, id: i64) -> Result<bool> {
        self.connections()
            .write(move |tx| {
                let n = tx
                    .execute(
                        "DELETE FROM webhook_subscriptions WHERE app_id = ?1 AND id = ?2",
                        params![app.0, id],
                    )
                    .map_err(internal)?;
                Ok(n > 0)
            })
            .await
    }

    async fn dispatch_outbox(&self, limit: usize, plan: Plan) -> Result<usize> {
        // Nothing pending is the common case: a read answers it without
        // taking the writer.
        let pending = self.connections().read(|conn| {
            conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox
                   WHERE id > (SELECT position FROM webhook_dispatch))",
            )
            .and_then(|mut s| s.query_row([], |r| r.get::<_, bool>(0)))
            .map_err(internal)
        })?;
        if !pending {
            return Ok(0);
        }
        self.connections()
            .write(move |tx| {
                let events = pending_events(tx, limit)?;
                let Some(last) = events.last().map(|e| e.id) else {
                    return Ok(0);
                };
                let portals: BTreeSet<PortalId> = events.iter().map(|e| e.portal).collect();
                let mut routes = Vec::new();
                for portal in portals {
                    routes.extend(routes_of(tx, portal)?);
                }
                if !routes.is_empty() {
                    let now = Timestamp::now().millis();
                    let mut insert = tx
                        .prepare_cached(
                            "INSERT INTO webhook_deliveries (app_id, portal_id, lane, url, events,
                               status, created_at, updated_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, 'PENDING', ?6, ?6)",
                        )
                        .map_err(internal)?;
                    for batch in plan(&events, &routes) {
                        let json = serde_json::to_string(&batch.events).map_err(internal)?;
                        insert
                            .execute(params![
                                batch.app.0,
                                batch.portal.0,
                                batch.lane,
                                batch.url,
                                json,
                                now
                            ])
                            .map_err(internal)?;
                    }
                }
                // One writer: ids commit in order, so every id up to the
                // last taken was taken.
                tx.execute("UPDATE webhook_dispatch SET position = ?1", [last])
                    .map_err(internal)?;
                Ok(events.len())
            })
            .await
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<ClaimedDelivery>> {
        // Idle is the common case: a read answers it without the writer.
        let work = self.connections().read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM webhook_deliveries
                   WHERE status IN {OPEN} AND next_attempt_at <= ?1)
                 OR EXISTS (SELECT 1 FROM webhook_deliveries
                   WHERE status = 'PENDING' AND next_attempt_at IS NULL)"
            ))
            .and_then(|mut s| s.query_row([now.millis()], |r| r.get::<_, bool>(0)))
            .map_err(internal)
        })?;
        if !work {
            return Ok(Vec::new());
        }
        self.connections()
            .write(move |tx| claim(tx, now, lease_until, limit))
            .await
    }

    async fn finish_attempt(
        &self,
        delivery: i64,
        claim: i64,
        attempt: u32,
        outcome: AttemptOutcome,
    ) -> Result<bool> {
        self.connections()
            .write(move |tx| {
                let status = if outcome.delivered {
                    DeliveryStatus::Delivered
                } else if outcome.next_attempt_at.is_some() {
                    DeliveryStatus::Retrying
                } else {
                    DeliveryStatus::Failed
                };
                let portal: Option<i64> = tx
                    .query_row(
                        "UPDATE webhook_deliveries
                         SET status = ?3, attempts = attempts + 1, next_attempt_at = ?4,
                             claim = NULL, lease_until = NULL, updated_at = ?5
                         WHERE id = ?1 AND claim = ?2 AND status = 'SENDING'
                         RETURNING portal_id",
                        params![
                            delivery,
                            claim,
                            status.as_str(),
                            outcome.next_attempt_at.map(Timestamp::millis),
                            outcome.at.millis()
                        ],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(internal)?;
                let Some(portal) = portal else {
                    return Ok(false);
                };
                tx.execute(
                    "INSERT INTO webhook_attempts (delivery_id, portal_id, number, at, status_code,
                       latency_ms, response_excerpt, error, delivered)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        delivery,
                        portal,
                        attempt,
                        outcome.at.millis(),
                        outcome.status_code,
                        outcome.latency_ms,
                        outcome.response_excerpt,
                        outcome.error,
                        outcome.delivered
                    ],
                )
                .map_err(internal)?;
                Ok(true)
            })
            .await
    }

    async fn webhook_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>> {
        let filter = filter.clone();
        self.connections().read(|conn| {
            let mut conditions = vec!["1 = 1".to_string()];
            let mut values: Vec<rusqlite::types::Value> = Vec::new();
            let mut add = |condition: &str, value: rusqlite::types::Value| {
                values.push(value);
                conditions.push(format!("{condition} ?{}", values.len()));
            };
            if let Some(portal) = filter.portal {
                add("portal_id =", portal.0.into());
            }
            if let Some(app) = filter.app {
                add("app_id =", app.0.into());
            }
            if let Some(status) = filter.status {
                add("status =", status.as_str().to_string().into());
            }
            if let Some(since) = filter.since {
                add("created_at >=", since.millis().into());
            }
            if let Some(until) = filter.until {
                add("created_at <", until.millis().into());
            }
            if let Some(before) = filter.before {
                add("id <", before.into());
            }
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE {}
                 ORDER BY id DESC LIMIT {}",
                conditions.join(" AND "),
                filter.limit
            );
            let mut stmt = conn.prepare(&sql).map_err(internal)?;
            let rows = stmt
                .query_map(params_from_iter(values), delivery_row)
                .map_err(internal)?;
            let mut deliveries = Vec::new();
            for row in rows {
                deliveries.push(finish_delivery(conn, row.map_err(internal)?)?);
            }
            Ok(deliveries)
        })
    }

    async fn webhook_delivery(&self, id: i64) -> Result<Option<Delivery>> {
        self.connections().read(|conn| read_delivery(conn, id))
    }

    async fn replay_delivery(&self, id: i64, at: Timestamp) -> Result<Option<Delivery>> {
        self.connections()
            .write(move |tx| {
                let Some(original) = read_delivery(tx, id)? else {
                    return Ok(None);
                };
                let url = read_settings(tx, original.app)?
                    .map(|s| s.target_url)
                    .unwrap_or(original.url);
                let events = serde_json::to_string(&original.events).map_err(internal)?;
                tx.execute(
                    "INSERT INTO webhook_deliveries (app_id, portal_id, lane, url, events, status,
                       next_attempt_at, replay_of, created_at, updated_at)
                     VALUES (?1, ?2, NULL, ?3, ?4, 'PENDING', ?5, ?6, ?5, ?5)",
                    params![
                        original.app.0,
                        original.portal.0,
                        url,
                        events,
                        at.millis(),
                        id
                    ],
                )
                .map_err(internal)?;
                read_delivery(tx, tx.last_insert_rowid())
            })
            .await
    }

    async fn webhook_attempts_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(Attempt, AppId, PortalId, String)>> {
        self.connections().read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT a.id, a.delivery_id, a.number, a.at, a.status_code, a.latency_ms,
                            a.response_excerpt, a.error, a.delivered, d.app_id, d.portal_id, d.url
                     FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                     WHERE a.id > ?1 ORDER BY a.id LIMIT ?2",
                )
                .map_err(internal)?;
            let rows = stmt
                .query_map(params![after, limit as i64], |r| {
                    Ok((
                        attempt_row(r)?,
                        AppId(r.get(9)?),
                        PortalId(r.get(10)?),
                        r.get::<_, String>(11)?,
                    ))
                })
                .map_err(internal)?;
            rows.collect::<rusqlite::Result<_>>().map_err(internal)
        })
    }

    async fn prune_webhooks(&self, before: Timestamp) -> Result<u64> {
        self.connections()
            .write(move |tx| {
                let cutoff = before.millis();
                let mut removed = tx
                    .execute(
                        "DELETE FROM webhook_attempts WHERE delivery_id IN (
                           SELECT id FROM webhook_deliveries
                           WHERE status IN ('DELIVERED', 'FAILED') AND updated_at < ?1)",
                        [cutoff],
                    )
                    .map_err(internal)?;
                removed += tx
                    .execute(
                        "DELETE FROM webhook_deliveries
                         WHERE status IN ('DELIVERED', 'FAILED') AND updated_at < ?1",
                        [cutoff],
                    )
                    .map_err(internal)?;
                removed += tx
                    .execute(
                        "DELETE FROM outbox WHERE occurred_at < ?1
                           AND id <= (SELECT position FROM webhook_dispatch)",
                        [cutoff],
                    )
                    .map_err(internal)?;
                Ok(removed as u64)
            })
            .await
    }
}

fn read_settings(conn: &Connection, app: AppId) -> Result<Option<Settings>> {
    conn.prepare_cached(
        "SELECT target_url, max_concurrent, period, created_at, updated_at
         FROM webhook_settings WHERE app_id = ?1",
    )
    .and_then(|mut stmt| {
        stmt.query_row([app.0], |r| {
            Ok(Settings {
                app,
                target_url: r.get(0)?,
                max_concurrent_requests: r.get(1)?,
                period: r.get(2)?,
                created_at: timestamp(r.get(3)?),
                updated_at: timestamp(r.get(4)?),
            })
        })
        .optional()
    })
    .map_err(internal)
}

fn subscription_row(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    subscription_row_at(r, 0)
}

fn read_subscription(conn: &Connection, app: AppId, id: i64) -> Result<Option<Subscription>> {
    conn.prepare_cached(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE app_id = ?1 AND id = ?2"
    ))
    .and_then(|mut stmt| {
        stmt.query_row(params![app.0, id], subscription_row)
            .optional()
    })
    .map_err(internal)
}

/// Outbox events not yet dispatched, oldest first, with their values.
fn pending_events(conn: &Connection, limit: usize) -> Result<Vec<OutboxEvent>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT o.id, o.portal_id, o.object_id, o.kind, o.occurred_at,
                    coalesce(c.changed_values, '{}'), coalesce(c.source_type, 'API'), o.payload
             FROM outbox o LEFT JOIN contact_changes c ON c.id = o.change_id
             WHERE o.id > (SELECT position FROM webhook_dispatch) ORDER BY o.id LIMIT ?1",
        )
        .map_err(internal)?;
    crate::outbox::read_events(&mut stmt, [limit as i64])
}

/// The apps installed in a portal with settings and active subscriptions.
fn routes_of(conn: &Connection, portal: PortalId) -> Result<Vec<Route>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT w.max_concurrent, w.target_url, {}
             FROM app_installs i
             JOIN webhook_settings w ON w.app_id = i.app_id
             JOIN webhook_subscriptions s ON s.app_id = i.app_id AND s.active = 1
             WHERE i.portal_id = ?1 ORDER BY s.app_id, s.id",
            SUBSCRIPTION_COLUMNS
                .split(", ")
                .map(|c| format!("s.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .map_err(internal)?;
    let rows = stmt
        .query_map([portal.0], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                subscription_row_at(r, 2)?,
            ))
        })
        .map_err(internal)?;
    let mut routes: BTreeMap<AppId, Route> = BTreeMap::new();
    for row in rows {
        let (lanes, target_url, subscription) = row.map_err(internal)?;
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

fn subscription_row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Subscription> {
    let kind: String = r.get(at + 2)?;
    Ok(Subscription {
        id: r.get(at)?,
        app: AppId(r.get(at + 1)?),
        event_type: EventType::parse(&kind).unwrap_or(EventType::AssociationChange),
        property_name: r.get(at + 3)?,
        active: r.get(at + 4)?,
        created_at: timestamp(r.get(at + 5)?),
        updated_at: timestamp(r.get(at + 6)?),
    })
}

fn claim(
    tx: &Transaction<'_>,
    now: Timestamp,
    lease_until: Timestamp,
    limit: usize,
) -> Result<Vec<ClaimedDelivery>> {
    let mut claimed = Vec::new();
    let claim_id = spoke_domain::webhooks::store::new_claim();
    // Retries due, replays, and claims that lapsed.
    let due: Vec<i64> = {
        let mut stmt = tx
            .prepare_cached(&format!(
                "SELECT id FROM webhook_deliveries
                 WHERE status IN {OPEN} AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at LIMIT ?2"
            ))
            .map_err(internal)?;
        let rows = stmt
            .query_map(params![now.millis(), limit as i64], |r| r.get(0))
            .map_err(internal)?;
        rows.collect::<rusqlite::Result<_>>().map_err(internal)?
    };
    for id in due {
        if let Some(delivery) = take(tx, id, claim_id, lease_until)? {
            claimed.push(delivery);
        }
    }
    // The oldest waiting delivery of every idle lane.
    if claimed.len() < limit {
        let waiting: Vec<(i64, i64)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT d.app_id, min(d.id) FROM webhook_deliveries d
                     WHERE d.status = 'PENDING' AND d.next_attempt_at IS NULL
                     GROUP BY d.app_id, d.portal_id, d.lane
                     HAVING NOT EXISTS (SELECT 1 FROM webhook_deliveries b
                       WHERE b.app_id = d.app_id AND b.portal_id = d.portal_id
                         AND b.lane = d.lane AND b.status IN ('SENDING', 'RETRYING'))
                     ORDER BY min(d.id) LIMIT ?1",
                )
                .map_err(internal)?;
            let rows = stmt
                .query_map([(limit - claimed.len()) as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(internal)?;
            rows.collect::<rusqlite::Result<_>>().map_err(internal)?
        };
        for (app, id) in waiting {
            let Some(settings) = read_settings(tx, AppId(app))? else {
                // The app's settings are gone: nowhere to send.
                tx.execute(
                    "UPDATE webhook_deliveries SET status = 'FAILED', updated_at = ?2
                     WHERE id = ?1",
                    params![id, now.millis()],
                )
                .map_err(internal)?;
                continue;
            };
            tx.execute(
                "UPDATE webhook_deliveries SET url = ?2 WHERE id = ?1",
                params![id, settings.target_url],
            )
            .map_err(internal)?;
            if let Some(delivery) = take(tx, id, claim_id, lease_until)? {
                claimed.push(delivery);
            }
        }
    }
    Ok(claimed)
}

/// Claims one open delivery.
fn take(
    tx: &Transaction<'_>,
    id: i64,
    claim_id: i64,
    lease_until: Timestamp,
) -> Result<Option<ClaimedDelivery>> {
    let row: Option<(i64, i64, String, String, u32)> = tx
        .query_row(
            "UPDATE webhook_deliveries
             SET status = 'SENDING', claim = ?2, lease_until = ?3, next_attempt_at = ?3
             WHERE id = ?1 RETURNING app_id, portal_id, url, events, attempts",
            params![id, claim_id, lease_until.millis()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(internal)?;
    let Some((app, portal, url, events, attempts)) = row else {
        return Ok(None);
    };
    Ok(Some(ClaimedDelivery {
        id,
        app: AppId(app),
        portal: PortalId(portal),
        url,
        secret: secret_of(tx, AppId(app))?,
        events: serde_json::from_str(&events).map_err(internal)?,
        attempt: attempts,
        claim: claim_id,
    }))
}

fn secret_of(conn: &Connection, app: AppId) -> Result<Option<String>> {
    conn.query_row(
        "SELECT client_secret FROM apps WHERE app_id = ?1",
        [app.0],
        |r| r.get(0),
    )
    .optional()
    .map(Option::flatten)
    .map_err(internal)
}

type DeliveryRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
);

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn finish_delivery(conn: &Connection, row: DeliveryRow) -> Result<Delivery> {
    let (id, app, portal, url, status, events, next, replay_of, created, updated) = row;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY id"
        ))
        .map_err(internal)?;
    let attempts = stmt
        .query_map([id], attempt_row)
        .map_err(internal)?
        .collect::<rusqlite::Result<_>>()
        .map_err(internal)?;
    let status = DeliveryStatus::parse(&status).ok_or_else(|| internal("unknown status"))?;
    Ok(Delivery {
        id,
        app: AppId(app),
        portal: PortalId(portal),
        url,
        status,
        events: serde_json::from_str(&events).map_err(internal)?,
        attempts,
        next_attempt_at: next
            .filter(|_| matches!(status, DeliveryStatus::Pending | DeliveryStatus::Retrying))
            .map(timestamp),
        replay_of,
        created_at: timestamp(created),
        updated_at: timestamp(updated),
    })
}

fn read_delivery(conn: &Connection, id: i64) -> Result<Option<Delivery>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?1"
        ))
        .and_then(|mut stmt| stmt.query_row([id], delivery_row).optional())
        .map_err(internal)?;
    row.map(|row| finish_delivery(conn, row)).transpose()
}

fn attempt_row(r: &Row<'_>) -> rusqlite::Result<Attempt> {
    Ok(Attempt {
        id: r.get(0)?,
        delivery: r.get(1)?,
        number: r.get(2)?,
        at: timestamp(r.get(3)?),
        status_code: r.get(4)?,
        latency_ms: r.get(5)?,
        response_excerpt: r.get(6)?,
        error: r.get(7)?,
        delivered: r.get(8)?,
    })
}
