//! Webhooks: an app's settings and subscriptions (HubSpot's webhooks v3
//! API), the events a committed change turns into, their signatures, and
//! the retry schedule of a delivery.
//!
//! The outbox is the one feed of committed changes. A dispatcher turns its
//! events into the events each subscribed app receives (`fan_out`), and
//! those into deliveries of at most 100 events per app, portal and lane
//! (`plan_batches`), recorded in the transaction that moves the outbox
//! past them; deliverers send them, one delivery in flight per lane. A
//! lane is `objectId % maxConcurrentRequests`, so the concurrency cap holds
//! and one contact's events arrive in commit order. The sending itself
//! (HTTP) lives with the server's workers.

pub mod events;
pub mod retry;
pub mod service;
pub mod signature;
pub mod store;
pub mod subscriptions;
pub mod targets;

pub use events::{fan_out, plan_batches, Batch, QueuedEvent, Route, WebhookEvent};
pub use retry::RetryPolicy;
pub use service::Webhooks;
pub use store::{
    AttemptOutcome, ClaimedDelivery, Delivery, DeliveryFilter, DeliveryStatus, WebhookStore,
};
pub use subscriptions::{EventType, NewSubscription, Settings, Subscription};

/// At most this many events in one request, as at HubSpot.
pub const MAX_EVENTS_PER_REQUEST: usize = 100;
/// At most this many subscriptions per app, as at HubSpot.
pub const MAX_SUBSCRIPTIONS_PER_APP: usize = 1000;
