//! What a contact's value of a property is, for search: the one meaning
//! every search engine (the in-memory index, PostgreSQL's terms, the plain
//! evaluation) starts from.

use super::tokens::tokens;
use crate::contact::Contact;
use crate::property::{PropertyDefinition, PropertyType};
use crate::time::{parse_date, Timestamp};

/// What one contact contributes to one property's index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entries {
    /// Exact values: lowercase text, an enumeration's options, `true` or
    /// `false`.
    pub texts: Vec<String>,
    /// Numbers, and dates and datetimes as ms since the epoch.
    pub numbers: Vec<f64>,
    /// Words of text values ([`super::tokens::tokens`]).
    pub tokens: Vec<String>,
}

/// The entries of property `def` for `contact`, per the property's type;
/// `None` when the contact has no value (or the property is
/// `hs_object_id`, which is the id itself).
pub fn entries(def: &PropertyDefinition, contact: &Contact) -> Option<Entries> {
    let mut e = Entries::default();
    match def.name.as_str() {
        "hs_object_id" => return None,
        "createdate" => e.numbers.push(contact.created_at.millis() as f64),
        "lastmodifieddate" => e.numbers.push(contact.updated_at.millis() as f64),
        name => {
            return Some(value_entries(
                def.property_type,
                contact.properties.get(name)?,
            ))
        }
    }
    Some(e)
}

/// The entries of one stored value of a property of type `property_type`
/// (a contact's current value, or one of its history).
pub fn value_entries(property_type: PropertyType, value: &str) -> Entries {
    let mut e = value_entries_untokenized(property_type, value);
    if matches!(
        property_type,
        PropertyType::String | PropertyType::PhoneNumber
    ) {
        e.tokens = tokens(value);
    }
    e
}

/// [`value_entries`] without the words of text values (which only search
/// needs): what list filters compare.
pub fn value_entries_untokenized(property_type: PropertyType, value: &str) -> Entries {
    let mut e = Entries::default();
    match property_type {
        PropertyType::String | PropertyType::PhoneNumber => {
            e.texts.push(value.to_lowercase());
        }
        PropertyType::Enumeration => {
            e.texts = value
                .split(';')
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect();
        }
        PropertyType::Bool => e.texts.push(value.to_string()),
        PropertyType::Number => e.numbers.extend(value.parse::<f64>().ok()),
        PropertyType::Date => {
            e.numbers
                .extend(parse_date(value).map(|d| Timestamp::from_date(d).millis() as f64));
        }
        PropertyType::Datetime => {
            e.numbers
                .extend(Timestamp::parse_iso(value).map(|t| t.millis() as f64));
        }
    }
    e
}
