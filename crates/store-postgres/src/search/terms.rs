//! A contact's search terms, kept in `contacts.terms` (a tsvector with a
//! GIN index), and the tsquery text that finds them.
//!
//! Every term is `{portal}/{property}{kind}{text}`, taken verbatim (no
//! stemming, no parsing) from the domain's entries of the contact's values
//! ([`spoke_domain::search::entries`]):
//! - `=` an exact value (lowercase text, an enumeration option, `true`);
//! - `~` a word of a text value, unless it is the whole value (a value of
//!   one word has its `=` term only: searches for a word look for both);
//! - `#` a number (dates and datetimes in ms), in Rust's shortest form.
//!
//! Whether a contact has a value of a property is read from its values
//! (`properties ? name`), not kept as a term: fewer terms per contact make
//! every write cheaper.
//!
//! The portal comes first so that a term names one portal's contacts.
//! `createdate` and `lastmodifieddate` are columns, not terms. Terms are
//! capped in length (PostgreSQL's limit is 2,046 bytes): a longer value is
//! cut at [`MAX_TERM_BYTES`], and a search for such a value is checked
//! against the stored values afterwards.

use spoke_domain::contact::Contact;
use spoke_domain::ids::PortalId;
use spoke_domain::property::PropertySchema;
use spoke_domain::search::entries;

/// Longest text kept in one term.
pub(crate) const MAX_TERM_BYTES: usize = 1_000;

/// What a term says of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Exact,
    Word,
    Number,
}

impl Kind {
    fn mark(self) -> char {
        match self {
            Kind::Exact => '=',
            Kind::Word => '~',
            Kind::Number => '#',
        }
    }
}

/// One term, and whether it holds its text whole (false when cut).
pub(crate) fn term(portal: PortalId, property: &str, kind: Kind, text: &str) -> (String, bool) {
    let (text, whole) = if text.len() > MAX_TERM_BYTES {
        let mut end = MAX_TERM_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        (&text[..end], false)
    } else {
        (text, true)
    };
    (format!("{portal}/{property}{}{text}", kind.mark()), whole)
}

/// The prefix of every term of one kind of one property.
pub(crate) fn prefix(portal: PortalId, property: &str, kind: Kind) -> String {
    format!("{portal}/{property}{}", kind.mark())
}

/// A number as its term text.
pub(crate) fn number_text(n: f64) -> String {
    format!("{n}")
}

/// The tsvector input text of every term of an active contact, written
/// at once (this is on the path of every contact write).
pub(crate) fn contact_tsvector(
    portal: PortalId,
    contact: &Contact,
    schema: &PropertySchema,
) -> String {
    let mut out = String::with_capacity(64 * contact.properties.len());
    let mut add = |property: &str, kind: Kind, text: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        let (t, _) = term(portal, property, kind, text);
        push_quoted(&mut out, &t);
    };
    for name in contact.properties.keys() {
        let Some(def) = schema.get(name) else {
            continue;
        };
        if matches!(
            name.as_str(),
            "createdate" | "lastmodifieddate" | "hs_object_id"
        ) {
            continue;
        }
        let Some(e) = entries(def, contact) else {
            continue;
        };
        for text in &e.texts {
            add(name, Kind::Exact, text);
        }
        for word in &e.tokens {
            if !e.texts.iter().any(|t| t == word) {
                add(name, Kind::Word, word);
            }
        }
        for n in &e.numbers {
            add(name, Kind::Number, &number_text(*n));
        }
    }
    out
}

/// Every term of an active contact, read back from its tsvector text.
#[cfg(test)]
pub(crate) fn contact_terms(
    portal: PortalId,
    contact: &Contact,
    schema: &PropertySchema,
) -> Vec<String> {
    let text = contact_tsvector(portal, contact, schema);
    let mut terms = Vec::new();
    let mut current: Option<String> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (None, '\'') => current = Some(String::new()),
            (Some(t), '\'') if chars.peek() == Some(&'\'') => {
                chars.next();
                t.push('\'');
            }
            (Some(t), '\\') => t.extend(chars.next()),
            (Some(_), '\'') => terms.extend(current.take()),
            (Some(t), c) => t.push(c),
            (None, _) => {}
        }
    }
    terms
}

/// The numbers of an active contact's properties (not its timestamps), for
/// `contact_numbers`: ranges and sorting.
pub(crate) fn contact_numbers(contact: &Contact, schema: &PropertySchema) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for name in contact.properties.keys() {
        let Some(def) = schema.get(name) else {
            continue;
        };
        if matches!(
            name.as_str(),
            "createdate" | "lastmodifieddate" | "hs_object_id"
        ) {
            continue;
        }
        if let Some(e) = entries(def, contact) {
            out.extend(e.numbers.iter().map(|n| (name.clone(), *n)));
        }
    }
    out
}

/// A term quoted for tsvector and tsquery input: in single quotes, with
/// quotes doubled and backslashes escaped, so any text stays one lexeme.
pub(crate) fn quoted(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    push_quoted(&mut out, term);
    out
}

fn push_quoted(out: &mut String, term: &str) {
    out.push('\'');
    for c in term.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
}

#[cfg(test)]
mod tests {
    use super::*;
    use spoke_domain::ids::ContactId;
    use spoke_domain::property::standard;
    use spoke_domain::time::Timestamp;
    use std::collections::BTreeMap;

    #[test]
    fn terms_name_portal_property_and_kind() {
        let schema = PropertySchema::new(standard::contact_properties());
        let contact = Contact {
            id: ContactId(3),
            properties: BTreeMap::from([
                ("firstname".to_string(), "Mary Jo".to_string()),
                ("lifecyclestage".to_string(), "lead".to_string()),
            ]),
            created_at: Timestamp::from_stored(0),
            updated_at: Timestamp::from_stored(0),
            archived_at: None,
        };
        let terms = contact_terms(PortalId(7), &contact, &schema);
        for expected in [
            "7/firstname=mary jo",
            "7/firstname~mary",
            "7/firstname~jo",
            "7/lifecyclestage=lead",
        ] {
            assert!(
                terms.iter().any(|t| t == expected),
                "{expected} in {terms:?}"
            );
        }
        assert_eq!(terms.len(), 4, "{terms:?}");
        let one_word = Contact {
            properties: BTreeMap::from([("city".to_string(), "Oslo".to_string())]),
            ..contact.clone()
        };
        assert_eq!(
            contact_terms(PortalId(7), &one_word, &schema),
            ["7/city=oslo"],
            "a value of one word has no word term"
        );
        let quoting = Contact {
            properties: BTreeMap::from([("city".to_string(), "O'Slo\\x".to_string())]),
            ..contact
        };
        assert_eq!(
            contact_terms(PortalId(7), &quoting, &schema),
            ["7/city=o'slo\\x", "7/city~o", "7/city~slo", "7/city~x"],
            "quotes and backslashes survive"
        );
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let text = "é".repeat(MAX_TERM_BYTES);
        let (t, whole) = term(PortalId(1), "notes", Kind::Exact, &text);
        assert!(!whole);
        assert!(t.len() <= MAX_TERM_BYTES + "1/notes=".len());
        let (_, whole) = term(PortalId(1), "notes", Kind::Exact, "short");
        assert!(whole);
    }

    #[test]
    fn quoting_keeps_any_text_one_lexeme() {
        assert_eq!(quoted("a'b\\c d"), "'a''b\\\\c d'");
    }
}
