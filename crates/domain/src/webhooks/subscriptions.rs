//! An app's webhook settings and subscriptions, and the rules HubSpot
//! checks when they are written.

use crate::ids::AppId;
use crate::time::Timestamp;
use crate::{Error, Result};

/// The events a contact subscription can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    Creation,
    Deletion,
    PropertyChange,
    Merge,
    Restore,
    PrivacyDeletion,
    /// Accepted, as at HubSpot; Spoke has no associations yet, so it never
    /// fires.
    AssociationChange,
}

impl EventType {
    pub const ALL: [EventType; 7] = [
        EventType::Creation,
        EventType::Deletion,
        EventType::PropertyChange,
        EventType::Merge,
        EventType::Restore,
        EventType::PrivacyDeletion,
        EventType::AssociationChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Creation => "contact.creation",
            EventType::Deletion => "contact.deletion",
            EventType::PropertyChange => "contact.propertyChange",
            EventType::Merge => "contact.merge",
            EventType::Restore => "contact.restore",
            EventType::PrivacyDeletion => "contact.privacyDeletion",
            EventType::AssociationChange => "contact.associationChange",
        }
    }

    pub fn parse(text: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Properties HubSpot does not let a subscription watch.
const UNWATCHABLE: [&str; 2] = ["hs_lastmodifieddate", "num_unique_conversion_events"];

/// Where and how fast an app's events are sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub app: AppId,
    pub target_url: String,
    pub max_concurrent_requests: u32,
    /// `SECONDLY` or `ROLLING_MINUTE`, when the app gave one.
    pub period: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub const MIN_CONCURRENCY: i64 = 5;
pub const MAX_CONCURRENCY: i64 = 100;

impl Settings {
    /// Checks a `PUT .../settings` body's values.
    pub fn check(target_url: &str, max_concurrent: i64, period: Option<&str>) -> Result<()> {
        check_target_url(target_url)?;
        if !(MIN_CONCURRENCY..=MAX_CONCURRENCY).contains(&max_concurrent) {
            return Err(Error::invalid_field(
                "throttling.maxConcurrentRequests",
                format!(
                    "throttling.maxConcurrentRequests must be between {MIN_CONCURRENCY} and {MAX_CONCURRENCY}, got {max_concurrent}."
                ),
            ));
        }
        if let Some(period) = period {
            if period != "SECONDLY" && period != "ROLLING_MINUTE" {
                return Err(Error::invalid_field(
                    "throttling.period",
                    format!(
                        "throttling.period must be SECONDLY or ROLLING_MINUTE, got '{period}'."
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A target URL must be an absolute http(s) URL with a host.
pub fn check_target_url(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(host) if !host.is_empty() && !url.chars().any(char::is_whitespace) => Ok(()),
        _ => Err(Error::invalid_field(
            "targetUrl",
            format!("targetUrl must be an absolute http or https URL, got '{url}'."),
        )),
    }
}

/// A subscription to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubscription {
    pub event_type: EventType,
    pub property_name: Option<String>,
    pub active: bool,
}

impl NewSubscription {
    /// Checks a `POST .../subscriptions` body. `property_exists` tells
    /// whether the portal schema knows the property (any portal's: an app's
    /// subscription applies to every portal that installs it, so only the
    /// built-in schema is checked by the caller).
    pub fn parse(
        event_type: &str,
        property_name: Option<&str>,
        active: bool,
        property_exists: impl Fn(&str) -> bool,
    ) -> Result<NewSubscription> {
        let Some(kind) = EventType::parse(event_type) else {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            return Err(Error::invalid_field(
                "eventType",
                format!(
                    "Unsupported eventType '{event_type}'. Spoke serves contacts; one of: {}.",
                    known.join(", ")
                ),
            ));
        };
        let property = property_name.map(str::trim).filter(|p| !p.is_empty());
        match (kind, property) {
            (EventType::PropertyChange, None) => Err(Error::invalid_field(
                "propertyName",
                "A contact.propertyChange subscription needs a propertyName.",
            )),
            (EventType::PropertyChange, Some(p)) if UNWATCHABLE.contains(&p) => {
                Err(Error::invalid_field(
                    "propertyName",
                    format!("Property '{p}' cannot be subscribed to for changes."),
                ))
            }
            (EventType::PropertyChange, Some(p)) if !property_exists(p) => {
                Err(Error::invalid_field(
                    "propertyName",
                    format!("Property '{p}' does not exist for contacts."),
                ))
            }
            (EventType::PropertyChange, Some(p)) => Ok(NewSubscription {
                event_type: kind,
                property_name: Some(p.to_string()),
                active,
            }),
            (_, Some(_)) => Err(Error::invalid_field(
                "propertyName",
                format!(
                    "propertyName is only allowed for contact.propertyChange, not {}.",
                    kind.as_str()
                ),
            )),
            (_, None) => Ok(NewSubscription {
                event_type: kind,
                property_name: None,
                active,
            }),
        }
    }
}

/// One subscription of an app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub app: AppId,
    pub event_type: EventType,
    pub property_name: Option<String>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(p: &str) -> bool {
        p == "email" || p == "favorite_color"
    }

    #[test]
    fn event_types_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("deal.creation"), None);
    }

    #[test]
    fn property_change_needs_an_existing_watchable_property() {
        assert!(NewSubscription::parse("contact.propertyChange", None, true, exists).is_err());
        assert!(
            NewSubscription::parse("contact.propertyChange", Some("nope"), true, exists).is_err()
        );
        assert!(NewSubscription::parse(
            "contact.propertyChange",
            Some("hs_lastmodifieddate"),
            true,
            |_| true
        )
        .is_err());
        let ok = NewSubscription::parse(
            "contact.propertyChange",
            Some("favorite_color"),
            false,
            exists,
        )
        .unwrap();
        assert_eq!(ok.property_name.as_deref(), Some("favorite_color"));
        assert!(!ok.active);
        assert!(NewSubscription::parse("contact.creation", Some("email"), true, exists).is_err());
        assert!(NewSubscription::parse("contact.creation", None, true, exists).is_ok());
    }

    #[test]
    fn settings_check_urls_and_concurrency() {
        assert!(Settings::check("http://localhost:8080/hook", 10, None).is_ok());
        assert!(Settings::check("https://example.com", 5, Some("SECONDLY")).is_ok());
        assert!(Settings::check("ftp://example.com/x", 10, None).is_err());
        assert!(Settings::check("https://", 10, None).is_err());
        assert!(Settings::check("not a url", 10, None).is_err());
        assert!(Settings::check("https://example.com", 4, None).is_err());
        assert!(Settings::check("https://example.com", 101, None).is_err());
        assert!(Settings::check("https://example.com", 10, Some("HOURLY")).is_err());
    }
}
