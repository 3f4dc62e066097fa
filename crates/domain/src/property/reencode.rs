//! Stored values when a property's definition changes type: each value is
//! rewritten in the form the new definition requires, or the change is
//! refused, naming values that would not survive.

use super::rules::reencode_value;
use super::PropertyDefinition;
use crate::contact::{unique_key, StoredContact};
use crate::error::{Error, Result};
use crate::ids::ContactId;
use std::collections::{BTreeMap, HashMap};

/// How many refused values a failed type change quotes.
const QUOTED_FAILURES: usize = 3;

/// One contact's values after a definition change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRewrite {
    pub contact: ContactId,
    /// Every value of the contact, after.
    pub properties: BTreeMap<String, String>,
    /// For an active contact holding a unique value of the property: its
    /// key before, and after (`None` when the value is gone).
    pub unique: Option<(String, Option<String>)>,
}

/// The rewrites `def` (the changed definition) requires of `rows` (every
/// contact holding a value of the property). Nothing is to be written when
/// this fails.
pub fn reencode_stored_values(
    def: &PropertyDefinition,
    rows: &[StoredContact],
) -> Result<Vec<ValueRewrite>> {
    let mut failures = Vec::new();
    let mut rewrites = Vec::new();
    // The holder of each unique key after the change.
    let mut holders: HashMap<String, ContactId> = HashMap::new();
    for row in rows {
        let contact = &row.contact;
        let Some(old) = contact.properties.get(&def.name) else {
            continue;
        };
        let new = match reencode_value(def, old) {
            Ok(new) => new,
            Err(problem) => {
                failures.push(format!("contact {}: {}", contact.id, problem.message));
                continue;
            }
        };
        let unique = (def.has_unique_value && row.is_active())
            .then(|| (unique_key(old), new.as_deref().map(unique_key)));
        if let Some((_, Some(key))) = &unique {
            if let Some(other) = holders.insert(key.clone(), contact.id) {
                return Err(Error::invalid_field(
                    "type",
                    format!(
                        "Property \"{}\" cannot change type: contacts {other} and {} would both hold the unique value \"{}\".",
                        def.name,
                        contact.id,
                        new.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        let unique_changed = unique.as_ref().is_some_and(|(a, b)| Some(a) != b.as_ref());
        if new.as_deref() == Some(old.as_str()) && !unique_changed {
            continue;
        }
        let mut properties = contact.properties.clone();
        match new {
            Some(value) => properties.insert(def.name.clone(), value),
            None => properties.remove(&def.name),
        };
        rewrites.push(ValueRewrite {
            contact: contact.id,
            properties,
            unique: unique.filter(|(a, b)| Some(a) != b.as_ref()),
        });
    }
    if !failures.is_empty() {
        let quoted: Vec<&str> = failures
            .iter()
            .take(QUOTED_FAILURES)
            .map(String::as_str)
            .collect();
        return Err(Error::invalid_field(
            "type",
            format!(
                "Property \"{}\" cannot change to type \"{}\" with field type \"{}\": {} stored value(s) would not survive, e.g. {}.",
                def.name,
                def.property_type.as_str(),
                def.field_type.as_str(),
                failures.len(),
                quoted.join("; ")
            ),
        ));
    }
    Ok(rewrites)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::{Contact, ContactState};
    use crate::property::{FieldType, PropertyType};
    use crate::time::Timestamp;

    fn row(id: i64, value: &str, state: ContactState) -> StoredContact {
        StoredContact {
            contact: Contact {
                id: ContactId(id),
                properties: BTreeMap::from([("level".to_string(), value.to_string())]),
                created_at: Timestamp::from_stored(0),
                updated_at: Timestamp::from_stored(0),
                archived_at: None,
            },
            state,
            merged_into: None,
        }
    }

    fn number(unique: bool) -> PropertyDefinition {
        let mut def =
            PropertyDefinition::new("level", "Level", PropertyType::Number, FieldType::Number);
        def.has_unique_value = unique;
        def
    }

    #[test]
    fn values_are_rewritten_or_the_change_refused() {
        let rows = [
            row(1, "7.50", ContactState::Active),
            row(2, "3", ContactState::Archived),
        ];
        let rewrites = reencode_stored_values(&number(false), &rows).unwrap();
        assert_eq!(rewrites.len(), 1, "\"3\" needs no rewrite");
        assert_eq!(rewrites[0].properties["level"], "7.5");
        let rows = [row(1, "high", ContactState::Active)];
        let err = reencode_stored_values(&number(false), &rows).unwrap_err();
        assert!(
            err.to_string()
                .contains("1 stored value(s) would not survive"),
            "{err}"
        );
    }

    #[test]
    fn unique_values_move_with_their_encoding_and_may_not_collide() {
        let rows = [
            row(1, "7.50", ContactState::Active),
            row(2, "7.5", ContactState::Archived),
        ];
        let rewrites = reencode_stored_values(&number(true), &rows).unwrap();
        assert_eq!(
            rewrites[0].unique,
            Some(("7.50".into(), Some("7.5".into())))
        );
        assert_eq!(
            rewrites.len(),
            1,
            "the archived one holds no identity and keeps its form"
        );
        let rows = [
            row(1, "7.50", ContactState::Active),
            row(2, "7.5", ContactState::Active),
        ];
        let err = reencode_stored_values(&number(true), &rows).unwrap_err();
        assert!(err.to_string().contains("would both hold"), "{err}");
    }
}
