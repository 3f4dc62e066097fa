//! What a merge writes on the surviving contact.

use super::Contact;
use std::collections::BTreeMap;

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
    use crate::ids::ContactId;
    use crate::time::Timestamp;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms).unwrap()
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
}
