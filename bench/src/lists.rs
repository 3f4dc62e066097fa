//! Lists: contacts written into a portal with 50 DYNAMIC lists of varied
//! filters (each write evaluates all 50 in its transaction), beside the
//! same ingest into a portal without lists on the same server, rounds
//! interleaved; then, on the portal with lists, membership page reads
//! beside GET /health, and the evaluation of a new DYNAMIC list over every
//! contact, beside the ingest rate.

use crate::data::{CITIES, COMPANIES, DOMAINS, FIRST_NAMES, JOB_TITLES, STAGES};
use crate::load::{self, call, median, Call, Stop};
use crate::webhooks::{ingest, json, portal};
use serde_json::{json as j, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fn prop(property: &str, operation: Value) -> Value {
    j!({"filterType": "PROPERTY", "property": property, "operation": operation})
}

fn tree(groups: Vec<Vec<Value>>) -> Value {
    let branches: Vec<Value> = groups
        .into_iter()
        .map(|filters| j!({"filterBranchType": "AND", "filters": filters, "filterBranches": []}))
        .collect();
    j!({"filterBranchType": "OR", "filters": [], "filterBranches": branches})
}

/// Filter tree `i` of 50: every operation type the generated contacts
/// give meaning to, alone and combined, with OR groups and NOT_ANY.
pub fn filters(i: usize) -> Value {
    let stage = STAGES[i % STAGES.len()];
    let other_stage = STAGES[(i + 3) % STAGES.len()];
    let city = CITIES[i % CITIES.len()];
    let company = COMPANIES[i % COMPANIES.len()];
    let title = JOB_TITLES[i % JOB_TITLES.len()];
    let name = FIRST_NAMES[i % FIRST_NAMES.len()];
    let domain = DOMAINS[i % DOMAINS.len()];
    let enumeration = |op: &str, values: &[&str]| j!({"operationType": "ENUMERATION", "operator": op, "values": values});
    let string =
        |op: &str, value: &str| j!({"operationType": "STRING", "operator": op, "value": value});
    let multi = |op: &str, values: &[&str]| j!({"operationType": "MULTISTRING", "operator": op, "values": values});
    match i % 10 {
        0 => tree(vec![vec![prop(
            "lifecyclestage",
            enumeration("IS_ANY_OF", &[stage]),
        )]]),
        1 => tree(vec![vec![
            prop(
                "lifecyclestage",
                enumeration("IS_ANY_OF", &[stage, other_stage]),
            ),
            prop("city", multi("IS_EQUAL_TO", &[city])),
        ]]),
        2 => tree(vec![vec![prop(
            "company",
            string("CONTAINS", &company[..4]),
        )]]),
        3 => tree(vec![
            vec![prop("jobtitle", string("IS_EQUAL_TO", title))],
            vec![prop("firstname", string("STARTS_WITH", &name[..2]))],
        ]),
        4 => tree(vec![vec![prop("email", string("ENDS_WITH", domain))]]),
        5 => tree(vec![vec![
            prop("phone", string("CONTAINS", &format!("555 {}", i % 10))),
            prop("lifecyclestage", enumeration("IS_NONE_OF", &[stage])),
        ]]),
        6 => j!({"filterBranchType": "OR", "filters": [], "filterBranches": [{
            "filterBranchType": "AND",
            "filters": [prop("city", multi("IS_EQUAL_TO", &[city, CITIES[(i + 1) % CITIES.len()]]))],
            "filterBranches": [{"filterBranchType": "NOT_ANY", "filterBranches": [], "filters": [
                prop("jobtitle", string("IS_EQUAL_TO", title)),
                prop("company", string("IS_EQUAL_TO", company)),
            ]}],
        }]}),
        7 => tree(vec![vec![
            prop(
                "lastname",
                j!({"operationType": "ALL_PROPERTY", "operator": "IS_KNOWN"}),
            ),
            prop("firstname", string("IS_EQUAL_TO", name)),
        ]]),
        8 => tree(vec![vec![
            prop(
                "createdate",
                j!({"operationType": "RANGED_DATE", "operator": "IS_BETWEEN", "lowerBound": 0, "upperBound": 4_102_444_800_000i64}),
            ),
            prop("lifecyclestage", enumeration("IS_ANY_OF", &[other_stage])),
        ]]),
        _ => tree(vec![
            vec![prop("company", string("STARTS_WITH", &company[..3]))],
            vec![prop("city", string("ENDS_WITH", &city[city.len() - 2..]))],
            vec![prop("lifecyclestage", enumeration("IS_ANY_OF", &[stage]))],
        ]),
    }
}

async fn create_list(addr: SocketAddr, token: &str, name: &str, filters: Value) -> Value {
    let body = json(
        j!({"name": name, "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": filters}),
    );
    let (status, body) = call(addr, token, Call::post("/crm/v3/lists", body))
        .await
        .expect("Spoke answers");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice::<Value>(&body).unwrap()["list"].clone()
}

async fn get(addr: SocketAddr, token: &str, path: &str) -> Value {
    let (status, body) = call(addr, token, Call::get(path))
        .await
        .expect("Spoke answers");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

pub async fn run(addr: SocketAddr, admin_token: &str, contacts: u64, rounds: usize, lists: usize) {
    let plain = portal(addr, admin_token, "without lists").await;
    let listed = portal(addr, admin_token, "with lists").await;
    let mut ids = Vec::new();
    for i in 0..lists {
        let list = create_list(addr, &listed, &format!("list {i}"), filters(i)).await;
        ids.push(list["listId"].as_str().unwrap().to_string());
    }
    println!("{lists} DYNAMIC lists made in the portal with lists");

    let per_round = contacts / rounds as u64;
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Both portals share the database's tables, which grow through the
        // run: the portal that goes first alternates.
        let offset = round as u64 * per_round;
        let (base, listed_rate) = if round % 2 == 0 {
            let base = ingest(addr, &plain, per_round, offset).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            (base, ingest(addr, &listed, per_round, offset).await)
        } else {
            let listed_rate = ingest(addr, &listed, per_round, offset).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            (ingest(addr, &plain, per_round, offset).await, listed_rate)
        };
        println!(
            "round {}: ingest without lists {base:.0} contacts/s, with {lists} lists {listed_rate:.0} contacts/s ({:.2})",
            round + 1,
            listed_rate / base
        );
        without.push(base);
        with.push(listed_rate);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let (base, listed_rate) = (median(&mut without), median(&mut with));
    let mut sizes = Vec::new();
    for id in &ids {
        sizes.push(
            get(addr, &listed, &format!("/crm/v3/lists/{id}")).await["list"]["size"]
                .as_i64()
                .unwrap(),
        );
    }
    sizes.sort();
    println!(
        "list sizes at {contacts} contacts: smallest {}, median {}, largest {}",
        sizes[0],
        sizes[sizes.len() / 2],
        sizes[sizes.len() - 1]
    );

    // Membership pages of 100 at random places of the ten largest lists,
    // beside GET /health, interleaved.
    let mut by_size: Vec<(i64, String)> = Vec::new();
    for id in &ids {
        let size = get(addr, &listed, &format!("/crm/v3/lists/{id}")).await["list"]["size"]
            .as_i64()
            .unwrap();
        by_size.push((size, id.clone()));
    }
    by_size.sort();
    let largest: Vec<String> = by_size
        .iter()
        .rev()
        .take(10)
        .map(|(_, id)| id.clone())
        .collect();
    let (
        mut pages_p50,
        mut pages_p99,
        mut health_p50,
        mut health_p99,
        mut pages_rps,
        mut health_rps,
    ) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for _ in 0..3 {
        let chosen = largest.clone();
        let max_id = contacts as usize;
        let stats = load::run(
            addr,
            &listed,
            4,
            Stop::After(Duration::from_secs(5)),
            200,
            move |seq| {
                let list = &chosen[seq as usize % chosen.len()];
                let after = (seq as usize * 7_919) % max_id;
                Call::get(format!(
                    "/crm/v3/lists/{list}/memberships?limit=100&after=0-{after}"
                ))
            },
        )
        .await;
        assert_eq!(stats.errors, 0, "membership reads failed");
        pages_p50.push(stats.percentile_ms(0.5));
        pages_p99.push(stats.percentile_ms(0.99));
        pages_rps.push(stats.rps());
        let health = load::run(
            addr,
            &listed,
            4,
            Stop::After(Duration::from_secs(5)),
            200,
            |_| Call::get("/health"),
        )
        .await;
        health_p50.push(health.percentile_ms(0.5));
        health_p99.push(health.percentile_ms(0.99));
        health_rps.push(health.rps());
    }
    // A new list over every contact: made, then polled until COMPLETE.
    let started = Instant::now();
    let new = create_list(addr, &listed, "evaluated after", filters(11)).await;
    let id = new["listId"].as_str().unwrap().to_string();
    let mut status = new["processingStatus"].as_str().unwrap().to_string();
    while status != "COMPLETE" {
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = get(addr, &listed, &format!("/crm/v3/lists/{id}")).await["list"]
            ["processingStatus"]
            .as_str()
            .unwrap()
            .to_string();
    }
    let evaluation = started.elapsed().as_secs_f64();
    let size = get(addr, &listed, &format!("/crm/v3/lists/{id}")).await["list"]["size"]
        .as_i64()
        .unwrap();

    println!("medians over {rounds} rounds of {per_round} contacts per portal:");
    println!("  ingest without lists          {base:.0} contacts/s");
    println!(
        "  ingest with {lists} lists         {listed_rate:.0} contacts/s  ratio {:.2} (cost to writers {:.0}%)",
        listed_rate / base,
        (1.0 - listed_rate / base) * 100.0
    );
    println!(
        "  membership page (100)         p50 {:.2} ms  p99 {:.2} ms  {:.0} req/s; GET /health p50 {:.2} ms  p99 {:.2} ms  {:.0} req/s (medians of 3 x 5 s, 4 connections)",
        median(&mut pages_p50),
        median(&mut pages_p99),
        median(&mut pages_rps),
        median(&mut health_p50),
        median(&mut health_p99),
        median(&mut health_rps)
    );
    println!(
        "  new list over {contacts} contacts: COMPLETE in {evaluation:.1} s ({:.0} contacts/s evaluated; {size} members), beside ingest with lists at {listed_rate:.0} contacts/s",
        contacts as f64 / evaluation
    );
}
