//! Contacts, the changes written to them, and their property history.
//!
//! The rules of every contact write live here too ([`plan`]): a store reads
//! the rows a write needs, the planner decides what changes, and the store
//! persists that.

mod history;
mod identity;
mod merge;
pub mod plan;
mod rows;

pub use history::property_history;
pub use identity::{identities, newest_archived_holding, properties_holding, unique_key, Identity};
pub use merge::merged_values;
pub use rows::{ContactState, StoredContact};

use crate::ids::ContactId;
use crate::property::standard::CALCULATED_PROPERTIES;
use crate::time::Timestamp;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A contact as stored: its own property values plus the envelope.
/// `createdate`, `lastmodifieddate` and `hs_object_id` are derived from the
/// envelope, never stored twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    /// Set values only, keyed by property name.
    pub properties: BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set when the contact is archived (HubSpot's soft delete).
    pub archived_at: Option<Timestamp>,
}

impl Contact {
    pub fn archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// A property's current value, calculated properties included.
    pub fn value(&self, name: &str) -> Option<Cow<'_, str>> {
        match name {
            "hs_object_id" => Some(Cow::Owned(self.id.to_string())),
            "createdate" => Some(Cow::Owned(self.created_at.to_iso())),
            "lastmodifieddate" => Some(Cow::Owned(self.updated_at.to_iso())),
            _ => self.properties.get(name).map(|v| Cow::Borrowed(v.as_str())),
        }
    }

    /// Every set value, calculated properties included, sorted by name.
    pub fn values(&self) -> BTreeMap<&str, Cow<'_, str>> {
        let mut all: BTreeMap<&str, Cow<'_, str>> = self
            .properties
            .iter()
            .map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str())))
            .collect();
        for name in CALCULATED_PROPERTIES {
            if let Some(value) = self.value(name) {
                all.insert(name, value);
            }
        }
        all
    }

    pub fn email(&self) -> Option<&str> {
        self.properties.get("email").map(String::as_str)
    }

    /// The contact's additional (v1: secondary) emails, in the order they
    /// were added.
    pub fn additional_emails(&self) -> Vec<String> {
        self.properties
            .get("hs_additional_emails")
            .map(|v| {
                v.split(';')
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Validated property values of one write: `None` clears a property.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PropertyChanges(BTreeMap<String, Option<String>>);

impl PropertyChanges {
    pub fn set(&mut self, name: String, value: Option<String>) {
        self.0.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<&Option<String>> {
        self.0.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Option<String>)> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Who or what made a change (`sourceType`, `sourceId`, `sourceLabel`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeSource {
    pub source_type: String,
    pub source_id: Option<String>,
    pub source_label: Option<String>,
    pub updated_by_user_id: Option<i64>,
}

impl ChangeSource {
    /// A write through the public API with a private-app token.
    pub fn api() -> ChangeSource {
        ChangeSource {
            source_type: "API".into(),
            source_id: None,
            source_label: None,
            updated_by_user_id: None,
        }
    }

    /// A value Spoke computed itself.
    pub fn calculated() -> ChangeSource {
        ChangeSource {
            source_type: "CALCULATED".into(),
            ..ChangeSource::api()
        }
    }
}

/// One write to a contact.
#[derive(Clone, Debug)]
pub struct ContactWrite {
    pub changes: PropertyChanges,
    pub source: ChangeSource,
    pub at: Timestamp,
}

/// What happened to a contact, as recorded in the outbox for webhooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    PropertiesChanged,
    Archived,
    Restored,
    Merged,
    PrivacyDeleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::PropertiesChanged => "properties_changed",
            ChangeKind::Archived => "archived",
            ChangeKind::Restored => "restored",
            ChangeKind::Merged => "merged",
            ChangeKind::PrivacyDeleted => "privacy_deleted",
        }
    }
}

/// One recorded write to a contact: what its history is made of.
/// A cleared value is recorded as `""`, as HubSpot shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedChange {
    pub kind: ChangeKind,
    pub at: Timestamp,
    pub source: ChangeSource,
    pub values: BTreeMap<String, String>,
}

/// One historical value of a property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyVersion {
    pub value: String,
    pub timestamp: Timestamp,
    pub source: ChangeSource,
}

/// Versions per property, newest first.
pub type PropertyHistory = BTreeMap<String, Vec<PropertyVersion>>;

/// How to find one contact: by id, or by the value of an identifying
/// property (email or a `hasUniqueValue` property).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactLookup {
    Id(ContactId),
    Unique { property: String, key: String },
}

impl std::fmt::Display for ContactLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContactLookup::Id(id) => write!(f, "with id {id}"),
            ContactLookup::Unique { property, key } => write!(f, "with {property} \"{key}\""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap()
    }

    #[test]
    fn calculated_values_come_from_the_envelope() {
        let contact = Contact {
            id: ContactId(3),
            properties: BTreeMap::new(),
            created_at: at(0),
            updated_at: at(1),
            archived_at: None,
        };
        let values = contact.values();
        assert_eq!(values["hs_object_id"], "3");
        assert_eq!(values["lastmodifieddate"], "1970-01-01T00:00:00.001Z");
        assert_eq!(values.len(), 3);
    }
}
