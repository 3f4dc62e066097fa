//! The plain evaluation against the in-memory index, over random contacts
//! and random searches: the two must agree on every total and every page.

use super::*;
use crate::property::{standard, FieldType, PropertyDefinition, PropertyOption, PropertyType};
use crate::search::request::{FilterInput, SearchInput, SortInput};
use crate::search::SearchIndex;
use crate::time::Timestamp;
use std::collections::BTreeMap;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn schema() -> PropertySchema {
    let mut defs = standard::contact_properties();
    defs.push(PropertyDefinition::new(
        "score",
        "Score",
        PropertyType::Number,
        FieldType::Number,
    ));
    defs.push(PropertyDefinition::new(
        "birthday",
        "Birthday",
        PropertyType::Date,
        FieldType::Date,
    ));
    defs.push(PropertyDefinition::new(
        "flag",
        "Flag",
        PropertyType::Bool,
        FieldType::Booleancheckbox,
    ));
    let mut tags = PropertyDefinition::new(
        "tags",
        "Tags",
        PropertyType::Enumeration,
        FieldType::Checkbox,
    );
    tags.options = ["red", "green", "blue"]
        .iter()
        .map(|v| PropertyOption {
            label: v.to_string(),
            value: v.to_string(),
            description: String::new(),
            display_order: 0,
            hidden: false,
        })
        .collect();
    defs.push(tags);
    PropertySchema::new(defs)
}

const NAMES: [&str; 6] = ["Ann", "anna", "Bob", "Zoë", "Mary Jo", "O'Brien"];
const CITIES: [&str; 4] = ["Oslo", "oslo", "New York", "São Paulo"];
const DOMAINS: [&str; 3] = ["hubspot.com", "example.com", "x.org"];

fn contact(rng: &mut Rng, id: i64) -> Contact {
    let mut p = BTreeMap::new();
    let mut put = |rng: &mut Rng, name: &str, value: String| {
        if rng.chance(75) {
            p.insert(name.to_string(), value);
        }
    };
    let name = rng.pick(&NAMES);
    let values = [
        ("firstname", name.to_string()),
        (
            "email",
            format!(
                "{}.{id}@{}",
                name.to_lowercase().replace(['ë', ' ', '\''], ""),
                rng.pick(&DOMAINS)
            ),
        ),
        ("city", rng.pick(&CITIES).to_string()),
        ("score", format!("{}", rng.below(7) as i64 - 2)),
        (
            "birthday",
            format!("2024-0{}-1{}", 1 + rng.below(3), rng.below(3)),
        ),
        (
            "flag",
            if rng.chance(50) { "true" } else { "false" }.to_string(),
        ),
    ];
    for (name, value) in values {
        put(rng, name, value);
    }
    let tags: Vec<&str> = ["red", "green", "blue"]
        .into_iter()
        .filter(|_| rng.chance(40))
        .collect();
    if !tags.is_empty() {
        p.insert("tags".into(), tags.join(";"));
    }
    Contact {
        id: ContactId(id),
        properties: p,
        created_at: Timestamp::from_millis(1_000 * (id / 3)).unwrap(),
        updated_at: Timestamp::from_millis(1_000 * ((id * 7) % 11)).unwrap(),
        archived_at: None,
    }
}

fn filter(rng: &mut Rng) -> FilterInput {
    let (property, values): (&str, &[&str]) = match rng.below(9) {
        0 => (
            "firstname",
            &[
                "ann", "ANNA", "bob", "jo", "zoë", "o'brien", "mary jo", "mary j*",
            ],
        ),
        1 => (
            "email",
            &["*@hubspot.com", "ann*", "*nn*", "x", "anna.3@x.org"],
        ),
        2 => (
            "city",
            &["oslo", "new", "york", "são paulo", "p*", "new y*"],
        ),
        3 => ("score", &["-2", "0", "1.0", "3"]),
        4 => ("birthday", &["2024-01-10", "2024-02-11", "1706745600000"]),
        5 => ("flag", &["true", "false"]),
        6 => ("tags", &["red", "green", "blue"]),
        7 => ("createdate", &["0", "2000", "5000"]),
        _ => ("hs_object_id", &["1", "4", "9"]),
    };
    let text_like = matches!(property, "firstname" | "email" | "city" | "tags");
    let mut ops = vec![
        "EQ",
        "NEQ",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
    ];
    if text_like {
        ops.extend(["CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"]);
    }
    let op = rng.pick(&ops);
    let mut f = FilterInput {
        property_name: Some(property.into()),
        operator: Some(op.into()),
        ..FilterInput::default()
    };
    match op {
        "IN" | "NOT_IN" => {
            f.values = Some(
                (0..1 + rng.below(2))
                    .map(|_| rng.pick(values).to_string())
                    .collect(),
            )
        }
        "BETWEEN" => {
            f.value = Some(rng.pick(values).to_string());
            f.high_value = Some(rng.pick(values).to_string());
        }
        "HAS_PROPERTY" | "NOT_HAS_PROPERTY" => {}
        _ => f.value = Some(rng.pick(values).to_string()),
    }
    f
}

#[test]
fn the_plain_evaluation_agrees_with_the_index() {
    let schema = schema();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let contacts: Vec<Contact> = (1..=60).map(|id| contact(&mut rng, id)).collect();
    let mut index = SearchIndex::new();
    for c in &contacts {
        index.add(c, &schema);
    }
    let mut checked = 0;
    for _ in 0..1_500 {
        let groups = (0..rng.below(4))
            .map(|_| (0..1 + rng.below(3)).map(|_| filter(&mut rng)).collect())
            .collect();
        let sorts = if rng.chance(50) {
            let property = rng.pick(&[
                "firstname",
                "score",
                "birthday",
                "tags",
                "createdate",
                "lastmodifieddate",
                "city",
                "flag",
            ]);
            vec![SortInput {
                property_name: property.into(),
                descending: rng.chance(50),
            }]
        } else {
            Vec::new()
        };
        let input = SearchInput {
            filter_groups: groups,
            sorts,
            query: rng
                .chance(20)
                .then(|| rng.pick(&["an", "oslo", "hub", "x"]).to_string()),
            limit: Some(1 + rng.below(30) as i64),
            after: Some(rng.below(20).to_string()),
        };
        let Ok(request) = SearchRequest::validate(&input, &schema) else {
            continue;
        };
        let hits = index.search(&request);
        let matched: Vec<Contact> = contacts
            .iter()
            .filter(|c| matches(&request, c, &schema))
            .cloned()
            .collect();
        let ordered = sort_ids(&matched, request.sort.as_ref(), &schema);
        let page: Vec<ContactId> = ordered
            .iter()
            .skip(request.offset)
            .take(request.limit)
            .copied()
            .collect();
        assert_eq!(hits.total, matched.len() as u64, "{input:?}");
        assert_eq!(hits.ids, page, "{input:?}");
        checked += 1;
    }
    assert!(checked > 700, "only {checked} searches were valid");
}
