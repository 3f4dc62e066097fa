//! Every operation type and operator, every branch type, and the refusals.

use super::evaluate::{matches, Subject, ValueCache};
use super::filters::FilterBranch;
use crate::contact::{ChangeSource, Contact, PropertyHistory, PropertyVersion};
use crate::ids::{ContactId, ListId};
use crate::property::{
    standard, FieldType, PropertyDefinition, PropertyOption, PropertySchema, PropertyType,
};
use crate::time::Timestamp;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const DAY: i64 = 86_400_000;
/// 2024-03-11T12:00:00Z
const NOW: i64 = 1_710_158_400_000;

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
        "seen",
        "Seen",
        PropertyType::Datetime,
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
        .enumerate()
        .map(|(i, v)| PropertyOption {
            label: v.to_string(),
            value: v.to_string(),
            description: String::new(),
            display_order: i as i32,
            hidden: false,
        })
        .collect();
    defs.push(tags);
    PropertySchema::new(defs)
}

fn contact(values: &[(&str, &str)]) -> Contact {
    Contact {
        id: ContactId(7),
        properties: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        created_at: Timestamp::from_millis(NOW - 10 * DAY).unwrap(),
        updated_at: Timestamp::from_millis(NOW - DAY).unwrap(),
        archived_at: None,
    }
}

fn one(filter: Value) -> FilterBranch {
    let tree = json!({"filterBranchType": "OR", "filterBranches": [
        {"filterBranchType": "AND", "filters": [filter], "filterBranches": []}
    ], "filters": []});
    FilterBranch::parse(&tree, &schema()).unwrap()
}

fn prop(name: &str, op: Value) -> Value {
    json!({"filterType": "PROPERTY", "property": name, "operation": op})
}

fn passes_with(tree: &FilterBranch, c: &Contact, history: &PropertyHistory, lists: &[i64]) -> bool {
    let lists: BTreeSet<ListId> = lists.iter().map(|l| ListId(*l)).collect();
    let values = ValueCache::default();
    let subject = Subject {
        contact: c,
        history,
        lists: &lists,
        values: &values,
    };
    matches(
        tree,
        &subject,
        &schema(),
        Timestamp::from_millis(NOW).unwrap(),
    )
}

fn passes(filter: Value, values: &[(&str, &str)]) -> bool {
    passes_with(&one(filter), &contact(values), &PropertyHistory::new(), &[])
}

fn history(property: &str, values: &[&str]) -> PropertyHistory {
    let versions = values
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| PropertyVersion {
            value: v.to_string(),
            timestamp: Timestamp::from_millis(NOW - (i as i64 + 1) * DAY).unwrap(),
            source: ChangeSource::api(),
        })
        .collect();
    BTreeMap::from([(property.to_string(), versions)])
}

#[test]
fn strings_compare_without_case_and_unknowns_follow_the_flag() {
    let f = |op: &str, value: &str| {
        prop(
            "firstname",
            json!({"operationType": "STRING", "operator": op, "value": value}),
        )
    };
    let ann = [("firstname", "Annabel")];
    assert!(passes(f("IS_EQUAL_TO", "annabel"), &ann));
    assert!(!passes(f("IS_EQUAL_TO", "ann"), &ann));
    assert!(passes(f("IS_NOT_EQUAL_TO", "ann"), &ann));
    assert!(passes(f("CONTAINS", "NAB"), &ann));
    assert!(!passes(f("DOES_NOT_CONTAIN", "nab"), &ann));
    assert!(passes(f("STARTS_WITH", "ann"), &ann));
    assert!(passes(f("ENDS_WITH", "BEL"), &ann));
    assert!(!passes(f("ENDS_WITH", "ann"), &ann));
    // No value: the operation's includeObjectsWithNoValueSet decides.
    assert!(!passes(f("IS_NOT_EQUAL_TO", "x"), &[]));
    let include = prop(
        "firstname",
        json!({"operationType": "STRING", "operator": "IS_NOT_EQUAL_TO", "value": "x", "includeObjectsWithNoValueSet": true}),
    );
    assert!(passes(include, &[]));
    // The lowercase names of HubSpot's filter guide are accepted.
    assert!(passes(
        prop(
            "firstname",
            json!({"operationType": "string", "operator": "CONTAINS", "value": "bel"})
        ),
        &ann
    ));
}

#[test]
fn multistring_matches_any_of_its_values() {
    let f = |op: &str| {
        prop(
            "email",
            json!({"operationType": "MULTISTRING", "operator": op, "values": ["@acme.io", "@corp.io"]}),
        )
    };
    let acme = [("email", "jo@acme.io")];
    assert!(passes(f("ENDS_WITH"), &acme));
    assert!(passes(f("CONTAINS"), &acme));
    assert!(!passes(f("DOES_NOT_CONTAIN"), &acme));
    assert!(passes(f("DOES_NOT_CONTAIN"), &[("email", "jo@other.io")]));
    assert!(!passes(f("IS_EQUAL_TO"), &acme));
}

#[test]
fn numbers_compare_and_range() {
    let f = |op: &str, v: f64| {
        prop(
            "score",
            json!({"operationType": "NUMBER", "operator": op, "value": v}),
        )
    };
    let five = [("score", "5")];
    assert!(passes(f("IS_EQUAL_TO", 5.0), &five));
    assert!(!passes(f("IS_NOT_EQUAL_TO", 5.0), &five));
    assert!(passes(f("IS_GREATER_THAN", 4.5), &five));
    assert!(!passes(f("IS_GREATER_THAN", 5.0), &five));
    assert!(passes(f("IS_GREATER_THAN_OR_EQUAL_TO", 5.0), &five));
    assert!(passes(f("IS_LESS_THAN", 6.0), &five));
    assert!(passes(f("IS_LESS_THAN_OR_EQUAL_TO", 5.0), &five));
    let between = |op: &str| {
        prop(
            "score",
            json!({"operationType": "NUMBER_RANGED", "operator": op, "lowerBound": 5, "upperBound": 9}),
        )
    };
    assert!(passes(between("IS_BETWEEN"), &five));
    assert!(!passes(between("IS_NOT_BETWEEN"), &five));
    assert!(passes(between("IS_NOT_BETWEEN"), &[("score", "10")]));
    // hs_object_id is the contact's id, a number.
    assert!(passes(
        prop(
            "hs_object_id",
            json!({"operationType": "NUMBER", "operator": "IS_EQUAL_TO", "value": 7})
        ),
        &[]
    ));
}

#[test]
fn bools_and_enumerations() {
    let b = |op: &str, v: bool| {
        prop(
            "flag",
            json!({"operationType": "BOOL", "operator": op, "value": v}),
        )
    };
    assert!(passes(b("IS_EQUAL_TO", true), &[("flag", "true")]));
    assert!(passes(b("IS_NOT_EQUAL_TO", true), &[("flag", "false")]));
    let e = |op: &str, values: &[&str]| {
        prop(
            "tags",
            json!({"operationType": "ENUMERATION", "operator": op, "values": values}),
        )
    };
    let red_blue = [("tags", "red;blue")];
    assert!(passes(e("IS_ANY_OF", &["green", "blue"]), &red_blue));
    assert!(!passes(e("IS_NONE_OF", &["blue"]), &red_blue));
    assert!(passes(e("IS_EXACTLY", &["blue", "red"]), &red_blue));
    assert!(!passes(e("IS_EXACTLY", &["red"]), &red_blue));
    assert!(passes(e("IS_NOT_EXACTLY", &["red"]), &red_blue));
    assert!(passes(e("CONTAINS_ALL", &["red", "blue"]), &red_blue));
    assert!(!passes(e("CONTAINS_ALL", &["red", "green"]), &red_blue));
    assert!(passes(
        e("DOES_NOT_CONTAIN_ALL", &["red", "green"]),
        &red_blue
    ));
}

#[test]
fn dates_datetimes_ranges_and_rolling_windows() {
    let march_11 = NOW - 12 * 3_600_000; // midnight UTC
    let dt = |op: &str, ts: i64| {
        prop(
            "seen",
            json!({"operationType": "DATETIME", "operator": op, "timestamp": ts}),
        )
    };
    let seen = [("seen", "2024-03-11T08:30:00.000Z")];
    assert!(passes(dt("IS_EQUAL_TO", march_11 + 5), &seen), "same day");
    assert!(!passes(dt("IS_EQUAL_TO", march_11 + DAY), &seen));
    assert!(passes(dt("IS_BEFORE_DATE", march_11 + DAY), &seen));
    assert!(!passes(dt("IS_BEFORE_DATE", march_11), &seen));
    assert!(passes(dt("IS_AFTER_DATE", march_11 - DAY), &seen));
    let date = |op: &str| {
        prop(
            "birthday",
            json!({"operationType": "DATE", "operator": op, "year": 2024, "month": "MARCH", "day": 11}),
        )
    };
    assert!(passes(date("IS_EQUAL_TO"), &[("birthday", "2024-03-11")]));
    assert!(passes(date("IS_AFTER_DATE"), &[("birthday", "2024-03-12")]));
    assert!(passes(
        date("IS_BEFORE_DATE"),
        &[("birthday", "2024-03-10")]
    ));
    let ranged = |op: &str| {
        prop(
            "seen",
            json!({"operationType": "RANGED_DATE", "operator": op, "lowerBound": march_11, "upperBound": march_11 + DAY}),
        )
    };
    assert!(passes(ranged("IS_BETWEEN"), &seen));
    assert!(!passes(ranged("IS_NOT_BETWEEN"), &seen));
    let rolling = |op: &str, days: i64| {
        prop(
            "seen",
            json!({"operationType": "ROLLING_DATE_RANGE", "operator": op, "numberOfDays": days}),
        )
    };
    let three_days_ago = [("seen", "2024-03-08T12:00:00.000Z")];
    let in_two_days = [("seen", "2024-03-13T12:00:00.000Z")];
    assert!(passes(
        rolling("IS_LESS_THAN_X_DAYS_AGO", 4),
        &three_days_ago
    ));
    assert!(!passes(
        rolling("IS_LESS_THAN_X_DAYS_AGO", 2),
        &three_days_ago
    ));
    assert!(passes(
        rolling("IS_MORE_THAN_X_DAYS_AGO", 2),
        &three_days_ago
    ));
    assert!(passes(
        rolling("IS_LESS_THAN_X_DAYS_FROM_NOW", 3),
        &in_two_days
    ));
    assert!(passes(
        rolling("IS_MORE_THAN_X_DAYS_FROM_NOW", 1),
        &in_two_days
    ));
    assert!(!passes(
        rolling("IS_MORE_THAN_X_DAYS_FROM_NOW", 1),
        &three_days_ago
    ));
    // createdate is ten days old.
    assert!(passes(
        prop(
            "createdate",
            json!({"operationType": "ROLLING_DATE_RANGE", "operator": "IS_MORE_THAN_X_DAYS_AGO", "numberOfDays": 9})
        ),
        &[]
    ));
    assert!(one(rolling("IS_LESS_THAN_X_DAYS_AGO", 4)).relative_to_now());
}

#[test]
fn history_operators_read_every_past_value() {
    let now_al = contact(&[("firstname", "Al")]);
    let past = history("firstname", &["Bob", "", "Al"]);
    let ever = one(prop(
        "firstname",
        json!({"operationType": "STRING", "operator": "HAS_EVER_BEEN_EQUAL_TO", "value": "bob"}),
    ));
    let never = one(prop(
        "firstname",
        json!({"operationType": "STRING", "operator": "HAS_NEVER_BEEN_EQUAL_TO", "value": "bob"}),
    ));
    let contained = one(prop(
        "firstname",
        json!({"operationType": "STRING", "operator": "HAS_EVER_CONTAINED", "value": "o"}),
    ));
    assert!(passes_with(&ever, &now_al, &past, &[]));
    assert!(!passes_with(&never, &now_al, &past, &[]));
    assert!(passes_with(&contained, &now_al, &past, &[]));
    assert!(passes_with(
        &never,
        &now_al,
        &history("firstname", &["Al"]),
        &[]
    ));
    assert_eq!(
        ever.history_properties().into_iter().collect::<Vec<_>>(),
        ["firstname"]
    );
    let tags = history("tags", &["red;green", "blue"]);
    let c = contact(&[("tags", "blue")]);
    let e = |op: &str, values: &[&str]| {
        one(prop(
            "tags",
            json!({"operationType": "ENUMERATION", "operator": op, "values": values}),
        ))
    };
    assert!(passes_with(
        &e("HAS_EVER_BEEN_ANY_OF", &["green"]),
        &c,
        &tags,
        &[]
    ));
    assert!(passes_with(
        &e("HAS_NEVER_BEEN_ANY_OF", &["green", "red"]).clone(),
        &c,
        &history("tags", &["blue"]),
        &[]
    ));
    assert!(passes_with(
        &e("HAS_EVER_BEEN_EXACTLY", &["green", "red"]),
        &c,
        &tags,
        &[]
    ));
    assert!(passes_with(
        &e("HAS_EVER_CONTAINED_ALL", &["red"]),
        &c,
        &tags,
        &[]
    ));
    assert!(!passes_with(
        &e("HAS_NEVER_CONTAINED_ALL", &["red"]),
        &c,
        &tags,
        &[]
    ));
    let n = one(prop(
        "score",
        json!({"operationType": "NUMBER", "operator": "HAS_EVER_BEEN_EQUAL_TO", "value": 3}),
    ));
    assert!(passes_with(
        &n,
        &contact(&[("score", "4")]),
        &history("score", &["3", "4"]),
        &[]
    ));
    // Updated within the last days: the newest version's time.
    let updated = |op: &str, days: i64| {
        one(prop(
            "firstname",
            json!({"operationType": "ROLLING_PROPERTY_UPDATED", "operator": op, "numberOfDays": days}),
        ))
    };
    assert!(passes_with(
        &updated("UPDATED_IN_LAST_X_DAYS", 2),
        &now_al,
        &past,
        &[]
    ));
    assert!(!passes_with(
        &updated("UPDATED_IN_LAST_X_DAYS", 0),
        &now_al,
        &past,
        &[]
    ));
    assert!(passes_with(
        &updated("NOT_UPDATED_IN_LAST_X_DAYS", 0),
        &now_al,
        &past,
        &[]
    ));
}

#[test]
fn known_unknown_constants_lists_and_branch_types() {
    let known = |op: &str| {
        prop(
            "phone",
            json!({"operationType": "ALL_PROPERTY", "operator": op}),
        )
    };
    assert!(passes(known("IS_KNOWN"), &[("phone", "1")]));
    assert!(passes(known("IS_UNKNOWN"), &[]));
    assert!(!passes(known("IS_BLANK"), &[("phone", "1")]));
    let c = contact(&[("firstname", "Ann")]);
    let none = PropertyHistory::new();
    let in_list = |op: &str| json!({"filterType": "IN_LIST", "listId": "4", "operator": op});
    let tree = |kind: &str, filters: Vec<Value>| {
        FilterBranch::parse(
            &json!({"filterBranchType": kind, "filters": filters, "filterBranches": []}),
            &schema(),
        )
        .unwrap()
    };
    assert!(passes_with(
        &tree("AND", vec![in_list("IN_LIST")]),
        &c,
        &none,
        &[4]
    ));
    assert!(passes_with(
        &tree("AND", vec![in_list("NOT_IN_LIST")]),
        &c,
        &none,
        &[5]
    ));
    let yes = json!({"filterType": "CONSTANT", "shouldAccept": true});
    let no = json!({"filterType": "CONSTANT", "shouldAccept": false});
    for (kind, expected) in [
        ("OR", true),
        ("AND", false),
        ("NOT_ALL", true),
        ("NOT_ANY", false),
    ] {
        assert_eq!(
            passes_with(&tree(kind, vec![yes.clone(), no.clone()]), &c, &none, &[]),
            expected,
            "{kind}"
        );
    }
    assert!(
        !passes_with(&tree("OR", vec![]), &c, &none, &[]),
        "an empty OR holds nobody"
    );
    assert!(passes_with(&tree("AND", vec![]), &c, &none, &[]));
    // Nested: NOT_ANY over an AND.
    let nested = FilterBranch::parse(&json!({"filterBranchType": "NOT_ANY", "filters": [], "filterBranches": [
        {"filterBranchType": "AND", "filters": [yes, prop("firstname", json!({"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "ann"}))], "filterBranches": []}
    ]}), &schema()).unwrap();
    assert!(!passes_with(&nested, &c, &none, &[]));
    assert_eq!(
        nested.to_json()["filterBranches"][0]["filterBranchOperator"],
        "AND"
    );
}

fn refused(tree: Value) -> String {
    FilterBranch::parse(&tree, &schema())
        .unwrap_err()
        .to_string()
}

fn wrap(filter: Value) -> Value {
    json!({"filterBranchType": "OR", "filters": [filter], "filterBranches": []})
}

#[test]
fn what_cannot_be_evaluated_is_refused_by_name() {
    assert!(refused(wrap(
        json!({"filterType": "PAGE_VIEW", "pageUrl": "x", "operator": "HAS_PAGEVIEW_EQ"})
    ))
    .contains("PAGE_VIEW"));
    assert!(refused(wrap(
        json!({"filterType": "EMAIL_EVENT", "operator": "OPENED"})
    ))
    .contains("EMAIL_EVENT"));
    assert!(refused(
        json!({"filterBranchType": "ASSOCIATION", "filters": [], "filterBranches": []})
    )
    .contains("ASSOCIATION"));
    assert!(refused(wrap(prop(
        "seen",
        json!({"operationType": "TIME_RANGED", "operator": "IS_BETWEEN"})
    )))
    .contains("TIME_RANGED"));
    assert!(refused(wrap(prop(
        "nope",
        json!({"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "x"})
    )))
    .contains("nope"));
    let mismatch = refused(wrap(prop(
        "firstname",
        json!({"operationType": "NUMBER", "operator": "IS_EQUAL_TO", "value": 1}),
    )));
    assert!(
        mismatch.contains("does not apply to property firstname"),
        "{mismatch}"
    );
    assert!(refused(wrap(prop(
        "firstname",
        json!({"operationType": "STRING", "operator": "IS_GREATER_THAN", "value": "x"})
    )))
    .contains("IS_GREATER_THAN"));
    assert!(refused(wrap(prop(
        "tags",
        json!({"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["purple"]})
    )))
    .contains("purple"));
    assert!(refused(json!({"filterBranchType": "XOR"})).contains("XOR"));
    assert!(refused(json!([1, 2])).contains("object"));
    let mut deep = json!({"filterBranchType": "AND", "filters": [], "filterBranches": []});
    for _ in 0..super::filters::MAX_DEPTH {
        deep = json!({"filterBranchType": "OR", "filters": [], "filterBranches": [deep]});
    }
    assert!(refused(deep).contains("deep"));
    let many: Vec<Value> = (0..=super::filters::MAX_FILTERS)
        .map(|_| json!({"filterType": "CONSTANT", "shouldAccept": true}))
        .collect();
    assert!(refused(json!({"filterBranchType": "OR", "filters": many})).contains("at most"));
}
