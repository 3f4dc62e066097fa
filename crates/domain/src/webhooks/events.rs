//! What a committed change turns into for each subscribed app: HubSpot's
//! event objects, queued per app, portal and lane.

use super::subscriptions::{EventType, Subscription};
use crate::contact::ChangeKind;
use crate::ids::{AppId, PortalId};
use crate::store::OutboxEvent;
use serde::{Deserialize, Serialize};

/// One event as HubSpot sends it, in HubSpot's field order. `eventId` is
/// the queue row's id, given when the event joins a batch; `attemptNumber`
/// is set for each attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    #[serde(default)]
    pub event_id: i64,
    pub subscription_id: i64,
    pub portal_id: i64,
    pub app_id: i64,
    pub occurred_at: i64,
    pub subscription_type: String,
    #[serde(default)]
    pub attempt_number: u32,
    pub object_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_value: Option<String>,
    pub change_source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_flag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_object_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_object_ids: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_object_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_properties_moved: Option<u32>,
}

/// The subscriptions of one app installed in one portal, with the app's
/// target and concurrency (the number of lanes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub portal: PortalId,
    pub app: AppId,
    pub target_url: String,
    pub max_concurrent_requests: u32,
    pub subscriptions: Vec<Subscription>,
}

/// One request's worth of events for one lane of one app in one portal:
/// a delivery to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub app: AppId,
    pub portal: PortalId,
    pub lane: i32,
    pub url: String,
    pub events: Vec<WebhookEvent>,
}

/// Events one outbox event gives one app stay below this, so that
/// `outbox id * EVENTS_PER_CHANGE + n` is an `eventId` unique for the app
/// (an app has at most 1000 subscriptions, each matching once).
pub const EVENTS_PER_CHANGE: i64 = 1024;

/// What a dispatch records for these outbox events (oldest first): their
/// events for every route, with `eventId`s given, in batches of at most
/// 100 per lane, each lane's batches in commit order.
pub fn plan_batches(changes: &[OutboxEvent], routes: &[Route]) -> Vec<Batch> {
    let mut lanes: Vec<Batch> = Vec::new();
    let mut open: std::collections::HashMap<(AppId, PortalId, i32), usize> =
        std::collections::HashMap::new();
    for change in changes {
        let mut per_app: std::collections::HashMap<AppId, i64> = std::collections::HashMap::new();
        for queued in fan_out(change, routes) {
            let n = per_app.entry(queued.app).or_default();
            let mut event = queued.event;
            event.event_id = change.id * EVENTS_PER_CHANGE + (*n).min(EVENTS_PER_CHANGE - 1);
            *n += 1;
            let key = (queued.app, queued.portal, queued.lane);
            let index = match open.get(&key) {
                Some(&i) if lanes[i].events.len() < super::MAX_EVENTS_PER_REQUEST => i,
                _ => {
                    let url = routes
                        .iter()
                        .find(|r| r.app == queued.app && r.portal == queued.portal)
                        .map(|r| r.target_url.clone())
                        .unwrap_or_default();
                    lanes.push(Batch {
                        app: queued.app,
                        portal: queued.portal,
                        lane: queued.lane,
                        url,
                        events: Vec::new(),
                    });
                    open.insert(key, lanes.len() - 1);
                    lanes.len() - 1
                }
            };
            lanes[index].events.push(event);
        }
    }
    lanes
}

/// An event waiting for its batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedEvent {
    pub app: AppId,
    pub portal: PortalId,
    pub lane: i32,
    pub event: WebhookEvent,
}

/// The events one outbox event gives each route of its portal, in the
/// order they are to be delivered. A creation also tells the watched
/// properties it set, as HubSpot does; a privacy deletion is also a
/// deletion.
pub fn fan_out(change: &OutboxEvent, routes: &[Route]) -> Vec<QueuedEvent> {
    let mut out = Vec::new();
    for route in routes.iter().filter(|r| r.portal == change.portal) {
        let lanes = route.max_concurrent_requests.max(1) as i64;
        let lane = (change.contact.0.rem_euclid(lanes)) as i32;
        let base = |subscription: &Subscription, flag: Option<&str>| WebhookEvent {
            event_id: 0,
            subscription_id: subscription.id,
            portal_id: change.portal.0,
            app_id: route.app.0,
            occurred_at: change.occurred_at.millis(),
            subscription_type: subscription.event_type.as_str().to_string(),
            attempt_number: 0,
            object_id: change.contact.0,
            property_name: None,
            property_value: None,
            change_source: change.source.clone(),
            change_flag: flag.map(str::to_string),
            primary_object_id: None,
            merged_object_ids: None,
            new_object_id: None,
            number_of_properties_moved: None,
        };
        let of_type = |t: EventType| {
            route
                .subscriptions
                .iter()
                // Active now, and since before the change: a change made
                // while a subscription was paused (or before it existed)
                // is not sent, however late it is dispatched.
                .filter(move |s| {
                    s.active
                        && s.event_type == t
                        && s.updated_at.millis() <= change.occurred_at.millis()
                })
        };
        let mut push = |event: WebhookEvent| {
            out.push(QueuedEvent {
                app: route.app,
                portal: route.portal,
                lane,
                event,
            })
        };
        let property_changes = |push: &mut dyn FnMut(WebhookEvent)| {
            for subscription in of_type(EventType::PropertyChange) {
                let Some(name) = subscription.property_name.as_deref() else {
                    continue;
                };
                if let Some(value) = change.values.get(name) {
                    let mut event = base(subscription, None);
                    event.property_name = Some(name.to_string());
                    event.property_value = Some(value.clone());
                    push(event);
                }
            }
        };
        match change.kind {
            ChangeKind::Created => {
                for subscription in of_type(EventType::Creation) {
                    push(base(subscription, Some("NEW")));
                }
                property_changes(&mut push);
            }
            ChangeKind::PropertiesChanged => property_changes(&mut push),
            ChangeKind::Archived => {
                for subscription in of_type(EventType::Deletion) {
                    push(base(subscription, Some("DELETED")));
                }
            }
            ChangeKind::Restored => {
                for subscription in of_type(EventType::Restore) {
                    push(base(subscription, Some("RESTORED")));
                }
            }
            ChangeKind::PrivacyDeleted => {
                for subscription in of_type(EventType::PrivacyDeletion) {
                    push(base(subscription, Some("DELETED")));
                }
                for subscription in of_type(EventType::Deletion) {
                    push(base(subscription, Some("DELETED")));
                }
            }
            ChangeKind::Merged => {
                for subscription in of_type(EventType::Merge) {
                    let mut event = base(subscription, Some("MERGED"));
                    if let Some(merge) = &change.merge {
                        event.primary_object_id = Some(merge.primary.0);
                        event.merged_object_ids = Some(merge.merged.iter().map(|c| c.0).collect());
                        event.new_object_id = Some(merge.primary.0);
                        event.number_of_properties_moved = Some(merge.properties_moved);
                    }
                    push(event);
                }
                property_changes(&mut push);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::plan::MergeDetails;
    use crate::ids::ContactId;
    use crate::time::Timestamp;
    use std::collections::BTreeMap;

    fn subscription(id: i64, t: EventType, property: Option<&str>, active: bool) -> Subscription {
        Subscription {
            id,
            app: AppId(7),
            event_type: t,
            property_name: property.map(str::to_string),
            active,
            created_at: Timestamp::from_stored(0),
            updated_at: Timestamp::from_stored(0),
        }
    }

    fn route(subscriptions: Vec<Subscription>) -> Route {
        Route {
            portal: PortalId(1),
            app: AppId(7),
            target_url: "http://localhost/hook".into(),
            max_concurrent_requests: 10,
            subscriptions,
        }
    }

    fn change(kind: ChangeKind, values: &[(&str, &str)]) -> OutboxEvent {
        OutboxEvent {
            id: 1,
            portal: PortalId(1),
            contact: ContactId(23),
            kind,
            occurred_at: Timestamp::from_stored(1_700_000_000_000),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            source: "API".into(),
            merge: None,
        }
    }

    #[test]
    fn a_creation_tells_the_watched_properties_it_set() {
        let routes = [route(vec![
            subscription(1, EventType::Creation, None, true),
            subscription(2, EventType::PropertyChange, Some("email"), true),
            subscription(3, EventType::PropertyChange, Some("phone"), true),
            subscription(4, EventType::Deletion, None, true),
        ])];
        let events = fan_out(&change(ChangeKind::Created, &[("email", "a@b.c")]), &routes);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event.subscription_type, "contact.creation");
        assert_eq!(events[0].event.change_flag.as_deref(), Some("NEW"));
        assert_eq!(events[1].event.property_name.as_deref(), Some("email"));
        assert_eq!(events[1].event.property_value.as_deref(), Some("a@b.c"));
        assert!(events
            .iter()
            .all(|e| e.lane == 3 && e.event.object_id == 23));
    }

    #[test]
    fn paused_subscriptions_and_other_portals_get_nothing() {
        let routes = [route(vec![subscription(
            1,
            EventType::Creation,
            None,
            false,
        )])];
        assert!(fan_out(&change(ChangeKind::Created, &[]), &routes).is_empty());
        let mut other = change(ChangeKind::Created, &[]);
        other.portal = PortalId(2);
        let routes = [route(vec![subscription(
            1,
            EventType::Creation,
            None,
            true,
        )])];
        assert!(fan_out(&other, &routes).is_empty());
    }

    #[test]
    fn a_change_made_before_a_subscription_was_activated_is_not_sent() {
        let mut late = subscription(1, EventType::Creation, None, true);
        late.updated_at = Timestamp::from_stored(1_700_000_000_001);
        let routes = [route(vec![late])];
        assert!(fan_out(&change(ChangeKind::Created, &[]), &routes).is_empty());
        let mut early = subscription(1, EventType::Creation, None, true);
        early.updated_at = Timestamp::from_stored(1_700_000_000_000);
        assert_eq!(
            fan_out(&change(ChangeKind::Created, &[]), &[route(vec![early])]).len(),
            1
        );
    }

    #[test]
    fn batches_hold_100_events_per_lane_in_order_with_unique_ids() {
        let routes = [route(vec![
            subscription(1, EventType::Creation, None, true),
            subscription(2, EventType::PropertyChange, Some("email"), true),
        ])];
        let changes: Vec<OutboxEvent> = (1..=120)
            .map(|n| {
                let mut c = change(ChangeKind::Created, &[("email", "x@y.z")]);
                c.id = n;
                c.contact = ContactId(n * 10); // all in lane 0 of 10
                c
            })
            .collect();
        let batches = plan_batches(&changes, &routes);
        assert_eq!(batches.len(), 3);
        assert_eq!(
            batches.iter().map(|b| b.events.len()).collect::<Vec<_>>(),
            [100, 100, 40]
        );
        assert!(batches
            .iter()
            .all(|b| b.lane == 0 && b.url == "http://localhost/hook"));
        let ids: Vec<i64> = batches
            .iter()
            .flat_map(|b| b.events.iter().map(|e| e.event_id))
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ids, "unique and in commit order");
        assert_eq!(ids[0], EVENTS_PER_CHANGE);
        assert_eq!(ids[1], EVENTS_PER_CHANGE + 1);
    }

    #[test]
    fn a_privacy_deletion_is_also_a_deletion() {
        let routes = [route(vec![
            subscription(1, EventType::Deletion, None, true),
            subscription(2, EventType::PrivacyDeletion, None, true),
        ])];
        let events = fan_out(&change(ChangeKind::PrivacyDeleted, &[]), &routes);
        let types: Vec<&str> = events
            .iter()
            .map(|e| e.event.subscription_type.as_str())
            .collect();
        assert_eq!(types, ["contact.privacyDeletion", "contact.deletion"]);
    }

    #[test]
    fn a_merge_carries_its_ids() {
        let routes = [route(vec![subscription(1, EventType::Merge, None, true)])];
        let mut merge = change(ChangeKind::Merged, &[]);
        merge.merge = Some(MergeDetails {
            primary: ContactId(23),
            merged: vec![ContactId(24), ContactId(5)],
            properties_moved: 2,
        });
        let events = fan_out(&merge, &routes);
        let json = serde_json::to_value(&events[0].event).unwrap();
        assert_eq!(json["primaryObjectId"], 23);
        assert_eq!(json["mergedObjectIds"], serde_json::json!([24, 5]));
        assert_eq!(json["newObjectId"], 23);
        assert_eq!(json["numberOfPropertiesMoved"], 2);
        assert!(json.get("propertyName").is_none());
    }
}
