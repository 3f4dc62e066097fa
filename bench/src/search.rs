//! Search at scale: five query shapes, each measured at N concurrent
//! clients beside `/health` in the same run.

use crate::data::{self, Rng};
use crate::load::{self, Call, Stop};
use crate::memory::PeakRss;
use crate::Target;
use crate::{measure, Measured};
use serde_json::{json, Value};
use spoke_domain::time::Timestamp;
use std::time::Duration;

/// The query shapes of the benchmark.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    EmailEq,
    FirstnameToken,
    CreatedRange,
    FiveGroups,
    FreeText,
}

impl Shape {
    pub const ALL: [Shape; 5] = [
        Shape::EmailEq,
        Shape::FirstnameToken,
        Shape::CreatedRange,
        Shape::FiveGroups,
        Shape::FreeText,
    ];

    fn label(self) -> &'static str {
        match self {
            Shape::EmailEq => "EQ email",
            Shape::FirstnameToken => "CONTAINS_TOKEN firstname",
            Shape::CreatedRange => "createdate range (10%)",
            Shape::FiveGroups => "5 groups, 18 filters",
            Shape::FreeText => "query free text",
        }
    }
}

/// What the generator needs to know of the seeded portal.
#[derive(Clone, Copy)]
pub struct Corpus {
    pub contacts: u64,
    pub first_created: i64,
    pub last_created: i64,
}

fn filter(name: &str, op: &str, value: Value) -> Value {
    json!({"propertyName": name, "operator": op, "value": value})
}

fn values(name: &str, op: &str, values: Vec<String>) -> Value {
    json!({"propertyName": name, "operator": op, "values": values})
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// One search body of `shape`, with random values from the seeded data.
pub fn body(shape: Shape, rng: &mut Rng, corpus: Corpus) -> Value {
    match shape {
        Shape::EmailEq => {
            let n = rng.below(corpus.contacts);
            let props = data::contact_properties(&mut Rng::new(n + 1), n);
            json!({"filterGroups": [{"filters": [filter("email", "EQ", props["email"].clone())]}]})
        }
        Shape::FirstnameToken => {
            let name = lower(rng.pick(data::FIRST_NAMES));
            json!({"filterGroups": [{"filters": [filter("firstname", "CONTAINS_TOKEN", json!(name))]}]})
        }
        Shape::CreatedRange => {
            let span = (corpus.last_created - corpus.first_created).max(10);
            let start = corpus.first_created + (rng.below((span * 9 / 10) as u64) as i64);
            json!({"filterGroups": [{"filters": [
                {"propertyName": "createdate", "operator": "BETWEEN", "value": start.to_string(), "highValue": (start + span / 10).to_string()}
            ]}]})
        }
        Shape::FiveGroups => {
            let mid = (corpus.first_created + corpus.last_created) / 2;
            let pick = |rng: &mut Rng, items: &[&str]| rng.pick(items).to_string();
            json!({"filterGroups": [
                {"filters": [
                    filter("lifecyclestage", "EQ", json!("customer")),
                    filter("city", "EQ", json!(pick(rng, data::CITIES))),
                    values("company", "IN", vec![pick(rng, data::COMPANIES), pick(rng, data::COMPANIES)]),
                    filter("createdate", "GTE", json!(corpus.first_created.to_string())),
                ]},
                {"filters": [
                    filter("lifecyclestage", "EQ", json!("opportunity")),
                    filter("jobtitle", "CONTAINS_TOKEN", json!("engineer")),
                    filter("city", "NEQ", json!(pick(rng, data::CITIES))),
                    filter("email", "CONTAINS_TOKEN", json!(format!("*@{}", pick(rng, data::DOMAINS)))),
                ]},
                {"filters": [
                    filter("firstname", "EQ", json!(pick(rng, data::FIRST_NAMES))),
                    values("lastname", "IN", vec![pick(rng, data::LAST_NAMES), pick(rng, data::LAST_NAMES), pick(rng, data::LAST_NAMES)]),
                    {"propertyName": "phone", "operator": "HAS_PROPERTY"},
                    values("lifecyclestage", "NOT_IN", vec!["other".into(), "subscriber".into()]),
                ]},
                {"filters": [
                    filter("company", "EQ", json!(pick(rng, data::COMPANIES))),
                    filter("jobtitle", "EQ", json!(pick(rng, data::JOB_TITLES))),
                    values("city", "IN", vec![pick(rng, data::CITIES), pick(rng, data::CITIES), pick(rng, data::CITIES)]),
                ]},
                {"filters": [
                    filter("lastname", "CONTAINS_TOKEN", json!(lower(rng.pick(data::LAST_NAMES)))),
                    filter("lifecyclestage", "EQ", json!("lead")),
                    filter("createdate", "LT", json!(mid.to_string())),
                ]}
            ]})
        }
        Shape::FreeText => {
            let word = if rng.below(2) == 0 {
                lower(rng.pick(data::LAST_NAMES))
            } else {
                lower(
                    rng.pick(data::COMPANIES)
                        .split(' ')
                        .next()
                        .unwrap_or("acme"),
                )
            };
            json!({"query": word})
        }
    }
}

async fn first_or_last(target: &Target, descending: bool) -> (u64, i64) {
    let sort = if descending {
        "-createdate"
    } else {
        "createdate"
    };
    let page = load::fetch_json(
        target.addr,
        &target.token,
        "/crm/v3/objects/contacts/search",
        &json!({"sorts": [sort], "limit": 1}),
    )
    .await
    .expect("a search answer");
    let created = page["results"][0]["createdAt"].as_str().expect("a contact");
    let millis = Timestamp::parse_iso(created)
        .expect("ISO timestamp")
        .millis();
    (page["total"].as_u64().unwrap_or(0), millis)
}

/// What the seeded portal holds.
pub async fn corpus(target: &Target) -> Corpus {
    let (contacts, first_created) = first_or_last(target, false).await;
    let (_, last_created) = first_or_last(target, true).await;
    Corpus {
        contacts,
        first_created,
        last_created,
    }
}

fn report(label: &str, m: &Measured) {
    let s = &m.stats;
    println!(
        "  {label:<26} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}{}",
        s.rps(),
        s.percentile_ms(0.50),
        s.percentile_ms(0.99),
        s.errors,
        m.cpu.describe("req")
    );
}

/// Every shape for `seconds` at `connections` clients, then `/health`.
pub async fn search(target: &Target, connections: usize, seconds: u64) {
    let corpus = corpus(target).await;
    println!(
        "search over {} contacts, {connections} concurrent clients, {seconds} s per query shape",
        corpus.contacts
    );
    let memory = PeakRss::start(target.server_pid);
    let duration = Duration::from_secs(seconds);
    for shape in Shape::ALL {
        let stats = measure(
            target,
            connections,
            Stop::After(duration),
            200,
            move |seq| {
                let mut rng = Rng::new(seq * 7919 + shape as u64);
                let body = serde_json::to_vec(&body(shape, &mut rng, corpus)).unwrap();
                Call::post("/crm/v3/objects/contacts/search", body)
            },
        )
        .await;
        report(shape.label(), &stats);
    }
    let health = measure(target, connections, Stop::After(duration), 200, |_| {
        Call::get("/health")
    })
    .await;
    report("GET /health (reference)", &health);
    println!(
        "server peak RSS during search: {:.0} MiB",
        memory.peak_mib()
    );
}
