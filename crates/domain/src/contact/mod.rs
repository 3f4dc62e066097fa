//! Contacts, the changes written to them, and their property history.

use crate::ids::ContactId;
use crate::property::standard::CALCULATED_PROPERTIES;
use crate::property::PropertySchema;
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

/// Folds a contact's recorded changes (oldest first) into the history of the
/// properties named, newest version first. Calculated properties get a
/// version for every write that touched them.
pub fn property_history(
    contact: &Contact,
    changes: &[RecordedChange],
    names: &[String],
) -> PropertyHistory {
    let mut history = PropertyHistory::new();
    for name in names {
        let mut versions: Vec<PropertyVersion> = match name.as_str() {
            "createdate" | "hs_object_id" => {
                let value = contact.value(name).map(Cow::into_owned).unwrap_or_default();
                vec![PropertyVersion {
                    value,
                    timestamp: contact.created_at,
                    source: ChangeSource::calculated(),
                }]
            }
            "lastmodifieddate" => changes
                .iter()
                .filter(|c| matches!(c.kind, ChangeKind::Created | ChangeKind::PropertiesChanged))
                .map(|c| PropertyVersion {
                    value: c.at.to_iso(),
                    timestamp: c.at,
                    source: ChangeSource::calculated(),
                })
                .collect(),
            _ => changes
                .iter()
                .filter_map(|c| {
                    c.values.get(name).map(|value| PropertyVersion {
                        value: value.clone(),
                        timestamp: c.at,
                        source: c.source.clone(),
                    })
                })
                .collect(),
        };
        versions.reverse();
        history.insert(name.clone(), versions);
    }
    history
}

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

/// The form identifying values are compared in: lowercase.
pub fn unique_key(value: &str) -> String {
    value.to_lowercase()
}

/// One value that identifies a contact: no other active contact of the
/// portal may hold the same `key` of the same `property`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Identity {
    pub property: String,
    /// Lowercase.
    pub key: String,
    /// As stored, for messages.
    pub value: String,
}

/// The identities of a set of values: its email and every additional email
/// (all as `email`, so an address names one contact whichever it is), and
/// every value of a `hasUniqueValue` property.
pub fn identities(schema: &PropertySchema, properties: &BTreeMap<String, String>) -> Vec<Identity> {
    let mut out = Vec::new();
    for (name, value) in properties {
        if name == "hs_additional_emails" {
            for email in value.split(';').filter(|e| !e.is_empty()) {
                out.push(Identity {
                    property: "email".into(),
                    key: unique_key(email),
                    value: email.to_string(),
                });
            }
        } else if schema
            .get_including_archived(name)
            .is_some_and(|d| d.identifies_contact())
        {
            out.push(Identity {
                property: name.clone(),
                key: unique_key(value),
                value: value.clone(),
            });
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.property == b.property && a.key == b.key);
    out
}

/// What a merge writes on the surviving contact: every value the primary
/// lacks is taken from the secondary; the secondary's email (and its
/// additional emails) become additional emails of the primary, or its email
/// when the primary has none.
pub fn merged_values(primary: &Contact, secondary: &Contact) -> BTreeMap<String, String> {
    let mut changes = BTreeMap::new();
    for (name, value) in &secondary.properties {
        if name != "email"
            && name != "hs_additional_emails"
            && !primary.properties.contains_key(name)
        {
            changes.insert(name.clone(), value.clone());
        }
    }
    let mut additional = primary.additional_emails();
    let mut moved: Vec<String> = secondary.email().into_iter().map(str::to_string).collect();
    moved.extend(secondary.additional_emails());
    let mut primary_email = primary.email().map(str::to_string);
    for email in moved {
        if primary_email.is_none() {
            changes.insert("email".into(), email.clone());
            primary_email = Some(email);
        } else if primary_email.as_deref() != Some(email.as_str()) && !additional.contains(&email) {
            additional.push(email);
        }
    }
    let joined = additional.join(";");
    if primary
        .properties
        .get("hs_additional_emails")
        .map(String::as_str)
        .unwrap_or("")
        != joined
    {
        changes.insert("hs_additional_emails".into(), joined);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap()
    }

    #[test]
    fn history_is_newest_first_and_includes_calculated_properties() {
        let contact = Contact {
            id: ContactId(7),
            properties: BTreeMap::from([("firstname".into(), "B".into())]),
            created_at: at(1000),
            updated_at: at(2000),
            archived_at: None,
        };
        let change = |kind, ms, values: &[(&str, &str)]| RecordedChange {
            kind,
            at: at(ms),
            source: ChangeSource::api(),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let changes = vec![
            change(ChangeKind::Created, 1000, &[("firstname", "A")]),
            change(ChangeKind::PropertiesChanged, 2000, &[("firstname", "B")]),
        ];
        let names: Vec<String> = ["firstname", "lastmodifieddate", "hs_object_id", "lastname"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let history = property_history(&contact, &changes, &names);
        let values =
            |name: &str| -> Vec<String> { history[name].iter().map(|v| v.value.clone()).collect() };
        assert_eq!(values("firstname"), ["B", "A"]);
        assert_eq!(
            values("lastmodifieddate"),
            ["1970-01-01T00:00:02.000Z", "1970-01-01T00:00:01.000Z"]
        );
        assert_eq!(values("hs_object_id"), ["7"]);
        assert!(history["lastname"].is_empty());
    }

    fn with(id: i64, props: &[(&str, &str)]) -> Contact {
        Contact {
            id: ContactId(id),
            properties: props
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            created_at: at(0),
            updated_at: at(0),
            archived_at: None,
        }
    }

    #[test]
    fn identities_are_emails_additional_emails_and_unique_values() {
        let mut defs = crate::property::standard::contact_properties();
        let mut code = crate::property::PropertyDefinition::new(
            "code",
            "Code",
            crate::property::PropertyType::String,
            crate::property::FieldType::Text,
        );
        code.has_unique_value = true;
        defs.push(code);
        let schema = PropertySchema::new(defs);
        let c = with(
            1,
            &[
                ("email", "a@x.co"),
                ("hs_additional_emails", "B@x.co;c@x.co"),
                ("code", "K1"),
                ("firstname", "A"),
            ],
        );
        let keys: Vec<(String, String)> = identities(&schema, &c.properties)
            .into_iter()
            .map(|i| (i.property, i.key))
            .collect();
        assert_eq!(
            keys,
            [
                ("code".to_string(), "k1".to_string()),
                ("email".to_string(), "a@x.co".to_string()),
                ("email".to_string(), "b@x.co".to_string()),
                ("email".to_string(), "c@x.co".to_string()),
            ]
        );
    }

    #[test]
    fn a_merge_keeps_the_primary_values_and_collects_emails() {
        let primary = with(1, &[("email", "p@x.co"), ("firstname", "P")]);
        let secondary = with(
            2,
            &[
                ("email", "s@x.co"),
                ("firstname", "S"),
                ("city", "Oslo"),
                ("hs_additional_emails", "s2@x.co"),
            ],
        );
        let changes = merged_values(&primary, &secondary);
        assert_eq!(changes.get("city").map(String::as_str), Some("Oslo"));
        assert!(!changes.contains_key("firstname"));
        assert_eq!(
            changes.get("hs_additional_emails").map(String::as_str),
            Some("s@x.co;s2@x.co")
        );
        let no_email = with(3, &[("firstname", "N")]);
        let changes = merged_values(&no_email, &secondary);
        assert_eq!(changes.get("email").map(String::as_str), Some("s@x.co"));
        assert_eq!(
            changes.get("hs_additional_emails").map(String::as_str),
            Some("s2@x.co")
        );
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
