//! Property history, folded from a contact's recorded changes.

use super::{ChangeKind, ChangeSource, Contact, PropertyHistory, PropertyVersion, RecordedChange};
use std::borrow::Cow;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ContactId;
    use crate::time::Timestamp;
    use std::collections::BTreeMap;

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
}
