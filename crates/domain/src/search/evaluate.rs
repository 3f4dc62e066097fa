//! A search evaluated against one contact at a time, with the same meaning
//! as the in-memory index: what a store that cannot answer a filter
//! exactly (PostgreSQL, for a text range or a wildcard in the middle of a
//! token) checks its candidates with, and what lists evaluate a contact
//! against when it is written.

use super::entries::{entries, Entries};
use super::request::{Bound, Filter, Predicate, SearchRequest, Sort, Term, SEARCHABLE_PROPERTIES};
use super::tokens::wildcard_match;
use crate::contact::Contact;
use crate::ids::ContactId;
use crate::property::PropertySchema;
use std::cmp::Ordering;

/// Whether `contact` (an active contact) matches the search's filter
/// groups and every word of its query.
pub fn matches(request: &SearchRequest, contact: &Contact, schema: &PropertySchema) -> bool {
    let grouped = request.groups.is_empty()
        || request.groups.iter().any(|group| {
            group
                .iter()
                .all(|f| filter_matches(f, contact, schema) != f.negated)
        });
    grouped
        && request
            .query_words
            .iter()
            .all(|word| query_word_matches(word, contact, schema))
}

/// Whether the contact satisfies the filter's predicate (negation aside).
pub fn filter_matches(filter: &Filter, contact: &Contact, schema: &PropertySchema) -> bool {
    if filter.property == "hs_object_id" {
        return object_id_matches(&filter.predicate, contact.id);
    }
    let Some(entries) = schema
        .get(&filter.property)
        .and_then(|def| entries(def, contact))
    else {
        return false;
    };
    match &filter.predicate {
        Predicate::Equals(term) => equal(&entries, term),
        Predicate::AnyOf(terms) => terms.iter().any(|t| equal(&entries, t)),
        Predicate::Range(low, high) => in_range(&entries, low, high),
        Predicate::Exists => true,
        Predicate::Token(pattern) => token_matches(&entries, pattern),
    }
}

fn equal(entries: &Entries, term: &Term) -> bool {
    match term {
        Term::Text(t) => entries.texts.iter().any(|x| x == t),
        Term::Number(n) => entries
            .numbers
            .iter()
            .any(|x| x.total_cmp(n) == Ordering::Equal),
    }
}

fn within<T: PartialOrd + ?Sized>(
    value: &T,
    low: Option<(&T, bool)>,
    high: Option<(&T, bool)>,
) -> bool {
    let above = match low {
        None => true,
        Some((l, inclusive)) => value > l || (inclusive && value == l),
    };
    let below = match high {
        None => true,
        Some((h, inclusive)) => value < h || (inclusive && value == h),
    };
    above && below
}

/// A bound as (value, inclusive), `None` when unbounded; `Err` when the
/// bound is of the other kind (text for a number or the reverse).
fn text_bound(bound: &Bound) -> Result<Option<(&str, bool)>, ()> {
    match bound {
        Bound::Unbounded => Ok(None),
        Bound::Included(Term::Text(t)) => Ok(Some((t, true))),
        Bound::Excluded(Term::Text(t)) => Ok(Some((t, false))),
        _ => Err(()),
    }
}

fn number_bound(bound: &Bound) -> Result<Option<(f64, bool)>, ()> {
    match bound {
        Bound::Unbounded => Ok(None),
        Bound::Included(Term::Number(n)) => Ok(Some((*n, true))),
        Bound::Excluded(Term::Number(n)) => Ok(Some((*n, false))),
        _ => Err(()),
    }
}

fn in_range(entries: &Entries, low: &Bound, high: &Bound) -> bool {
    let texts = match (text_bound(low), text_bound(high)) {
        (Ok(l), Ok(h)) => entries.texts.iter().any(|t| within(t.as_str(), l, h)),
        _ => false,
    };
    let numbers = match (number_bound(low), number_bound(high)) {
        (Ok(l), Ok(h)) => entries.numbers.iter().any(|n| {
            let l = l.map(|(v, inclusive)| (Num(v), inclusive));
            let h = h.map(|(v, inclusive)| (Num(v), inclusive));
            within(
                &Num(*n),
                l.as_ref().map(|(v, i)| (v, *i)),
                h.as_ref().map(|(v, i)| (v, *i)),
            )
        }),
        _ => false,
    };
    texts || numbers
}

/// A number with the index's total order.
#[derive(Clone, Copy, Debug)]
struct Num(f64);

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0) == Ordering::Equal
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.0.total_cmp(&other.0))
    }
}

/// A token pattern matches a word of the value or the whole value; `*`
/// matches any run of characters.
fn token_matches(entries: &Entries, pattern: &str) -> bool {
    let candidates = || entries.tokens.iter().chain(entries.texts.iter());
    let stars = pattern.matches('*').count();
    let body = pattern.trim_matches('*');
    if stars == 0 {
        candidates().any(|t| t == pattern)
    } else if stars == 1 && pattern.ends_with('*') {
        candidates().any(|t| t.starts_with(body))
    } else if stars == 1 && pattern.starts_with('*') && body.starts_with('@') {
        entries.tokens.iter().any(|t| t == body)
    } else {
        candidates().any(|t| wildcard_match(pattern, t))
    }
}

/// `hs_object_id` filters compare ids (the index holds 32-bit ids).
fn object_id_matches(predicate: &Predicate, id: ContactId) -> bool {
    let Ok(id32) = u32::try_from(id.0) else {
        return false;
    };
    let id = f64::from(id32);
    match predicate {
        Predicate::Equals(Term::Number(n)) => *n == id,
        Predicate::AnyOf(terms) => terms
            .iter()
            .any(|t| matches!(t, Term::Number(n) if *n == id)),
        Predicate::Exists => true,
        Predicate::Range(low, high) => {
            let from = match low {
                Bound::Excluded(Term::Number(n)) => n.floor() + 1.0,
                Bound::Included(Term::Number(n)) => n.ceil(),
                _ => 0.0,
            };
            let to = match high {
                Bound::Excluded(Term::Number(n)) => n.ceil() - 1.0,
                Bound::Included(Term::Number(n)) => n.floor(),
                _ => f64::from(u32::MAX),
            };
            from <= id && id <= to
        }
        _ => false,
    }
}

/// One word of the free-text query: a prefix of a word of any searchable
/// property.
fn query_word_matches(word: &str, contact: &Contact, schema: &PropertySchema) -> bool {
    SEARCHABLE_PROPERTIES.iter().any(|name| {
        schema
            .get(name)
            .and_then(|def| entries(def, contact))
            .is_some_and(|e| e.tokens.iter().any(|t| t.starts_with(word)))
    })
}

/// Where a contact sorts by a property: numbers before text (a property has
/// one kind), missing values last.
#[derive(Clone, Debug, PartialEq)]
enum Key {
    Number(f64),
    Text(String),
    Missing,
}

impl Key {
    fn rank(&self) -> u8 {
        match self {
            Key::Number(_) => 0,
            Key::Text(_) => 1,
            Key::Missing => 2,
        }
    }

    fn compare(&self, other: &Key, descending: bool) -> Ordering {
        let by_kind = self.rank().cmp(&other.rank());
        let by_value = match (self, other) {
            (Key::Number(a), Key::Number(b)) => a.total_cmp(b),
            (Key::Text(a), Key::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => Ordering::Equal,
        };
        match (self, other) {
            (Key::Missing, _) | (_, Key::Missing) => by_kind,
            // Numbers before text in either direction, as the index walks.
            _ if descending => by_kind.then(by_value.reverse()),
            _ => by_kind.then(by_value),
        }
    }
}

/// A contact's sort key: the first of its values in the sort's direction
/// (a multi-select enumeration sorts by its lowest option ascending, its
/// highest descending).
fn key(contact: &Contact, sort: &Sort, schema: &PropertySchema) -> Key {
    let Some(e) = schema
        .get(&sort.property)
        .and_then(|def| entries(def, contact))
    else {
        return Key::Missing;
    };
    let pick_number = |a: &f64, b: &f64| a.total_cmp(b);
    let number = if sort.descending {
        e.numbers.iter().max_by(|a, b| pick_number(a, b))
    } else {
        e.numbers.iter().min_by(|a, b| pick_number(a, b))
    };
    if let Some(n) = number {
        return Key::Number(*n);
    }
    let text = if sort.descending {
        e.texts.iter().max()
    } else {
        e.texts.iter().min()
    };
    text.map_or(Key::Missing, |t| Key::Text(t.clone()))
}

/// The ids of matched contacts in the order a search returns them: by id
/// without a sort (creation order), by id for `hs_object_id` and
/// `createdate`, else by the property's values with equal values in id
/// order and contacts without a value last.
pub fn sort_ids(
    contacts: &[Contact],
    sort: Option<&Sort>,
    schema: &PropertySchema,
) -> Vec<ContactId> {
    let mut keyed: Vec<(Key, ContactId)> = match sort {
        Some(s) if !matches!(s.property.as_str(), "hs_object_id" | "createdate") => {
            contacts.iter().map(|c| (key(c, s, schema), c.id)).collect()
        }
        _ => contacts.iter().map(|c| (Key::Missing, c.id)).collect(),
    };
    let descending = sort.is_some_and(|s| s.descending);
    let by_id_only =
        sort.is_none_or(|s| matches!(s.property.as_str(), "hs_object_id" | "createdate"));
    keyed.sort_by(|(ka, a), (kb, b)| {
        if by_id_only {
            if descending {
                b.cmp(a)
            } else {
                a.cmp(b)
            }
        } else {
            ka.compare(kb, descending).then(a.cmp(b))
        }
    });
    keyed.into_iter().map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests;
