//! Randomized: search results equal a plain evaluation of the same filters
//! over the same contacts, through creates, updates and archives.
//!
//! The evaluation below is written from HubSpot's documented semantics,
//! independently of Spoke's index: text compares case-insensitively,
//! numbers numerically, dates as ms since the epoch, enumerations exactly;
//! negated operators also match contacts without a value.

use crate::helpers::{spawn, TestApp};
use crate::properties::create_property;
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
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
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FIRST: [&str; 8] = ["Ann", "anna", "Bob", "Cathy", "Dan", "Dana", "Eve", "Zoë"];
const LAST: [&str; 6] = [
    "Lee",
    "Leeds",
    "Smith",
    "Smith-Jones",
    "O'Brien",
    "van Dyke",
];
const CITY: [&str; 5] = ["Oslo", "New York", "oslo", "Paris", "São Paulo"];
const DOMAINS: [&str; 3] = ["hubspot.com", "example.com", "mail.example.org"];
const STAGES: [&str; 4] = ["lead", "customer", "subscriber", "other"];
const TAGS: [&str; 3] = ["red", "green", "blue"];
const DAYS: [&str; 5] = [
    "2023-12-31",
    "2024-01-01",
    "2024-02-29",
    "2024-06-15",
    "2025-01-01",
];

/// A contact's stored values, as Spoke stores them (canonical strings).
type Values = BTreeMap<String, String>;

fn random_values(rng: &mut Rng, n: usize) -> Values {
    let mut v = Values::new();
    let mut maybe = |rng: &mut Rng, name: &str, value: String| {
        if rng.chance(80) {
            v.insert(name.to_string(), value);
        }
    };
    let first = rng.pick(&FIRST);
    maybe(rng, "firstname", first.to_string());
    let last = rng.pick(&LAST).to_string();
    maybe(rng, "lastname", last);
    let domain = rng.pick(&DOMAINS);
    maybe(
        rng,
        "email",
        format!("{}.{n}@{domain}", first.to_lowercase().replace('ë', "e")),
    );
    let city = rng.pick(&CITY).to_string();
    maybe(rng, "city", city);
    let score = match rng.below(4) {
        0 => format!("{}", rng.below(20) as i64 - 5),
        1 => format!("{}.5", rng.below(10)),
        2 => "100".to_string(),
        _ => "-2.5".to_string(),
    };
    maybe(rng, "score", score);
    let day = rng.pick(&DAYS).to_string();
    maybe(rng, "joined", day);
    let vip = if rng.chance(50) { "true" } else { "false" };
    maybe(rng, "vip", vip.to_string());
    let stage = rng.pick(&STAGES).to_string();
    maybe(rng, "lifecyclestage", stage);
    let tags: Vec<&str> = TAGS.iter().copied().filter(|_| rng.chance(40)).collect();
    if !tags.is_empty() {
        maybe(rng, "tags", tags.join(";"));
    }
    v
}

/// A date as ms since the epoch: stored dates are `YYYY-MM-DD`, filter
/// values are already milliseconds.
fn day_millis(day: &str) -> f64 {
    match spoke_domain::time::parse_date(day) {
        Some(d) => spoke_domain::time::Timestamp::from_date(d).millis() as f64,
        None => day.parse().unwrap(),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Number,
    Date,
    Exact,
    Multi,
}

fn kind(property: &str) -> Kind {
    match property {
        "score" | "createdate" => Kind::Number,
        "joined" => Kind::Date,
        "vip" | "lifecyclestage" => Kind::Exact,
        "tags" => Kind::Multi,
        _ => Kind::Text,
    }
}

/// The values of a property as compared: one, or several for checkboxes.
fn items(property: &str, stored: &str) -> Vec<String> {
    match kind(property) {
        Kind::Text => vec![stored.to_lowercase()],
        Kind::Multi => stored.split(';').map(str::to_string).collect(),
        _ => vec![stored.to_string()],
    }
}

fn compare(property: &str, a: &str, b: &str) -> Ordering {
    match kind(property) {
        Kind::Number => a
            .parse::<f64>()
            .unwrap()
            .total_cmp(&b.parse::<f64>().unwrap()),
        Kind::Date => day_millis(a).total_cmp(&day_millis(b)),
        _ => a.cmp(b),
    }
}

fn tokens(value: &str) -> Vec<String> {
    let lower = value.to_lowercase();
    let mut out: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    out.push(lower.clone());
    if let Some(at) = lower.rfind('@') {
        out.push(lower[at..].to_string());
    }
    out
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.find('*') {
        None => pattern == text,
        Some(i) => {
            let (head, rest) = (&pattern[..i], &pattern[i + 1..]);
            text.starts_with(head)
                && (head.len()..=text.len())
                    .any(|j| text.is_char_boundary(j) && glob(rest, &text[j..]))
        }
    }
}

struct Filter {
    property: &'static str,
    operator: &'static str,
    value: Option<String>,
    high: Option<String>,
    values: Vec<String>,
}

fn matches(f: &Filter, contact: &Values) -> bool {
    let stored = contact.get(f.property);
    let positive = |op: &str| -> bool {
        let Some(stored) = stored else { return false };
        let query = |q: &str| match kind(f.property) {
            Kind::Text => q.to_lowercase(),
            _ => q.to_string(),
        };
        let any = |test: &dyn Fn(&str) -> bool| items(f.property, stored).iter().any(|i| test(i));
        let value = f.value.as_deref().map(query).unwrap_or_default();
        match op {
            "EQ" => any(&|i| compare(f.property, i, &value) == Ordering::Equal),
            "LT" => any(&|i| compare(f.property, i, &value) == Ordering::Less),
            "LTE" => any(&|i| compare(f.property, i, &value) != Ordering::Greater),
            "GT" => any(&|i| compare(f.property, i, &value) == Ordering::Greater),
            "GTE" => any(&|i| compare(f.property, i, &value) != Ordering::Less),
            "BETWEEN" => {
                let high = query(f.high.as_deref().unwrap());
                any(&|i| {
                    compare(f.property, i, &value) != Ordering::Less
                        && compare(f.property, i, &high) != Ordering::Greater
                })
            }
            "IN" => f.values.iter().any(|v| {
                let v = query(v);
                any(&|i| compare(f.property, i, &v) == Ordering::Equal)
            }),
            "HAS_PROPERTY" => true,
            "CONTAINS_TOKEN" => {
                let pattern = value;
                match kind(f.property) {
                    Kind::Text => tokens(stored).iter().any(|t| glob(&pattern, t)),
                    _ => any(&|i| glob(&pattern, i)),
                }
            }
            other => panic!("{other}"),
        }
    };
    match f.operator {
        "NEQ" => !positive("EQ"),
        "NOT_IN" => !positive("IN"),
        "NOT_HAS_PROPERTY" => !positive("HAS_PROPERTY"),
        "NOT_CONTAINS_TOKEN" => !positive("CONTAINS_TOKEN"),
        op => positive(op),
    }
}

fn random_filter(rng: &mut Rng, created: &[i64]) -> Filter {
    const PROPERTIES: [&str; 10] = [
        "createdate",
        "firstname",
        "lastname",
        "email",
        "city",
        "score",
        "joined",
        "vip",
        "lifecyclestage",
        "tags",
    ];
    let property = PROPERTIES[rng.below(PROPERTIES.len())];
    let sample = |rng: &mut Rng| -> String {
        match property {
            "firstname" => rng.pick(&FIRST).to_uppercase(),
            "lastname" => rng.pick(&LAST).to_string(),
            "email" => format!("ann.{}@hubspot.com", rng.below(40)),
            "city" => rng.pick(&CITY).to_lowercase(),
            "score" => rng
                .pick(&["-5", "0", "2.5", "4.5", "7", "100", "-2.5"])
                .to_string(),
            "joined" => day_millis(rng.pick(&DAYS)).to_string(),
            "vip" => rng.pick(&["true", "false"]).to_string(),
            "createdate" => {
                (created[rng.below(created.len())] + rng.below(3) as i64 - 1).to_string()
            }
            "lifecyclestage" => rng.pick(&STAGES).to_string(),
            _ => rng.pick(&TAGS).to_string(),
        }
    };
    let mut operators = vec![
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
    ];
    if matches!(kind(property), Kind::Text | Kind::Exact | Kind::Multi) && property != "vip" {
        operators.extend(["CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"]);
    }
    let operator = operators[rng.below(operators.len())];
    let mut f = Filter {
        property,
        operator,
        value: None,
        high: None,
        values: Vec::new(),
    };
    match operator {
        "HAS_PROPERTY" | "NOT_HAS_PROPERTY" => {}
        "IN" | "NOT_IN" => f.values = (0..1 + rng.below(3)).map(|_| sample(rng)).collect(),
        "BETWEEN" => {
            let (a, b) = (sample(rng), sample(rng));
            let (low, high) = if compare(property, &a, &b) == Ordering::Greater {
                (b, a)
            } else {
                (a, b)
            };
            f.value = Some(low);
            f.high = Some(high);
        }
        "CONTAINS_TOKEN" | "NOT_CONTAINS_TOKEN" => {
            f.value = Some(match (kind(property), rng.below(4)) {
                (Kind::Text, 0) => "*@hubspot.com".to_string(),
                (Kind::Text, 1) => format!("{}*", &sample(rng).to_lowercase()[..2]),
                (Kind::Text, 2) => rng
                    .pick(&["smith", "jones", "york", "paulo", "ann", "o", "brien"])
                    .to_string(),
                (_, 3) => format!("*{}*", &sample(rng).to_lowercase()[1..3]),
                _ => sample(rng),
            });
        }
        _ => f.value = Some(sample(rng)),
    }
    f
}

fn filter_json(f: &Filter) -> Value {
    let mut m = Map::new();
    m.insert("propertyName".into(), json!(f.property));
    m.insert("operator".into(), json!(f.operator));
    if let Some(v) = &f.value {
        m.insert("value".into(), json!(v));
    }
    if let Some(h) = &f.high {
        m.insert("highValue".into(), json!(h));
    }
    if !f.values.is_empty() {
        m.insert("values".into(), json!(f.values));
    }
    Value::Object(m)
}

/// Every id of a search, page by page.
async fn search_all(app: &TestApp, mut body: Value) -> (u64, Vec<i64>) {
    let mut ids = Vec::new();
    let mut total = None;
    loop {
        let reply = app
            .post("/crm/v3/objects/contacts/search", body.clone())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{body} -> {}", reply.text);
        let page = reply.json();
        total.get_or_insert(page["total"].as_u64().unwrap());
        ids.extend(
            page["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().parse::<i64>().unwrap()),
        );
        match page["paging"]["next"]["after"].as_str() {
            Some(after) => body["after"] = json!(after),
            None => break,
        }
    }
    (total.unwrap(), ids)
}

async fn define_properties(app: &TestApp) {
    for (name, ty, field, options) in [
        ("score", "number", "number", json!([])),
        ("joined", "date", "date", json!([])),
        ("vip", "bool", "booleancheckbox", json!([])),
        (
            "tags",
            "enumeration",
            "checkbox",
            json!(TAGS
                .iter()
                .map(|t| json!({"label": t, "value": t, "hidden": false}))
                .collect::<Vec<_>>()),
        ),
    ] {
        create_property(
            app,
            json!({"name": name, "label": name, "type": ty, "fieldType": field, "groupName": "contactinformation", "options": options}),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_agrees_with_a_plain_evaluation() {
    let seed = 0x5EED_CAFE_u64;
    let mut rng = Rng(seed);
    let app = spawn().await;
    define_properties(&app).await;
    let mut contacts: BTreeMap<i64, Values> = BTreeMap::new();
    let mut created_times: Vec<i64> = Vec::new();
    let mut created = 0usize;
    for round in 0..4 {
        // Writes: creates, then updates and archives of existing contacts.
        // Creates in batches of 1 to 10: contacts of one batch share a
        // creation time.
        let mut made = 0;
        while made < 60 {
            let size = 1 + rng.below(10);
            let batch: Vec<Values> = (0..size)
                .map(|_| {
                    created += 1;
                    random_values(&mut rng, created)
                })
                .collect();
            let inputs: Vec<Value> = batch.iter().map(|v| json!({"properties": v})).collect();
            let reply = app
                .post(
                    "/crm/v3/objects/contacts/batch/create",
                    json!({"inputs": inputs}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
            let body = reply.json();
            for (mut values, result) in batch.into_iter().zip(body["results"].as_array().unwrap()) {
                let id = result["id"].as_str().unwrap().parse::<i64>().unwrap();
                let at =
                    spoke_domain::time::Timestamp::parse_iso(result["createdAt"].as_str().unwrap())
                        .unwrap();
                // The model keeps createdate as ms, as filters give it.
                values.insert("createdate".into(), at.millis().to_string());
                created_times.push(at.millis());
                contacts.insert(id, values);
            }
            made += size;
        }
        let ids: Vec<i64> = contacts.keys().copied().collect();
        for _ in 0..20 {
            let id = ids[rng.below(ids.len())];
            if !contacts.contains_key(&id) {
                continue;
            }
            if rng.chance(25) {
                app.delete(&format!("/crm/v3/objects/contacts/{id}")).await;
                contacts.remove(&id);
                continue;
            }
            let fresh = random_values(&mut rng, 10_000 + created + id as usize);
            let mut patch = Map::new();
            for name in ["firstname", "city", "score", "tags", "lifecyclestage"] {
                let value = fresh.get(name).cloned().unwrap_or_default();
                patch.insert(name.into(), json!(value));
            }
            let reply = app
                .patch(
                    &format!("/crm/v3/objects/contacts/{id}"),
                    json!({"properties": patch}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            let stored = contacts.get_mut(&id).unwrap();
            for (name, value) in patch {
                let value = value.as_str().unwrap().to_string();
                if value.is_empty() {
                    stored.remove(&name);
                } else {
                    stored.insert(name, value);
                }
            }
        }
        // Searches.
        for case in 0..40 {
            let groups: Vec<Vec<Filter>> = (0..1 + rng.below(3))
                .map(|_| {
                    (0..1 + rng.below(3))
                        .map(|_| random_filter(&mut rng, &created_times))
                        .collect()
                })
                .collect();
            let sort = match rng.below(4) {
                0 => Some(("score", false)),
                1 => Some(("firstname", true)),
                _ => None,
            };
            let mut body = json!({
                "filterGroups": groups.iter().map(|g| json!({"filters": g.iter().map(filter_json).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                "limit": 1 + rng.below(60),
            });
            if let Some((name, descending)) = sort {
                body["sorts"] = json!([{"propertyName": name, "direction": if descending { "DESCENDING" } else { "ASCENDING" }}]);
            }
            let mut expected: Vec<(&i64, &Values)> = contacts
                .iter()
                .filter(|(_, c)| groups.iter().any(|g| g.iter().all(|f| matches(f, c))))
                .collect();
            if let Some((name, descending)) = sort {
                expected.sort_by(|(a_id, a), (b_id, b)| match (a.get(name), b.get(name)) {
                    (Some(x), Some(y)) => {
                        let (x, y) = (items(name, x).remove(0), items(name, y).remove(0));
                        let order = compare(name, &x, &y);
                        (if descending { order.reverse() } else { order }).then(a_id.cmp(b_id))
                    }
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => a_id.cmp(b_id),
                });
            }
            let expected: Vec<i64> = expected.into_iter().map(|(id, _)| *id).collect();
            let (total, found) = search_all(&app, body.clone()).await;
            assert_eq!(
                (total, &found),
                (expected.len() as u64, &expected),
                "seed {seed:#x}, round {round}, case {case}: {body}"
            );
        }
    }
}
