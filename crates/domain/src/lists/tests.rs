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

// TIME_POINT, TIME_RANGED, CALENDAR_DATE and COMPARATIVE_* (NOW is
// Monday 2024-03-11T12:00:00Z).

fn at(iso: &str) -> String {
    iso.to_string()
}

fn time_point(property: &str, operator: &str, point: Value) -> Value {
    prop(
        property,
        json!({"operationType": "TIME_POINT", "type": "TIME_POINT", "operator": operator,
               "timePoint": point, "includeObjectsWithNoValueSet": false}),
    )
}

fn indexed(reference: Value, offset: Value) -> Value {
    json!({"timeType": "INDEXED", "zoneId": "UTC", "indexReference": reference, "offset": offset})
}

#[test]
fn time_points_fixed_in_a_zone() {
    // Midnight of 2024-03-11 in New York (EDT since 2024-03-10) is 04:00Z.
    let point = json!({"timeType": "DATE", "year": 2024, "month": 3, "day": 11,
                       "zoneId": "America/New_York"});
    let after = time_point("seen", "IS_AFTER", point.clone());
    assert!(passes(
        after.clone(),
        &[("seen", &at("2024-03-11T04:30:00Z"))]
    ));
    assert!(!passes(
        after.clone(),
        &[("seen", &at("2024-03-11T03:30:00Z"))]
    ));
    assert!(!passes(after, &[]));
    let before = time_point("seen", "IS_BEFORE", point);
    assert!(passes(before, &[("seen", &at("2024-03-11T03:30:00Z"))]));
    // The endpoint: excluded unless INCLUSIVE.
    let edge = json!({"timeType": "DATE", "year": 2024, "month": 3, "day": 1, "zoneId": "UTC"});
    let exclusive = time_point("birthday", "IS_AFTER", edge.clone());
    assert!(!passes(exclusive, &[("birthday", "2024-03-01")]));
    let mut inclusive = time_point("birthday", "IS_AFTER", edge);
    inclusive["operation"]["endpointBehavior"] = json!("INCLUSIVE");
    assert!(passes(inclusive, &[("birthday", "2024-03-01")]));
}

#[test]
fn indexed_points_move_with_now() {
    // The start of today, a week back: 2024-03-04T00:00Z.
    let week_ago = time_point(
        "seen",
        "IS_AFTER",
        indexed(json!({"referenceType": "TODAY"}), json!({"days": -7})),
    );
    assert!(passes(
        week_ago.clone(),
        &[("seen", &at("2024-03-04T00:00:01Z"))]
    ));
    assert!(!passes(week_ago, &[("seen", &at("2024-03-03T23:59:59Z"))]));
    // Friday of this (ISO) week: 2024-03-15.
    let friday = time_point(
        "birthday",
        "IS_AFTER",
        indexed(
            json!({"referenceType": "WEEK", "dayOfWeek": "FRIDAY"}),
            json!({}),
        ),
    );
    assert!(passes(friday.clone(), &[("birthday", "2024-03-16")]));
    assert!(!passes(friday, &[("birthday", "2024-03-14")]));
    // Day 31 of the second month of this quarter is 2024-02-29.
    let quarter = time_point(
        "birthday",
        "IS_BEFORE",
        indexed(
            json!({"referenceType": "QUARTER", "month": 2, "day": 31}),
            json!({}),
        ),
    );
    assert!(passes(quarter.clone(), &[("birthday", "2024-02-28")]));
    assert!(!passes(quarter, &[("birthday", "2024-02-29")]));
    // Christmas of this year, moved back a quarter and a week: 2024-09-18.
    let year = time_point(
        "birthday",
        "IS_AFTER",
        indexed(
            json!({"referenceType": "YEAR", "month": 12, "day": 25}),
            json!({"quarters": -1, "weeks": -1}),
        ),
    );
    assert!(passes(year.clone(), &[("birthday", "2024-09-19")]));
    assert!(!passes(year, &[("birthday", "2024-09-18")]));
    // NOW at a given hour: today at 18:00 in Paris (UTC+1) is 17:00Z.
    let evening = time_point(
        "seen",
        "IS_BEFORE",
        json!({"timeType": "INDEXED", "zoneId": "Europe/Paris",
               "indexReference": {"referenceType": "NOW", "hour": 18, "minute": 0, "second": 0, "millisecond": 0}}),
    );
    assert!(passes(
        evening.clone(),
        &[("seen", &at("2024-03-11T16:59:00Z"))]
    ));
    assert!(!passes(evening, &[("seen", &at("2024-03-11T17:01:00Z"))]));
    let tree = one(time_point(
        "seen",
        "IS_AFTER",
        indexed(json!({"referenceType": "NOW"}), json!({"hours": -2})),
    ));
    assert!(tree.relative_to_now());
    let fixed = one(time_point(
        "seen",
        "IS_AFTER",
        json!({"timeType": "DATE", "year": 2024, "month": 1, "day": 1, "zoneId": "UTC"}),
    ));
    assert!(!fixed.relative_to_now());
}

#[test]
fn time_ranges_and_referenced_properties() {
    let ranged = |operator: &str| {
        prop(
            "seen",
            json!({"operationType": "TIME_RANGED", "type": "TIME_RANGED", "operator": operator,
                   "includeObjectsWithNoValueSet": true,
                   "lowerBoundTimePoint": {"timeType": "DATE", "year": 2024, "month": 3, "day": 1, "zoneId": "UTC"},
                   "upperBoundTimePoint": indexed(json!({"referenceType": "NOW"}), json!({}))}),
        )
    };
    assert!(passes(
        ranged("IS_BETWEEN"),
        &[("seen", &at("2024-03-01T00:00:00Z"))]
    ));
    assert!(passes(
        ranged("IS_BETWEEN"),
        &[("seen", &at("2024-03-11T12:00:00Z"))]
    ));
    assert!(!passes(
        ranged("IS_BETWEEN"),
        &[("seen", &at("2024-03-11T12:00:01Z"))]
    ));
    assert!(passes(
        ranged("IS_NOT_BETWEEN"),
        &[("seen", &at("2024-02-29T23:59:59Z"))]
    ));
    assert!(!passes(
        ranged("IS_NOT_BETWEEN"),
        &[("seen", &at("2024-03-05T00:00:00Z"))]
    ));
    // No value: includeObjectsWithNoValueSet decides.
    assert!(passes(ranged("IS_BETWEEN"), &[]));

    // Seen after the birthday; no birthday, no comparison.
    let after_birthday = time_point(
        "seen",
        "IS_AFTER",
        json!({"timeType": "PROPERTY_REFERENCED", "property": "birthday", "referenceType": "VALUE", "zoneId": "UTC"}),
    );
    assert!(passes(
        after_birthday.clone(),
        &[
            ("seen", &at("2024-03-02T10:00:00Z")),
            ("birthday", "2024-03-02")
        ]
    ));
    assert!(!passes(
        after_birthday.clone(),
        &[
            ("seen", &at("2024-03-01T10:00:00Z")),
            ("birthday", "2024-03-02")
        ]
    ));
    assert!(!passes(
        after_birthday,
        &[("seen", &at("2024-03-02T10:00:00Z"))]
    ));

    // UPDATED_AT: when the property was last set, from its history.
    let mut updated = time_point(
        "firstname",
        "IS_AFTER",
        indexed(json!({"referenceType": "TODAY"}), json!({"days": -2})),
    );
    updated["operation"]["propertyParser"] = json!("UPDATED_AT");
    let tree = one(updated);
    assert!(tree.history_properties().contains("firstname"));
    let c = contact(&[("firstname", "Ada")]);
    // Last set a day ago (NOW - 1 day), after the start of two days ago.
    assert!(passes_with(
        &tree,
        &c,
        &history("firstname", &["Ad", "Ada"]),
        &[]
    ));
    // Never set: no value.
    assert!(!passes_with(&tree, &c, &PropertyHistory::new(), &[]));
}

#[test]
fn calendar_windows() {
    let calendar = |operator: &str, unit: &str, extra: Value| {
        let mut op = json!({"operationType": "CALENDAR_DATE", "operator": operator,
                            "timeUnit": unit, "includeObjectsWithNoValueSet": false});
        for (k, v) in extra.as_object().unwrap() {
            op[k] = v.clone();
        }
        prop("seen", op)
    };
    let this_month = calendar("IN_THIS_TIME_UNIT", "MONTH", json!({}));
    assert!(passes(
        this_month.clone(),
        &[("seen", &at("2024-03-01T00:00:00Z"))]
    ));
    assert!(passes(
        this_month.clone(),
        &[("seen", &at("2024-03-31T23:59:59Z"))]
    ));
    assert!(!passes(
        this_month,
        &[("seen", &at("2024-02-29T23:59:59Z"))]
    ));
    let so_far = calendar("IN_THIS_TIME_UNIT_SO_FAR", "DAY", json!({}));
    assert!(passes(
        so_far.clone(),
        &[("seen", &at("2024-03-11T11:00:00Z"))]
    ));
    assert!(!passes(so_far, &[("seen", &at("2024-03-11T13:00:00Z"))]));
    let last_two_months = calendar("IN_LAST_TIME_UNIT", "MONTH", json!({"timeUnitCount": 2}));
    assert!(passes(
        last_two_months.clone(),
        &[("seen", &at("2024-01-01T00:00:00Z"))]
    ));
    assert!(!passes(
        last_two_months.clone(),
        &[("seen", &at("2023-12-31T23:00:00Z"))]
    ));
    assert!(!passes(
        last_two_months,
        &[("seen", &at("2024-03-01T00:00:00Z"))]
    ));
    // Next week: Monday 2024-03-18 to Sunday 2024-03-24.
    let next_week = calendar("IN_NEXT_TIME_UNIT", "WEEK", json!({}));
    assert!(passes(
        next_week.clone(),
        &[("seen", &at("2024-03-18T00:00:00Z"))]
    ));
    assert!(!passes(
        next_week.clone(),
        &[("seen", &at("2024-03-17T23:59:59Z"))]
    ));
    assert!(!passes(next_week, &[("seen", &at("2024-03-25T00:00:00Z"))]));
    // Fiscal quarters from February: this one is February to April.
    let fiscal_quarter = calendar(
        "IN_THIS_TIME_UNIT",
        "QUARTER",
        json!({"useFiscalYear": true, "fiscalYearStart": "FEBRUARY"}),
    );
    assert!(passes(
        fiscal_quarter.clone(),
        &[("seen", &at("2024-04-30T12:00:00Z"))]
    ));
    assert!(!passes(
        fiscal_quarter,
        &[("seen", &at("2024-01-31T12:00:00Z"))]
    ));
    // A fiscal year from July: 2023-07-01 to 2024-06-30.
    let fiscal_year = calendar(
        "IN_THIS_TIME_UNIT",
        "YEAR",
        json!({"useFiscalYear": true, "fiscalYearStart": "JULY"}),
    );
    assert!(passes(
        fiscal_year.clone(),
        &[("seen", &at("2023-07-01T00:00:00Z"))]
    ));
    assert!(!passes(
        fiscal_year,
        &[("seen", &at("2024-07-01T00:00:00Z"))]
    ));
    assert!(one(calendar("IN_THIS_TIME_UNIT", "YEAR", json!({}))).relative_to_now());
}

#[test]
fn comparisons_with_other_properties() {
    let compare = |property: &str, kind: &str, operator: &str, other: &str, default: Value| {
        prop(
            property,
            json!({"operationType": kind, "operator": operator, "comparisonPropertyName": other,
                   "defaultComparisonValue": default, "includeObjectsWithNoValueSet": false}),
        )
    };
    let seen_after_birthday = compare(
        "seen",
        "COMPARATIVE_DATE",
        "IS_AFTER",
        "birthday",
        Value::Null,
    );
    assert!(passes(
        seen_after_birthday.clone(),
        &[
            ("seen", &at("2024-03-05T00:00:00Z")),
            ("birthday", "2024-03-01")
        ]
    ));
    assert!(!passes(
        seen_after_birthday.clone(),
        &[
            ("seen", &at("2024-02-05T00:00:00Z")),
            ("birthday", "2024-03-01")
        ]
    ));
    assert!(!passes(
        seen_after_birthday,
        &[("seen", &at("2024-03-05T00:00:00Z"))]
    ));
    // The default stands in for a missing value.
    let with_default = compare(
        "seen",
        "COMPARATIVE_DATE",
        "IS_BEFORE",
        "birthday",
        json!("2024-01-01"),
    );
    assert!(passes(
        with_default.clone(),
        &[("seen", &at("2023-12-31T00:00:00Z"))]
    ));
    assert!(!passes(
        with_default,
        &[("seen", &at("2024-01-02T00:00:00Z"))]
    ));

    let same_name = compare(
        "firstname",
        "COMPARATIVE_STRING",
        "IS_EQUAL_TO",
        "lastname",
        Value::Null,
    );
    assert!(passes(
        same_name.clone(),
        &[("firstname", "Ada"), ("lastname", "ADA")]
    ));
    assert!(!passes(
        same_name,
        &[("firstname", "Ada"), ("lastname", "Lovelace")]
    ));
    let differ = compare(
        "firstname",
        "COMPARATIVE_STRING",
        "IS_NOT_EQUAL_TO",
        "lastname",
        Value::Null,
    );
    assert!(passes(
        differ.clone(),
        &[("firstname", "Ada"), ("lastname", "Lovelace")]
    ));
    assert!(!passes(differ, &[("lastname", "Lovelace")]));
    let starts = compare(
        "email",
        "COMPARATIVE_STRING",
        "STARTS_WITH",
        "firstname",
        Value::Null,
    );
    assert!(passes(
        starts,
        &[("email", "ada@example.com"), ("firstname", "Ada")]
    ));

    // Last set before the other: firstname a day ago, lastname two days ago.
    let updated = one(compare(
        "firstname",
        "COMPARATIVE_PROPERTY_UPDATED",
        "IS_AFTER",
        "lastname",
        Value::Null,
    ));
    let names = ["firstname", "lastname"];
    assert_eq!(
        updated.history_properties(),
        names.iter().map(|n| n.to_string()).collect()
    );
    let mut h = history("firstname", &["Ada"]);
    h.extend(history("lastname", &["Lovelace", "Byron"]));
    // lastname's newest is also a day ago: not after.
    let c = contact(&[("firstname", "Ada"), ("lastname", "Byron")]);
    assert!(!passes_with(&updated, &c, &h, &[]));
    let mut h = history("firstname", &["Ada"]);
    h.insert(
        "lastname".into(),
        vec![PropertyVersion {
            value: "Byron".into(),
            timestamp: Timestamp::from_millis(NOW - 3 * DAY).unwrap(),
            source: ChangeSource::api(),
        }],
    );
    assert!(passes_with(&updated, &c, &h, &[]));
}

#[test]
fn time_and_comparison_refusals_name_the_problem() {
    let point = |p: Value| refused(wrap(time_point("seen", "IS_AFTER", p)));
    assert!(point(
        json!({"timeType": "DATE", "year": 2024, "month": 2, "day": 30, "zoneId": "UTC"})
    )
    .contains("valid year, month and day"));
    assert!(point(
        json!({"timeType": "DATE", "year": 2024, "month": 2, "day": 3, "zoneId": "Mars/Olympus"})
    )
    .contains("Mars/Olympus"));
    assert!(point(json!({"timeType": "PROPERTY_REFERENCED", "property": "seen", "referenceType": "ANNIVERSARY", "zoneId": "UTC"}))
        .contains("ANNIVERSARY"));
    assert!(point(
        json!({"timeType": "PROPERTY_REFERENCED", "property": "firstname", "zoneId": "UTC"})
    )
    .contains("not a date"));
    assert!(point(indexed(
        json!({"referenceType": "QUARTER", "month": 4, "day": 1}),
        json!({})
    ))
    .contains("1 to 3"));
    assert!(point(indexed(json!({"referenceType": "FORTNIGHT"}), json!({}))).contains("FORTNIGHT"));
    assert!(refused(wrap(time_point(
        "firstname",
        "IS_AFTER",
        json!({"timeType": "DATE", "year": 2024, "month": 1, "day": 1, "zoneId": "UTC"})
    )))
    .contains("does not apply to property firstname"));
    assert!(refused(wrap(time_point(
        "seen",
        "IS_ON",
        json!({"timeType": "DATE", "year": 2024, "month": 1, "day": 1, "zoneId": "UTC"})
    )))
    .contains("IS_ON"));
    assert!(refused(wrap(prop(
        "seen",
        json!({"operationType": "CALENDAR_DATE", "operator": "IN_THIS_TIME_UNIT", "timeUnit": "DECADE"})
    )))
    .contains("timeUnit"));
    assert!(refused(wrap(prop(
        "seen",
        json!({"operationType": "COMPARATIVE_DATE", "operator": "IS_AFTER", "comparisonPropertyName": "nope"})
    )))
    .contains("nope"));
    assert!(refused(wrap(prop(
        "firstname",
        json!({"operationType": "COMPARATIVE_STRING", "operator": "IS_EQUAL_TO", "comparisonPropertyName": "score"})
    )))
    .contains("score"));
}
