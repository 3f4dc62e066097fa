//! The parsers of what callers send, under arbitrary input: list filter
//! trees (v3 and v1), search requests and import files. Whatever comes in,
//! a parser answers with a value or an error, never a panic (which the API
//! would turn into a 500). Property tests (proptest) run a short
//! randomized pass each run; the inputs in `tests/corpus/`, kept in the
//! repository, run every time, and proptest records any failing case it
//! finds in `proptest-regressions/` to be kept too.

use proptest::prelude::*;
use serde_json::{Map, Value};
use spoke_domain::imports::columns::map_columns;
use spoke_domain::imports::file::CsvFile;
use spoke_domain::imports::rows::RowChecker;
use spoke_domain::lists::FilterBranch;
use spoke_domain::property::{standard, PropertySchema};
use spoke_domain::search::{FilterInput, SearchInput, SearchRequest, SortInput};
use std::sync::Arc;

fn schema() -> Arc<PropertySchema> {
    Arc::new(PropertySchema::new(standard::contact_properties()))
}

/// Words the parsers look for, mixed with noise.
const WORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT_ALL",
    "NOT_ANY",
    "PROPERTY",
    "filterBranchType",
    "filterBranches",
    "filters",
    "filterType",
    "property",
    "operation",
    "operationType",
    "operator",
    "value",
    "values",
    "MULTISTRING",
    "NUMBER",
    "TIME_POINT",
    "TIME_RANGED",
    "IS_EQUAL_TO",
    "IS_BETWEEN",
    "EQ",
    "SET_ANY",
    "WITHIN_TIME",
    "email",
    "firstname",
    "createdate",
    "lifecyclestage",
    "lead",
    "timeUnitCount",
    "upperBound",
    "lowerBound",
    "",
    "-1",
    "1e309",
    "\u{0}",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(WORDS).prop_map(str::to_string),
        ".{0,12}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn filter_input() -> impl Strategy<Value = FilterInput> {
    (
        proptest::option::of(word()),
        proptest::option::of(word()),
        proptest::option::of(word()),
        proptest::option::of(word()),
        proptest::option::of(proptest::collection::vec(word(), 0..4)),
    )
        .prop_map(
            |(property_name, operator, value, high_value, values)| FilterInput {
                property_name,
                operator,
                value,
                high_value,
                values,
            },
        )
}

fn parse_filters(value: &Value) {
    let schema = schema();
    let _ = FilterBranch::parse(value, &schema);
    let _ = FilterBranch::parse_stored(value);
    if let Ok(tree) = spoke_domain::lists::legacy::from_v1(value, &schema) {
        let _ = FilterBranch::parse(&tree, &schema);
    }
}

fn import(bytes: &[u8]) {
    let schema = schema();
    let Ok(mut file) = CsvFile::open(bytes) else {
        return;
    };
    let Ok(columns) = map_columns(file.headers(), &schema, &[]) else {
        return;
    };
    let mut checker = RowChecker::new(columns, schema);
    while let Ok(Some(row)) = file.next_row() {
        let _ = checker.check(row);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn list_filter_trees_never_panic(value in json()) {
        parse_filters(&value);
    }

    #[test]
    fn search_requests_never_panic(
        groups in proptest::collection::vec(proptest::collection::vec(filter_input(), 0..4), 0..4),
        sorts in proptest::collection::vec((word(), any::<bool>()), 0..3),
        query in proptest::option::of(".{0,40}"),
        limit in proptest::option::of(any::<i64>()),
        after in proptest::option::of(word()),
    ) {
        let input = SearchInput {
            filter_groups: groups,
            sorts: sorts
                .into_iter()
                .map(|(property_name, descending)| SortInput { property_name, descending })
                .collect(),
            query,
            limit,
            after,
        };
        let _ = SearchRequest::validate(&input, &schema());
    }

    #[test]
    fn import_files_never_panic(
        cells in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(&["email", "a@x.io", "First Name", "lead", "\"", ",", ";", "\n", "\r\n", "\t", ""][..])
                        .prop_map(|s| s.as_bytes().to_vec()),
                    proptest::collection::vec(any::<u8>(), 0..8),
                ],
                0..6,
            ),
            0..8,
        ),
        bom in any::<bool>(),
    ) {
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        for line in cells {
            for (i, cell) in line.iter().enumerate() {
                if i > 0 {
                    bytes.push(b',');
                }
                bytes.extend_from_slice(cell);
            }
            bytes.push(b'\n');
        }
        import(&bytes);
    }
}

#[test]
fn the_kept_corpus_parses_without_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => import(&bytes),
            Some("json") => parse_filters(&serde_json::from_slice(&bytes).unwrap()),
            _ => continue,
        }
        seen += 1;
    }
    assert!(seen >= 5, "the corpus is there: {seen} files");
}
