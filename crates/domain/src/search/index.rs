//! An in-memory inverted index of one portal's active contacts.
//!
//! Per property: the exact values (lowercase for text, the option for
//! enumerations, a number for numbers, dates and datetimes in ms), in order
//! for ranges and sorting; the tokens of text values, in order for prefix
//! patterns; and the set of contacts that have a value. Every posting list
//! is a roaring bitmap of contact ids (or a single id), so AND, OR and NOT
//! of any filters cost microseconds to a millisecond at a million contacts.
//!
//! Contact ids are dense and allocated in creation order with a creation
//! time that never decreases within a portal, so ascending id order is also
//! `createdate` order: the default sort, and a `createdate` sort, are the
//! bitmap's own order.

use super::entries::{entries, Entries};
use super::request::{Bound, Filter, Predicate, SearchRequest, Sort, Term, SEARCHABLE_PROPERTIES};
use super::tokens::wildcard_match;
use crate::contact::plan::RowChange;
use crate::contact::Contact;
use crate::ids::ContactId;
use crate::property::{PropertyDefinition, PropertySchema};
use crate::store::RecentBy;
use crate::time::Timestamp;
use roaring::RoaringBitmap;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound as Edge;

/// A number with a total order (the index never holds NaN).
#[derive(Clone, Copy, Debug)]
struct Num(f64);

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Num {}
impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The contacts holding one value or token. Most values of unique-ish
/// properties (emails, phones) belong to one contact: no bitmap for those.
#[derive(Clone, Debug)]
enum Postings {
    One(u32),
    /// Boxed: most postings hold one id, and the enum stays 16 bytes.
    Many(Box<RoaringBitmap>),
}

impl Postings {
    fn insert(&mut self, id: u32) {
        match self {
            Postings::One(existing) if *existing == id => {}
            Postings::One(existing) => {
                let bitmap: RoaringBitmap = [*existing, id].into_iter().collect();
                *self = Postings::Many(Box::new(bitmap));
            }
            Postings::Many(bitmap) => {
                bitmap.insert(id);
            }
        }
    }

    /// Removes `id`; true when nothing is left.
    fn remove(&mut self, id: u32) -> bool {
        match self {
            Postings::One(existing) => *existing == id,
            Postings::Many(bitmap) => {
                bitmap.remove(id);
                match bitmap.len() {
                    0 => true,
                    1 => {
                        let last = bitmap.min().unwrap_or(id);
                        *self = Postings::One(last);
                        false
                    }
                    _ => false,
                }
            }
        }
    }

    fn first(&self) -> u32 {
        match self {
            Postings::One(id) => *id,
            Postings::Many(bitmap) => bitmap.min().unwrap_or(0),
        }
    }

    fn last(&self) -> u32 {
        match self {
            Postings::One(id) => *id,
            Postings::Many(bitmap) => bitmap.max().unwrap_or(0),
        }
    }

    fn add_to(&self, out: &mut RoaringBitmap) {
        match self {
            Postings::One(id) => {
                out.insert(*id);
            }
            Postings::Many(bitmap) => *out |= bitmap.as_ref(),
        }
    }
}

fn post<K: Ord>(map: &mut BTreeMap<K, Postings>, key: K, id: u32) {
    map.entry(key)
        .and_modify(|p| p.insert(id))
        .or_insert(Postings::One(id));
}

fn unpost<K: Ord>(map: &mut BTreeMap<K, Postings>, key: &K, id: u32) {
    if map.get_mut(key).is_some_and(|p| p.remove(id)) {
        map.remove(key);
    }
}

/// [`post`] for text keys: looks up by `&str` and allocates the key only
/// when it is new.
fn post_text(map: &mut BTreeMap<Box<str>, Postings>, key: &str, id: u32) {
    match map.get_mut(key) {
        Some(p) => p.insert(id),
        None => {
            map.insert(key.into(), Postings::One(id));
        }
    }
}

fn unpost_text(map: &mut BTreeMap<Box<str>, Postings>, key: &str, id: u32) {
    if map.get_mut(key).is_some_and(|p| p.remove(id)) {
        map.remove(key);
    }
}

#[derive(Default)]
struct PropertyIndex {
    present: RoaringBitmap,
    texts: BTreeMap<Box<str>, Postings>,
    numbers: BTreeMap<Num, Postings>,
    tokens: BTreeMap<Box<str>, Postings>,
}

/// One page of a search: the total and the ids of the page, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHits {
    pub total: u64,
    pub ids: Vec<ContactId>,
}

/// The index of one portal.
#[derive(Default)]
pub struct SearchIndex {
    /// Every active contact.
    all: RoaringBitmap,
    properties: HashMap<String, PropertyIndex>,
}

/// Contact ids in the index are 32-bit; the store allocates no larger ones.
fn slot(id: ContactId) -> Option<u32> {
    u32::try_from(id.0).ok()
}

/// The active definitions a contact has index entries under: the
/// timestamps every contact has, and each of `names` (its set values) that
/// is an active property. Names are distinct, so no entry is made twice.
fn indexed<'a>(
    schema: &'a PropertySchema,
    names: impl Iterator<Item = &'a String> + 'a,
) -> impl Iterator<Item = &'a PropertyDefinition> + 'a {
    ["createdate", "lastmodifieddate"]
        .into_iter()
        .filter_map(|name| schema.get(name))
        .chain(
            names
                .filter(|name| !matches!(name.as_str(), "createdate" | "lastmodifieddate"))
                .filter_map(|name| schema.get(name)),
        )
}

impl SearchIndex {
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// Number of active contacts indexed.
    pub fn len(&self) -> u64 {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    fn apply(&mut self, name: &str, e: &Entries, id: u32, add: bool) {
        let index = match self.properties.get_mut(name) {
            Some(index) => index,
            None => self.properties.entry(name.to_string()).or_default(),
        };
        for text in &e.texts {
            if add {
                post_text(&mut index.texts, text, id);
            } else {
                unpost_text(&mut index.texts, text, id);
            }
        }
        for n in &e.numbers {
            if add {
                post(&mut index.numbers, Num(*n), id);
            } else {
                unpost(&mut index.numbers, &Num(*n), id);
            }
        }
        for token in &e.tokens {
            if add {
                post_text(&mut index.tokens, token, id);
            } else {
                unpost_text(&mut index.tokens, token, id);
            }
        }
        if add {
            index.present.insert(id);
        } else {
            index.present.remove(id);
        }
    }

    /// Indexes an active contact.
    pub fn add(&mut self, contact: &Contact, schema: &PropertySchema) {
        let Some(id) = slot(contact.id) else { return };
        self.all.insert(id);
        for def in indexed(schema, contact.properties.keys()) {
            if let Some(e) = entries(def, contact) {
                self.apply(&def.name, &e, id, true);
            }
        }
    }

    /// Removes a contact (archived, merged away or deleted).
    pub fn remove(&mut self, contact: &Contact, schema: &PropertySchema) {
        let Some(id) = slot(contact.id) else { return };
        self.all.remove(id);
        for def in indexed(schema, contact.properties.keys()) {
            if let Some(e) = entries(def, contact) {
                self.apply(&def.name, &e, id, false);
            }
        }
    }

    /// Re-indexes the properties whose values changed.
    pub fn replace(&mut self, old: &Contact, new: &Contact, schema: &PropertySchema) {
        let Some(id) = slot(new.id) else { return };
        let names: BTreeSet<&String> = old.properties.keys().chain(new.properties.keys()).collect();
        for def in indexed(schema, names.into_iter()) {
            let before = entries(def, old);
            let after = entries(def, new);
            if before == after {
                continue;
            }
            if let Some(e) = before {
                self.apply(&def.name, &e, id, false);
            }
            if let Some(e) = after {
                self.apply(&def.name, &e, id, true);
            }
        }
    }

    /// Applies the row changes of a committed write: contacts that became
    /// active are added, changed ones re-indexed, archived, merged or
    /// deleted ones removed.
    pub fn apply_rows<'a>(
        &mut self,
        rows: impl IntoIterator<Item = &'a RowChange>,
        schema: &PropertySchema,
    ) {
        for change in rows {
            match (change.active_before(), change.active_after()) {
                (None, Some(c)) => self.add(c, schema),
                (Some(a), Some(b)) => self.replace(a, b, schema),
                (Some(a), None) => self.remove(a, schema),
                (None, None) => {}
            }
        }
    }

    /// Active contacts newest first by creation or modification time (then
    /// highest id first), after the position `before`: a contact at an
    /// earlier time, or at the same time with a lower id.
    pub fn recent(
        &self,
        by: RecentBy,
        before: Option<(Timestamp, ContactId)>,
        limit: usize,
    ) -> Vec<ContactId> {
        let name = match by {
            RecentBy::Created => "createdate",
            RecentBy::Modified => "lastmodifieddate",
        };
        let Some(index) = self.properties.get(name).filter(|_| limit > 0) else {
            return Vec::new();
        };
        let upper = match before {
            Some((at, _)) => Edge::Included(Num(at.millis() as f64)),
            None => Edge::Unbounded,
        };
        let mut out = Vec::with_capacity(limit.min(1024));
        for (time, postings) in index.numbers.range((Edge::Unbounded, upper)).rev() {
            // At the time of `before`, only lower ids come after it.
            let below: Option<i64> = match before {
                Some((at, id)) if Num(at.millis() as f64) == *time => Some(id.0),
                _ => None,
            };
            let mut take = |id: u32| {
                if below.is_none_or(|b| i64::from(id) < b) {
                    out.push(ContactId(id.into()));
                }
                out.len() >= limit
            };
            let full = match postings {
                Postings::One(id) => take(*id),
                Postings::Many(bitmap) => bitmap.iter().rev().any(&mut take),
            };
            if full {
                break;
            }
        }
        out
    }

    /// Forgets an archived property's entries.
    pub fn drop_property(&mut self, name: &str) {
        self.properties.remove(name);
    }

    /// Answers a validated search.
    pub fn search(&self, request: &SearchRequest) -> SearchHits {
        let mut matched = if request.groups.is_empty() {
            self.all.clone()
        } else {
            let mut any = RoaringBitmap::new();
            for group in &request.groups {
                any |= self.group(group);
            }
            any
        };
        for word in &request.query_words {
            if matched.is_empty() {
                break;
            }
            matched &= self.query_word(word);
        }
        SearchHits {
            total: matched.len(),
            ids: self.page(
                &matched,
                request.sort.as_ref(),
                request.offset,
                request.limit,
            ),
        }
    }

    /// Contacts matching every filter of a group: positive filters narrow,
    /// then negated ones subtract.
    fn group(&self, filters: &[Filter]) -> RoaringBitmap {
        let mut acc: Option<RoaringBitmap> = None;
        for filter in filters.iter().filter(|f| !f.negated) {
            let matching = self.matching(filter);
            let narrowed = match acc {
                None => matching,
                Some(a) => a & matching,
            };
            if narrowed.is_empty() {
                return narrowed;
            }
            acc = Some(narrowed);
        }
        let mut acc = acc.unwrap_or_else(|| self.all.clone());
        for filter in filters.iter().filter(|f| f.negated) {
            acc -= self.matching(filter);
        }
        acc
    }

    /// Contacts matching a filter's predicate (ignoring negation).
    fn matching(&self, filter: &Filter) -> RoaringBitmap {
        if filter.property == "hs_object_id" {
            return self.object_ids(&filter.predicate);
        }
        if filter.property == "createdate" {
            if let Predicate::Range(low, high) = &filter.predicate {
                return self.created_between(low, high);
            }
        }
        let Some(index) = self.properties.get(&filter.property) else {
            return RoaringBitmap::new();
        };
        let mut out = RoaringBitmap::new();
        match &filter.predicate {
            Predicate::Equals(term) => index.equal(term, &mut out),
            Predicate::AnyOf(terms) => {
                for term in terms {
                    index.equal(term, &mut out);
                }
            }
            Predicate::Range(low, high) => index.range(low, high, &mut out),
            Predicate::Exists => out = index.present.clone(),
            Predicate::Token(pattern) => index.token(pattern, &mut out),
        }
        out
    }

    /// `hs_object_id` filters work on ids directly.
    fn object_ids(&self, predicate: &Predicate) -> RoaringBitmap {
        let id = |t: &Term| match t {
            Term::Number(n) if *n >= 0.0 && n.fract() == 0.0 && *n <= u32::MAX as f64 => {
                Some(*n as u32)
            }
            _ => None,
        };
        let mut out = RoaringBitmap::new();
        match predicate {
            Predicate::Equals(t) => out.extend(id(t)),
            Predicate::AnyOf(terms) => out.extend(terms.iter().filter_map(id)),
            Predicate::Exists => return self.all.clone(),
            Predicate::Token(_) => {}
            Predicate::Range(low, high) => {
                let number = |b: &Bound| match b {
                    Bound::Unbounded => None,
                    Bound::Included(Term::Number(n)) | Bound::Excluded(Term::Number(n)) => Some(*n),
                    _ => None,
                };
                let from = match (low, number(low)) {
                    (Bound::Excluded(_), Some(n)) => n.floor() + 1.0,
                    (_, Some(n)) => n.ceil(),
                    _ => 0.0,
                };
                let to = match (high, number(high)) {
                    (Bound::Excluded(_), Some(n)) => n.ceil() - 1.0,
                    (_, Some(n)) => n.floor(),
                    _ => u32::MAX as f64,
                };
                if from <= to {
                    let (from, to) = (from.max(0.0), to.min(u32::MAX as f64));
                    out.insert_range(from as u32..=to as u32);
                }
            }
        }
        out & &self.all
    }

    /// A `createdate` range is an id range: ids are allocated in creation
    /// order and creation times never decrease within a portal, so the
    /// range runs from the first id of its first time to the last id of its
    /// last time.
    fn created_between(&self, low: &Bound, high: &Bound) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        let Some(index) = self.properties.get("createdate") else {
            return out;
        };
        let (Some(l), Some(h)) = (edge_number(low), edge_number(high)) else {
            return out;
        };
        if !sensible(&l, &h) {
            return out;
        }
        let first = index.numbers.range((l, h)).next().map(|(_, p)| p.first());
        let last = index
            .numbers
            .range((l, h))
            .next_back()
            .map(|(_, p)| p.last());
        if let (Some(first), Some(last)) = (first, last) {
            out.insert_range(first..=last);
            out &= &self.all;
        }
        out
    }

    /// One word of the free-text query: a prefix of a token of any
    /// searchable property.
    fn query_word(&self, word: &str) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        for name in SEARCHABLE_PROPERTIES {
            if let Some(index) = self.properties.get(name) {
                prefixed(&index.tokens, word, &mut out);
            }
        }
        out
    }

    /// The ids of one page of `matched`, in the requested order.
    fn page(
        &self,
        matched: &RoaringBitmap,
        sort: Option<&Sort>,
        offset: usize,
        limit: usize,
    ) -> Vec<ContactId> {
        let ids: Vec<u32> = match sort {
            None => matched.iter().skip(offset).take(limit).collect(),
            Some(s) if matches!(s.property.as_str(), "hs_object_id" | "createdate") => {
                if s.descending {
                    matched.iter().rev().skip(offset).take(limit).collect()
                } else {
                    matched.iter().skip(offset).take(limit).collect()
                }
            }
            Some(s) => self.by_property(matched, s, offset, limit),
        };
        ids.into_iter().map(|id| ContactId(id.into())).collect()
    }

    /// Sorted by a property's values (text case-insensitively, numbers
    /// numerically); equal values in id order; contacts without a value
    /// last in either direction.
    fn by_property(
        &self,
        matched: &RoaringBitmap,
        sort: &Sort,
        offset: usize,
        limit: usize,
    ) -> Vec<u32> {
        let wanted = offset + limit;
        let mut out = Vec::with_capacity(limit);
        let mut count = 0usize;
        let mut seen = RoaringBitmap::new();
        let mut emit = |id: u32, out: &mut Vec<u32>| -> bool {
            if seen.insert(id) {
                count += 1;
                if count > offset {
                    out.push(id);
                }
            }
            count >= wanted
        };
        let mut visit = |postings: &Postings, out: &mut Vec<u32>| -> bool {
            match postings {
                Postings::One(id) => matched.contains(*id) && emit(*id, out),
                Postings::Many(bitmap) => {
                    (bitmap.as_ref() & matched).iter().any(|id| emit(id, out))
                }
            }
        };
        if let Some(index) = self.properties.get(&sort.property) {
            let done = if sort.descending {
                index.numbers.values().rev().any(|p| visit(p, &mut out))
                    || index.texts.values().rev().any(|p| visit(p, &mut out))
            } else {
                index.numbers.values().any(|p| visit(p, &mut out))
                    || index.texts.values().any(|p| visit(p, &mut out))
            };
            if done {
                return out;
            }
            let missing = matched - &index.present;
            missing.iter().any(|id| emit(id, &mut out));
        } else {
            matched.iter().any(|id| emit(id, &mut out));
        }
        out
    }
}

/// Adds the postings of every key starting with `prefix`.
fn prefixed(map: &BTreeMap<Box<str>, Postings>, prefix: &str, out: &mut RoaringBitmap) {
    for (key, postings) in map.range::<str, _>((Edge::Included(prefix), Edge::Unbounded)) {
        if !key.starts_with(prefix) {
            break;
        }
        postings.add_to(out);
    }
}

fn edge_text(bound: &Bound) -> Option<Edge<&str>> {
    match bound {
        Bound::Unbounded => Some(Edge::Unbounded),
        Bound::Included(Term::Text(t)) => Some(Edge::Included(t.as_str())),
        Bound::Excluded(Term::Text(t)) => Some(Edge::Excluded(t.as_str())),
        _ => None,
    }
}

fn edge_number(bound: &Bound) -> Option<Edge<Num>> {
    match bound {
        Bound::Unbounded => Some(Edge::Unbounded),
        Bound::Included(Term::Number(n)) => Some(Edge::Included(Num(*n))),
        Bound::Excluded(Term::Number(n)) => Some(Edge::Excluded(Num(*n))),
        _ => None,
    }
}

/// Whether (low, high) is a range `BTreeMap::range` accepts and that can
/// hold anything (it panics on start > end, or start == end both excluded).
fn sensible<T: Ord>(low: &Edge<T>, high: &Edge<T>) -> bool {
    match (low, high) {
        (Edge::Included(a), Edge::Included(b)) => a <= b,
        (Edge::Included(a) | Edge::Excluded(a), Edge::Excluded(b))
        | (Edge::Excluded(a), Edge::Included(b)) => a < b,
        _ => true,
    }
}

impl PropertyIndex {
    fn equal(&self, term: &Term, out: &mut RoaringBitmap) {
        let postings = match term {
            Term::Text(t) => self.texts.get(t.as_str()),
            Term::Number(n) => self.numbers.get(&Num(*n)),
        };
        if let Some(p) = postings {
            p.add_to(out);
        }
    }

    fn range(&self, low: &Bound, high: &Bound, out: &mut RoaringBitmap) {
        if let (Some(l), Some(h)) = (edge_text(low), edge_text(high)) {
            if sensible(&l, &h) {
                for p in self.texts.range::<str, _>((l, h)).map(|(_, p)| p) {
                    p.add_to(out);
                }
            }
        }
        if let (Some(l), Some(h)) = (edge_number(low), edge_number(high)) {
            if sensible(&l, &h) {
                for p in self.numbers.range((l, h)).map(|(_, p)| p) {
                    p.add_to(out);
                }
            }
        }
    }

    /// A token pattern matches a token or the whole value.
    fn token(&self, pattern: &str, out: &mut RoaringBitmap) {
        let stars = pattern.matches('*').count();
        let body = pattern.trim_matches('*');
        if stars == 0 {
            for map in [&self.tokens, &self.texts] {
                if let Some(p) = map.get(pattern) {
                    p.add_to(out);
                }
            }
        } else if stars == 1 && pattern.ends_with('*') {
            prefixed(&self.tokens, body, out);
            prefixed(&self.texts, body, out);
        } else if stars == 1 && pattern.starts_with('*') && body.starts_with('@') {
            // `*@domain`: the value's `@domain` token.
            if let Some(p) = self.tokens.get(body) {
                p.add_to(out);
            }
        } else {
            for map in [&self.tokens, &self.texts] {
                for (key, p) in map {
                    if wildcard_match(pattern, key) {
                        p.add_to(out);
                    }
                }
            }
        }
    }
}

impl PropertyIndex {
    #[cfg(test)]
    fn distinct_texts(&self) -> usize {
        self.texts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::{standard, FieldType, PropertyOption, PropertyType};
    use crate::search::request::{FilterInput, SearchInput, SortInput};

    fn schema() -> PropertySchema {
        let mut defs = standard::contact_properties();
        defs.push(PropertyDefinition::new(
            "score",
            "Score",
            PropertyType::Number,
            FieldType::Number,
        ));
        let mut tags = PropertyDefinition::new(
            "tags",
            "Tags",
            PropertyType::Enumeration,
            FieldType::Checkbox,
        );
        tags.options = ["a", "b", "c"]
            .iter()
            .map(|v| PropertyOption {
                label: v.to_uppercase(),
                value: v.to_string(),
                description: String::new(),
                display_order: 0,
                hidden: false,
            })
            .collect();
        defs.push(tags);
        PropertySchema::new(defs)
    }

    fn contact(id: i64, props: &[(&str, &str)]) -> Contact {
        Contact {
            id: ContactId(id),
            properties: props
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            created_at: Timestamp::from_millis(id * 1000).unwrap(),
            updated_at: Timestamp::from_millis(id * 1000 + 500).unwrap(),
            archived_at: None,
        }
    }

    fn index() -> (SearchIndex, PropertySchema) {
        let schema = schema();
        let mut index = SearchIndex::new();
        for c in [
            contact(
                1,
                &[
                    ("firstname", "John"),
                    ("email", "john@hubspot.com"),
                    ("score", "10"),
                    ("tags", "a;b"),
                ],
            ),
            contact(
                2,
                &[
                    ("firstname", "Johnny"),
                    ("email", "jj@example.com"),
                    ("score", "2.5"),
                ],
            ),
            contact(
                3,
                &[
                    ("firstname", "Mary Jo"),
                    ("lastname", "Smith"),
                    ("score", "-1"),
                    ("tags", "c"),
                ],
            ),
            contact(4, &[("lastname", "Johnson"), ("email", "x@hubspot.com")]),
        ] {
            index.add(&c, &schema);
        }
        (index, schema)
    }

    fn ids(
        index: &SearchIndex,
        schema: &PropertySchema,
        groups: Vec<Vec<FilterInput>>,
    ) -> Vec<i64> {
        let request = SearchRequest::validate(
            &SearchInput {
                filter_groups: groups,
                limit: Some(100),
                ..SearchInput::default()
            },
            schema,
        )
        .unwrap();
        index
            .search(&request)
            .ids
            .into_iter()
            .map(|c| c.0)
            .collect()
    }

    fn f(name: &str, op: &str, value: &str) -> FilterInput {
        FilterInput {
            property_name: Some(name.into()),
            operator: Some(op.into()),
            value: Some(value.into()),
            ..FilterInput::default()
        }
    }

    #[test]
    fn equality_is_case_insensitive_for_text_and_numeric_for_numbers() {
        let (index, schema) = index();
        assert_eq!(
            ids(&index, &schema, vec![vec![f("firstname", "EQ", "JOHN")]]),
            [1]
        );
        assert_eq!(
            ids(&index, &schema, vec![vec![f("score", "EQ", "2.50")]]),
            [2]
        );
        assert_eq!(
            ids(&index, &schema, vec![vec![f("score", "GT", "0")]]),
            [1, 2]
        );
        assert_eq!(
            ids(&index, &schema, vec![vec![f("firstname", "NEQ", "john")]]),
            [2, 3, 4]
        );
    }

    #[test]
    fn tokens_and_wildcards() {
        let (index, schema) = index();
        assert_eq!(
            ids(
                &index,
                &schema,
                vec![vec![f("firstname", "CONTAINS_TOKEN", "jo")]]
            ),
            [3]
        );
        assert_eq!(
            ids(
                &index,
                &schema,
                vec![vec![f("firstname", "CONTAINS_TOKEN", "jo*")]]
            ),
            [1, 2, 3]
        );
        assert_eq!(
            ids(
                &index,
                &schema,
                vec![vec![f("email", "CONTAINS_TOKEN", "*@hubspot.com")]]
            ),
            [1, 4]
        );
        assert_eq!(
            ids(
                &index,
                &schema,
                vec![vec![f("email", "CONTAINS_TOKEN", "*ub*")]]
            ),
            [1, 4]
        );
        assert_eq!(
            ids(
                &index,
                &schema,
                vec![vec![f("tags", "CONTAINS_TOKEN", "b")]]
            ),
            [1]
        );
    }

    #[test]
    fn groups_or_and_filters_and() {
        let (index, schema) = index();
        let groups = vec![
            vec![
                f("firstname", "CONTAINS_TOKEN", "jo*"),
                f("score", "LT", "5"),
            ],
            vec![f("lastname", "EQ", "johnson")],
        ];
        assert_eq!(ids(&index, &schema, groups), [2, 3, 4]);
    }

    #[test]
    fn updates_and_removals_keep_the_index_exact() {
        let (mut index, schema) = index();
        let old = contact(
            2,
            &[
                ("firstname", "Johnny"),
                ("email", "jj@example.com"),
                ("score", "2.5"),
            ],
        );
        let new = contact(2, &[("firstname", "Jim"), ("email", "jj@example.com")]);
        index.replace(&old, &new, &schema);
        assert_eq!(
            ids(&index, &schema, vec![vec![f("firstname", "EQ", "johnny")]]),
            Vec::<i64>::new()
        );
        assert_eq!(
            ids(&index, &schema, vec![vec![f("score", "HAS_PROPERTY", "")]]),
            [1, 3]
        );
        index.remove(
            &contact(
                1,
                &[
                    ("firstname", "John"),
                    ("email", "john@hubspot.com"),
                    ("score", "10"),
                    ("tags", "a;b"),
                ],
            ),
            &schema,
        );
        assert_eq!(index.len(), 3);
        assert_eq!(
            index.properties["tags"].distinct_texts(),
            1,
            "emptied values are dropped"
        );
    }

    #[test]
    fn createdate_ranges_are_id_ranges_over_equal_times() {
        let schema = schema();
        let mut index = SearchIndex::new();
        // Creation times never decrease; batches share a time.
        for (id, ms) in [
            (1, 1000),
            (2, 1000),
            (3, 2000),
            (4, 2000),
            (5, 2000),
            (6, 3500),
        ] {
            let mut c = contact(id, &[]);
            c.created_at = Timestamp::from_millis(ms).unwrap();
            index.add(&c, &schema);
        }
        let mut gone = contact(4, &[]);
        gone.created_at = Timestamp::from_millis(2000).unwrap();
        index.remove(&gone, &schema);
        let between = |lo: &str, hi: &str| {
            let filter = FilterInput {
                property_name: Some("createdate".into()),
                operator: Some("BETWEEN".into()),
                value: Some(lo.into()),
                high_value: Some(hi.into()),
                ..FilterInput::default()
            };
            ids(&index, &schema, vec![vec![filter]])
        };
        assert_eq!(
            between("1000", "2000"),
            [1, 2, 3, 5],
            "archived 4 stays out"
        );
        assert_eq!(between("1001", "3499"), [3, 5]);
        assert_eq!(between("2001", "3499"), Vec::<i64>::new());
        assert_eq!(between("0", "999"), Vec::<i64>::new());
        assert_eq!(between("3500", "9999"), [6]);
        assert_eq!(between("3000", "1000"), Vec::<i64>::new());
        assert_eq!(
            ids(&index, &schema, vec![vec![f("createdate", "LT", "2000")]]),
            [1, 2]
        );
        assert_eq!(
            ids(&index, &schema, vec![vec![f("createdate", "GT", "1000")]]),
            [3, 5, 6]
        );
    }

    #[test]
    fn sorting_by_a_property_puts_missing_values_last() {
        let (index, schema) = index();
        let sorted = |descending| {
            let request = SearchRequest::validate(
                &SearchInput {
                    sorts: vec![SortInput {
                        property_name: "score".into(),
                        descending,
                    }],
                    ..SearchInput::default()
                },
                &schema,
            )
            .unwrap();
            index
                .search(&request)
                .ids
                .into_iter()
                .map(|c| c.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(sorted(false), [3, 2, 1, 4]);
        assert_eq!(sorted(true), [1, 2, 3, 4]);
    }
}
