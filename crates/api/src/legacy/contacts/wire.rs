//! The v1 contact shape: kebab-case keys, every property value a string
//! inside `{value, versions}`, ms-epoch timestamps, identity profiles and
//! merge audits; and the v1 request forms.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use spoke_domain::contact::{Contact, PropertyHistory, PropertyVersion};
use spoke_domain::crm::{lead_guid, profile_token};
use spoke_domain::ids::PortalId;
use spoke_domain::property::{InputValue, PropertySchema, PropertyType};
use spoke_domain::store::MergeAudit;
use spoke_domain::time::{parse_date, Timestamp};
use std::collections::BTreeMap;

/// Properties the list endpoints return when none are named (HubSpot's
/// `lists/all/contacts/all` returns these four, empty ones as `""`).
pub const LIST_DEFAULT_PROPERTIES: [&str; 4] =
    ["firstname", "lastmodifieddate", "company", "lastname"];

/// `{"property": "email", "value": "a@b.c"}` (some clients say `name`).
#[derive(Deserialize)]
pub struct PropertyValue {
    #[serde(alias = "name")]
    pub property: String,
    #[serde(default)]
    pub value: Value,
}

/// A v1 write body: `{"properties": [...]}`.
#[derive(Deserialize)]
pub struct PropertiesBody {
    #[serde(default)]
    pub properties: Vec<PropertyValue>,
}

/// Values as the domain takes them; a later entry for a property wins.
pub fn input_values(properties: Vec<PropertyValue>) -> Vec<(String, InputValue)> {
    let mut out: Vec<(String, InputValue)> = Vec::with_capacity(properties.len());
    for p in properties {
        let value = match p.value {
            Value::Null => InputValue::Null,
            Value::String(s) => InputValue::Text(s),
            Value::Number(n) => InputValue::Number(n.to_string()),
            Value::Bool(b) => InputValue::Bool(b),
            Value::Array(_) | Value::Object(_) => InputValue::Structured,
        };
        out.retain(|(name, _)| *name != p.property);
        out.push((p.property, value));
    }
    out
}

/// A value as v1 gives it: dates and datetimes as ms-epoch strings.
pub fn v1_value(schema: &PropertySchema, name: &str, value: &str) -> String {
    let millis = match schema.get_including_archived(name).map(|d| d.property_type) {
        Some(PropertyType::Datetime) => Timestamp::parse_iso(value).map(Timestamp::millis),
        Some(PropertyType::Date) => parse_date(value).map(|d| Timestamp::from_date(d).millis()),
        _ => None,
    };
    millis.map_or_else(|| value.to_string(), |ms| ms.to_string())
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct V1Version {
    pub value: String,
    pub source_type: String,
    pub source_id: Option<String>,
    pub source_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by_user_id: Option<i64>,
    pub timestamp: i64,
    pub selected: bool,
}

#[derive(Serialize)]
pub struct V1Property {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<V1Version>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct V1Identity {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub value: String,
    pub timestamp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_primary: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_secondary: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct V1IdentityProfile {
    pub vid: i64,
    pub saved_at_timestamp: i64,
    pub deleted_changed_timestamp: i64,
    pub identities: Vec<V1Identity>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct V1MergeAudit {
    pub canonical_vid: i64,
    pub vid_to_merge: i64,
    pub timestamp: i64,
    pub entity_id: String,
    pub user_id: Option<i64>,
    pub num_properties_moved: u32,
}

/// The v1 contact.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct V1Contact {
    /// In listings: when the contact entered the list (its creation, or
    /// the time a recent listing orders by).
    #[serde(rename = "addedAt", skip_serializing_if = "Option::is_none")]
    pub added_at: Option<i64>,
    pub vid: i64,
    pub canonical_vid: i64,
    pub merged_vids: Vec<i64>,
    pub portal_id: i64,
    pub is_contact: bool,
    pub profile_token: String,
    pub profile_url: String,
    pub properties: BTreeMap<String, V1Property>,
    pub form_submissions: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_memberships: Option<Vec<Value>>,
    pub identity_profiles: Vec<V1IdentityProfile>,
    pub merge_audits: Vec<V1MergeAudit>,
}

/// Which properties a v1 response carries.
#[derive(Clone, Debug)]
pub enum V1Selection {
    /// Every property with a value.
    AllSet,
    /// The list endpoints' default four, `""` when unset.
    ListDefaults,
    /// The named properties that have a value.
    Named(Vec<String>),
}

impl V1Selection {
    /// The names whose history a value-and-history response needs.
    pub fn names(&self, contact: &Contact) -> Vec<String> {
        match self {
            V1Selection::AllSet => contact.values().keys().map(|k| k.to_string()).collect(),
            V1Selection::ListDefaults => LIST_DEFAULT_PROPERTIES
                .iter()
                .map(|n| n.to_string())
                .collect(),
            V1Selection::Named(names) => names.clone(),
        }
    }
}

/// Everything a v1 contact is built from.
pub struct V1Parts<'a> {
    pub portal: PortalId,
    pub schema: &'a PropertySchema,
    pub selection: &'a V1Selection,
    pub history: Option<&'a PropertyHistory>,
    pub audits: &'a [MergeAudit],
    /// The contact's `list-memberships`, when the response shows them.
    pub list_memberships: Option<&'a [Value]>,
    pub added_at: Option<i64>,
    /// `http://host` of the request, for `profile-url`.
    pub base: &'a str,
}

fn version(schema: &PropertySchema, name: &str, v: &PropertyVersion) -> V1Version {
    V1Version {
        value: v1_value(schema, name, &v.value),
        source_type: v.source.source_type.clone(),
        source_id: v.source.source_id.clone(),
        source_label: v.source.source_label.clone(),
        updated_by_user_id: v.source.updated_by_user_id,
        timestamp: v.timestamp.millis(),
        selected: false,
    }
}

impl V1Contact {
    pub fn new(contact: &Contact, parts: &V1Parts<'_>) -> V1Contact {
        let schema = parts.schema;
        let active = |name: &str| schema.get(name).is_some();
        let mut properties = BTreeMap::new();
        for name in parts.selection.names(contact) {
            if !active(&name) {
                continue;
            }
            let value = match contact.value(&name) {
                Some(v) => v1_value(schema, &name, &v),
                None if matches!(parts.selection, V1Selection::ListDefaults) => String::new(),
                None => continue,
            };
            let versions = parts.history.map(|h| {
                h.get(&name)
                    .map(|vs| vs.iter().map(|v| version(schema, &name, v)).collect())
                    .unwrap_or_default()
            });
            properties.insert(name, V1Property { value, versions });
        }
        let vid = contact.id.0;
        let merged: Vec<i64> = parts.audits.iter().map(|a| a.merged.0).collect();
        V1Contact {
            added_at: parts.added_at,
            vid,
            canonical_vid: vid,
            // HubSpot lists the canonical vid with the vids merged into it.
            merged_vids: if merged.is_empty() {
                Vec::new()
            } else {
                std::iter::once(vid).chain(merged).collect()
            },
            portal_id: parts.portal.0,
            is_contact: true,
            profile_token: profile_token(parts.portal, contact.id),
            profile_url: format!("{}/contacts/v1/contact/vid/{vid}/profile", parts.base),
            properties,
            form_submissions: Vec::new(),
            list_memberships: parts.list_memberships.map(<[Value]>::to_vec),
            identity_profiles: identity_profiles(parts.portal, contact, parts.audits),
            merge_audits: parts
                .audits
                .iter()
                .map(|a| V1MergeAudit {
                    canonical_vid: a.into.0,
                    vid_to_merge: a.merged.0,
                    timestamp: a.at.millis(),
                    entity_id: String::new(),
                    user_id: None,
                    num_properties_moved: a.properties_moved,
                })
                .collect(),
        }
    }
}

/// The contact's own identities: its email (primary), its secondary
/// emails, and its lead GUID.
pub fn own_identities(portal: PortalId, contact: &Contact) -> Vec<V1Identity> {
    let at = contact.created_at.millis();
    let mut out = Vec::new();
    if let Some(email) = contact.email() {
        out.push(V1Identity {
            kind: "EMAIL",
            value: email.to_string(),
            timestamp: at,
            is_primary: Some(true),
            is_secondary: None,
        });
    }
    out.push(V1Identity {
        kind: "LEAD_GUID",
        value: lead_guid(portal, contact.id),
        timestamp: at,
        is_primary: None,
        is_secondary: None,
    });
    for email in contact.additional_emails() {
        out.push(V1Identity {
            kind: "EMAIL",
            value: email,
            timestamp: contact.updated_at.millis(),
            is_primary: None,
            is_secondary: Some(true),
        });
    }
    out
}

/// One profile for the contact, and one per contact merged into it.
fn identity_profiles(
    portal: PortalId,
    contact: &Contact,
    audits: &[MergeAudit],
) -> Vec<V1IdentityProfile> {
    let mut out = vec![V1IdentityProfile {
        vid: contact.id.0,
        saved_at_timestamp: contact.updated_at.millis(),
        deleted_changed_timestamp: 0,
        identities: own_identities(portal, contact),
    }];
    for audit in audits {
        out.push(V1IdentityProfile {
            vid: audit.merged.0,
            saved_at_timestamp: audit.at.millis(),
            deleted_changed_timestamp: 0,
            identities: vec![V1Identity {
                kind: "LEAD_GUID",
                value: lead_guid(portal, audit.merged),
                timestamp: audit.at.millis(),
                is_primary: None,
                is_secondary: None,
            }],
        });
    }
    out
}

/// The `identityProfile` of a 409 CONTACT_EXISTS body (camelCase there).
pub fn conflict_profile(portal: PortalId, contact: &Contact) -> Value {
    let identities: Vec<Value> = own_identities(portal, contact)
        .into_iter()
        .map(|i| {
            let mut v = serde_json::json!({
                "value": i.value,
                "type": i.kind,
                "timestamp": i.timestamp,
            });
            if i.is_primary == Some(true) {
                v["isPrimary"] = true.into();
            }
            if i.is_secondary == Some(true) {
                v["isSecondary"] = true.into();
            }
            v
        })
        .collect();
    serde_json::json!({
        "vid": contact.id.0,
        "identity": identities,
        "linkedVid": [],
        "isContact": true,
        "savedAtTimestamp": contact.updated_at.millis(),
        "deletedChangedTimestamp": 0,
    })
}

/// v1 write bodies under random JSON: never a panic, and the values the
/// domain gets name each property once, with the last value given for it.
#[cfg(test)]
mod parse_never_panics {
    use super::*;
    use proptest::prelude::*;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<f64>().prop_map(|f| serde_json::json!(f)),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            "[a-z]{0,6}".prop_map(Value::String),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("properties".to_string()),
                        Just("property".to_string()),
                        Just("name".to_string()),
                        Just("value".to_string()),
                        "[a-z]{1,5}",
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn check(body: Value) {
        let Ok(body) = serde_json::from_value::<PropertiesBody>(body) else {
            return;
        };
        let last: BTreeMap<String, Value> = body
            .properties
            .iter()
            .map(|p| (p.property.clone(), p.value.clone()))
            .collect();
        let values = input_values(body.properties);
        assert_eq!(values.len(), last.len());
        for (name, value) in &values {
            let given = &last[name];
            let expected = match given {
                Value::Null => InputValue::Null,
                Value::String(s) => InputValue::Text(s.clone()),
                Value::Number(n) => InputValue::Number(n.to_string()),
                Value::Bool(b) => InputValue::Bool(*b),
                _ => InputValue::Structured,
            };
            assert_eq!(format!("{value:?}"), format!("{expected:?}"), "{name}");
        }
    }

    proptest! {
        #[test]
        fn v1_bodies_never_panic(body in json()) {
            check(body);
        }

        #[test]
        fn v1_property_lists_keep_the_last_value(
            pairs in prop::collection::vec(("[a-c]{1,2}", json()), 0..8)
        ) {
            let properties: Vec<Value> = pairs
                .into_iter()
                .map(|(property, value)| serde_json::json!({"property": property, "value": value}))
                .collect();
            check(serde_json::json!({ "properties": properties }));
        }
    }

    #[test]
    fn the_kept_corpus_never_panics() {
        let corpus: Vec<Value> =
            serde_json::from_str(include_str!("../../../tests/corpus/v1-bodies.json")).unwrap();
        assert!(corpus.len() >= 10);
        for body in corpus {
            check(body);
        }
    }
}
