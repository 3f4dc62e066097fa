//! The webhooks v3 management API's operations: an app's settings and
//! subscriptions, reached with the app's developer API key; and the sandbox
//! admin's view of deliveries.

use super::store::{Delivery, DeliveryFilter};
use super::subscriptions::{NewSubscription, Settings, Subscription};
use super::MAX_SUBSCRIPTIONS_PER_APP;
use crate::access::oauth::App;
use crate::access::secrets;
use crate::ids::AppId;
use crate::store::Store;
use crate::time::Timestamp;
use crate::{Error, Result};
use std::sync::Arc;

const BAD_DEVELOPER_KEY: &str = "The API key provided is invalid. View or manage your API key here: https://app.hubspot.com/l/api-key/";

#[derive(Clone)]
pub struct Webhooks {
    store: Arc<dyn Store>,
    public_targets_only: bool,
}

/// Pausing or activating one subscription of a batch, and what came of it.
pub type ActiveChange = (i64, bool);

impl Webhooks {
    /// `public_targets_only` refuses settings whose target is a
    /// loopback, private or other non-public address (or `localhost`).
    pub fn new(store: Arc<dyn Store>, public_targets_only: bool) -> Webhooks {
        Webhooks {
            store,
            public_targets_only,
        }
    }

    /// The app a developer API key (`?hapikey=`) opens, checked against the
    /// app of the path: 401 for a missing or unknown key, 404 for an app the
    /// key does not belong to.
    pub async fn app_for_key(&self, app: AppId, key: Option<&str>) -> Result<App> {
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        let Some(key) = key else {
            return Err(Error::Unauthenticated(
                "This API needs the app's developer API key as the hapikey query parameter.".into(),
            ));
        };
        let Some(owner) = self
            .store
            .app_by_developer_key(secrets::digest(key))
            .await?
        else {
            return Err(Error::Unauthenticated(BAD_DEVELOPER_KEY.into()));
        };
        if owner.id != app {
            return Err(Error::NotFound(format!(
                "App {app} was not found for this developer API key."
            )));
        }
        Ok(owner)
    }

    pub async fn settings(&self, app: AppId) -> Result<Settings> {
        self.store
            .webhook_settings(app)
            .await?
            .ok_or_else(|| Error::NotFound(format!("No webhook settings found for app {app}.")))
    }

    pub async fn put_settings(
        &self,
        app: AppId,
        target_url: &str,
        max_concurrent_requests: i64,
        period: Option<&str>,
    ) -> Result<Settings> {
        Settings::check(target_url, max_concurrent_requests, period)?;
        if self.public_targets_only && !super::targets::may_be_public(target_url) {
            return Err(Error::invalid_field(
                "targetUrl",
                format!("targetUrl must be a public address on this server, got '{target_url}'."),
            ));
        }
        self.store
            .put_webhook_settings(
                app,
                target_url,
                max_concurrent_requests as u32,
                period,
                Timestamp::now(),
            )
            .await
    }

    pub async fn delete_settings(&self, app: AppId) -> Result<()> {
        self.store.delete_webhook_settings(app).await?;
        Ok(())
    }

    pub async fn subscriptions(&self, app: AppId) -> Result<Vec<Subscription>> {
        self.store.subscriptions(app).await
    }

    pub async fn subscription(&self, app: AppId, id: i64) -> Result<Subscription> {
        self.store
            .subscriptions(app)
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| not_found(id))
    }

    /// Creates a subscription; a `propertyName` must name a contact
    /// property: a standard one, or a custom one of some portal.
    pub async fn create_subscription(
        &self,
        app: AppId,
        event_type: &str,
        property_name: Option<&str>,
        active: bool,
    ) -> Result<Subscription> {
        let mut known = std::collections::BTreeSet::new();
        if let Some(name) = property_name {
            if self.property_exists(name).await? {
                known.insert(name.trim().to_string());
            }
        }
        let subscription =
            NewSubscription::parse(event_type, property_name, active, |p| known.contains(p))?;
        self.store
            .create_subscription(
                app,
                subscription,
                MAX_SUBSCRIPTIONS_PER_APP,
                Timestamp::now(),
            )
            .await?
            .ok_or_else(|| {
                Error::invalid(format!(
                    "App {app} already has the maximum of {MAX_SUBSCRIPTIONS_PER_APP} subscriptions."
                ))
            })
    }

    async fn property_exists(&self, name: &str) -> Result<bool> {
        let name = name.trim();
        for portal in self.store.portals().await? {
            if self
                .store
                .property_schema(portal.id)
                .await?
                .get(name)
                .is_some()
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub async fn set_active(&self, app: AppId, id: i64, active: bool) -> Result<Subscription> {
        let mut changed = self
            .store
            .set_subscriptions_active(app, &[(id, active)], Timestamp::now())
            .await?;
        changed.pop().flatten().ok_or_else(|| not_found(id))
    }

    /// A batch of pauses and activations, in one transaction: what changed,
    /// and the ids that were not found.
    pub async fn set_active_batch(
        &self,
        app: AppId,
        changes: &[ActiveChange],
    ) -> Result<(Vec<Subscription>, Vec<i64>)> {
        let outcomes = self
            .store
            .set_subscriptions_active(app, changes, Timestamp::now())
            .await?;
        let mut done = Vec::new();
        let mut missing = Vec::new();
        for ((id, _), outcome) in changes.iter().zip(outcomes) {
            match outcome {
                Some(subscription) => done.push(subscription),
                None => missing.push(*id),
            }
        }
        Ok((done, missing))
    }

    pub async fn delete_subscription(&self, app: AppId, id: i64) -> Result<()> {
        if self.store.delete_subscription(app, id).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    pub async fn deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>> {
        self.store.webhook_deliveries(filter).await
    }

    pub async fn attempts_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(super::store::Attempt, AppId, crate::ids::PortalId, String)>> {
        self.store.webhook_attempts_after(after, limit).await
    }

    pub async fn replay(&self, id: i64) -> Result<Delivery> {
        self.store
            .replay_delivery(id, Timestamp::now())
            .await?
            .ok_or_else(|| Error::NotFound(format!("No webhook delivery with id {id}.")))
    }
}

fn not_found(id: i64) -> Error {
    Error::NotFound(format!("Failed to find subscriptions by id `{id}`."))
}
