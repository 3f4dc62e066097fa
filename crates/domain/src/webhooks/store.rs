//! What a backend keeps for webhooks: settings, subscriptions, the queue of
//! events waiting for a batch, deliveries and their attempts.

use super::events::{Batch, Route, WebhookEvent};
use super::subscriptions::{NewSubscription, Settings, Subscription};
use crate::ids::{AppId, PortalId};
use crate::store::OutboxEvent;
use crate::time::Timestamp;
use crate::Result;
use async_trait::async_trait;

/// Where a delivery (one batch of events) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first attempt: for its lane to be free, or (a
    /// replay) to be sent.
    Pending,
    /// A node is sending it now.
    Sending,
    /// Failed; the next attempt is scheduled.
    Retrying,
    /// The receiver answered 2xx.
    Delivered,
    /// Every retry failed (or the app's settings are gone).
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 5] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Sending,
        DeliveryStatus::Retrying,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "PENDING",
            DeliveryStatus::Sending => "SENDING",
            DeliveryStatus::Retrying => "RETRYING",
            DeliveryStatus::Delivered => "DELIVERED",
            DeliveryStatus::Failed => "FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// One attempt at sending a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub delivery: i64,
    /// The `attemptNumber` the events carried (0 first).
    pub number: u32,
    pub at: Timestamp,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub response_excerpt: Option<String>,
    /// Why it failed without an answer (connection refused, timeout).
    pub error: Option<String>,
    pub delivered: bool,
}

/// One batch of events for one app in one portal, with its attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub app: AppId,
    pub portal: PortalId,
    pub url: String,
    pub status: DeliveryStatus,
    pub events: Vec<WebhookEvent>,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Option<Timestamp>,
    pub replay_of: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A delivery a node took to send: until `lease_until` no other node
/// takes it; the answer is recorded only with the same `claim`.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub app: AppId,
    pub portal: PortalId,
    pub url: String,
    /// The app's client secret, to sign with (`None` for an app created
    /// before Spoke kept it: its requests go unsigned).
    pub secret: Option<String>,
    pub events: Vec<WebhookEvent>,
    /// The `attemptNumber` of this attempt.
    pub attempt: u32,
    pub claim: i64,
}

/// What an attempt found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub at: Timestamp,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub delivered: bool,
    /// When to try again; `None` for a failure with no retry left.
    pub next_attempt_at: Option<Timestamp>,
}

/// Which deliveries to list: newest first, `before` a delivery id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    pub portal: Option<PortalId>,
    pub app: Option<AppId>,
    pub status: Option<DeliveryStatus>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub before: Option<i64>,
    pub limit: usize,
}

/// How a dispatcher turns outbox events (oldest first) into deliveries,
/// given the routes of their portals: [`super::plan_batches`].
pub type Plan = fn(&[OutboxEvent], &[Route]) -> Vec<Batch>;

/// Delivery work not yet done, for the metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WebhookBacklog {
    /// Deliveries waiting for their lane, being sent or to be retried.
    pub deliveries: u64,
    /// When the oldest of them was made.
    pub oldest: Option<Timestamp>,
    /// Outbox events not yet turned into deliveries.
    pub undispatched_events: u64,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn webhook_settings(&self, app: AppId) -> Result<Option<Settings>>;

    /// The delivery work not yet done, every portal together.
    async fn webhook_backlog(&self) -> Result<WebhookBacklog>;

    /// Creates or replaces the app's settings.
    async fn put_webhook_settings(
        &self,
        app: AppId,
        target_url: &str,
        max_concurrent_requests: u32,
        period: Option<&str>,
        at: Timestamp,
    ) -> Result<Settings>;

    /// `false` when the app had none.
    async fn delete_webhook_settings(&self, app: AppId) -> Result<bool>;

    async fn subscriptions(&self, app: AppId) -> Result<Vec<Subscription>>;

    /// `None` when the app already has `limit` subscriptions (counted in
    /// the transaction that adds one).
    async fn create_subscription(
        &self,
        app: AppId,
        subscription: NewSubscription,
        limit: usize,
        at: Timestamp,
    ) -> Result<Option<Subscription>>;

    /// Pauses or activates subscriptions in one transaction; `None` for an
    /// id the app does not have.
    async fn set_subscriptions_active(
        &self,
        app: AppId,
        changes: &[(i64, bool)],
        at: Timestamp,
    ) -> Result<Vec<Option<Subscription>>>;

    /// `false` when the app had no such subscription.
    async fn delete_subscription(&self, app: AppId, id: i64) -> Result<bool>;

    /// Takes up to `limit` outbox events not yet dispatched, oldest first,
    /// records the deliveries `plan` makes of them for the routes of their
    /// portals (installed apps with settings and active subscriptions) as
    /// waiting for their lane, and marks them dispatched, in one
    /// transaction. Returns how many outbox events it took (0: nothing to
    /// do, or another node is dispatching).
    async fn dispatch_outbox(&self, limit: usize, plan: Plan) -> Result<usize>;

    /// Claims up to `limit` deliveries to send now: the oldest waiting
    /// delivery of every idle lane (sent to the app's current target),
    /// deliveries whose retry is due, replays, and deliveries whose claim
    /// lapsed (a node died sending them).
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<ClaimedDelivery>>;

    /// Records an attempt; `false` when the claim was lost meanwhile (the
    /// attempt is then not recorded: the new claimant sends again).
    async fn finish_attempt(
        &self,
        delivery: i64,
        claim: i64,
        attempt: u32,
        outcome: AttemptOutcome,
    ) -> Result<bool>;

    async fn webhook_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<Delivery>>;

    async fn webhook_delivery(&self, id: i64) -> Result<Option<Delivery>>;

    /// Queues a copy of a delivery's events to the app's current target
    /// (or the original one); `None` when there is no such delivery.
    async fn replay_delivery(&self, id: i64, at: Timestamp) -> Result<Option<Delivery>>;

    /// Attempts with an id above `after`, oldest first (for `webhooks
    /// tail`), each with its delivery's app, portal and URL.
    async fn webhook_attempts_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(Attempt, AppId, PortalId, String)>>;

    /// Removes finished deliveries, their attempts and dispatched outbox
    /// events older than `before`; returns how many rows went.
    async fn prune_webhooks(&self, before: Timestamp) -> Result<u64>;
}

/// A fresh claim token: random, so that nodes never share one.
pub fn new_claim() -> i64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    i64::from_le_bytes(bytes) & i64::MAX
}
