//! Identifying values: what makes a contact findable by value, and unique
//! within a portal.

use super::{ContactState, StoredContact};
use crate::property::PropertySchema;
use std::collections::BTreeMap;

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

/// The properties whose values can hold an identity of `property`: an
/// email is also found among additional emails.
pub fn properties_holding(property: &str) -> Vec<String> {
    let mut names = vec![property.to_string()];
    if property == "email" {
        names.push("hs_additional_emails".into());
    }
    names
}

/// The most recently created archived contact among `rows` whose values
/// hold `key` of `property` (archived contacts hold no identities, so they
/// are found by their values).
pub fn newest_archived_holding<'a>(
    rows: impl IntoIterator<Item = &'a StoredContact>,
    schema: &PropertySchema,
    property: &str,
    key: &str,
) -> Option<&'a StoredContact> {
    rows.into_iter()
        .filter(|row| row.state == ContactState::Archived)
        .filter(|row| {
            identities(schema, &row.contact.properties)
                .iter()
                .any(|i| i.property == property && i.key == key)
        })
        .max_by_key(|row| row.contact.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::Contact;
    use crate::ids::ContactId;
    use crate::time::Timestamp;

    fn with(id: i64, props: &[(&str, &str)]) -> Contact {
        Contact {
            id: ContactId(id),
            properties: props
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            created_at: Timestamp::from_stored(0),
            updated_at: Timestamp::from_stored(0),
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
}
