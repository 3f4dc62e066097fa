//! Search through the store: every backend finds the same contacts in the
//! same order, sees a write as soon as it returns, and answers what SQL
//! cannot narrow exactly (text ranges, wildcards inside words, long values).

use crate::basics::custom;
use crate::{default_portal, write};
use spoke_domain::contact::ContactLookup;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::property::{FieldType, PropertyType};
use spoke_domain::search::{FilterInput, SearchInput, SearchRequest, SortInput};
use spoke_domain::store::Store;
use spoke_domain::time::Timestamp;
use std::sync::Arc;

pub(crate) fn filter(name: &str, op: &str, value: Option<&str>) -> FilterInput {
    FilterInput {
        property_name: Some(name.into()),
        operator: Some(op.into()),
        value: value.map(Into::into),
        ..FilterInput::default()
    }
}

fn values(name: &str, op: &str, values: &[&str]) -> FilterInput {
    FilterInput {
        property_name: Some(name.into()),
        operator: Some(op.into()),
        values: Some(values.iter().map(|v| v.to_string()).collect()),
        ..FilterInput::default()
    }
}

fn between(name: &str, low: &str, high: &str) -> FilterInput {
    FilterInput {
        high_value: Some(high.into()),
        ..filter(name, "BETWEEN", Some(low))
    }
}

/// Runs a search; returns (total, ids of the page).
async fn run(store: &Arc<dyn Store>, portal: PortalId, input: SearchInput) -> (u64, Vec<i64>) {
    let schema = store.property_schema(portal).await.unwrap();
    let request = SearchRequest::validate(&input, &schema).unwrap();
    let hits = store.search(portal, request).await.unwrap();
    (hits.total, hits.ids.into_iter().map(|id| id.0).collect())
}

pub(crate) async fn matching(
    store: &Arc<dyn Store>,
    portal: PortalId,
    groups: Vec<Vec<FilterInput>>,
) -> Vec<i64> {
    run(
        store,
        portal,
        SearchInput {
            filter_groups: groups,
            limit: Some(100),
            ..SearchInput::default()
        },
    )
    .await
    .1
}

async fn sorted(
    store: &Arc<dyn Store>,
    portal: PortalId,
    property: &str,
    descending: bool,
) -> Vec<i64> {
    run(
        store,
        portal,
        SearchInput {
            sorts: vec![SortInput {
                property_name: property.into(),
                descending,
            }],
            limit: Some(100),
            ..SearchInput::default()
        },
    )
    .await
    .1
}

/// Six contacts, ids 1 to 6, with what the cases below expect.
async fn six(store: &Arc<dyn Store>) -> PortalId {
    let p = default_portal(store).await;
    store
        .create_property(p, custom("score", PropertyType::Number, FieldType::Number))
        .await
        .unwrap();
    let rows: [&[(&str, &str)]; 6] = [
        &[
            ("firstname", "Ann"),
            ("lastname", "Lee"),
            ("email", "ann@hubspot.com"),
            ("score", "10"),
            ("city", "Oslo"),
        ],
        &[
            ("firstname", "Bob"),
            ("email", "bob@example.com"),
            ("score", "2.5"),
        ],
        &[
            ("firstname", "Mary Jo"),
            ("lastname", "Smith"),
            ("score", "-1"),
            ("city", "oslo"),
        ],
        &[("lastname", "Johnson"), ("email", "x@hubspot.com")],
        &[("firstname", "anna"), ("score", "10"), ("city", "New York")],
        &[("firstname", "Zoë"), ("city", "São Paulo")],
    ];
    for row in rows {
        store.create_contact(p, write(row)).await.unwrap();
    }
    p
}

pub async fn search_sees_every_returned_write(store: Arc<dyn Store>) {
    let p = six(&store).await;
    let ann = || vec![vec![filter("firstname", "CONTAINS_TOKEN", Some("ann"))]];
    assert_eq!(matching(&store, p, ann()).await, [1]);
    store
        .update_contact(p, ContactId(2), write(&[("firstname", "Ann Marie")]))
        .await
        .unwrap();
    assert_eq!(
        matching(&store, p, ann()).await,
        [1, 2],
        "an update is found at once"
    );
    store.archive_contact(p, ContactId(1)).await.unwrap();
    assert_eq!(
        matching(&store, p, ann()).await,
        [2],
        "an archived contact is not"
    );
    store
        .merge_contacts(p, ContactId(5), ContactId(2), Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        matching(
            &store,
            p,
            vec![vec![filter("email", "EQ", Some("bob@example.com"))]]
        )
        .await,
        [5],
        "the survivor has the merged contact's address"
    );
    assert_eq!(matching(&store, p, ann()).await, Vec::<i64>::new());
    store
        .gdpr_delete(p, &ContactLookup::Id(ContactId(5)))
        .await
        .unwrap();
    assert_eq!(
        matching(
            &store,
            p,
            vec![vec![filter("email", "EQ", Some("bob@example.com"))]]
        )
        .await,
        Vec::<i64>::new()
    );
    let created = store
        .create_contact(p, write(&[("firstname", "Annie")]))
        .await
        .unwrap();
    let annie = matching(
        &store,
        p,
        vec![vec![filter("firstname", "CONTAINS_TOKEN", Some("annie"))]],
    )
    .await;
    assert_eq!(annie, [created.id.0], "a create is found at once");
    // Another portal with the same values finds only its own.
    let other = crate::new_portal(&store, "Other", "other").await;
    store
        .create_contact(other, write(&[("firstname", "Annie")]))
        .await
        .unwrap();
    assert_eq!(
        matching(
            &store,
            p,
            vec![vec![filter("firstname", "CONTAINS_TOKEN", Some("annie"))]]
        )
        .await,
        [created.id.0]
    );
    assert_eq!(
        matching(
            &store,
            other,
            vec![vec![filter("firstname", "CONTAINS_TOKEN", Some("annie"))]]
        )
        .await,
        [1]
    );
}

pub async fn search_sorts_pages_and_counts(store: Arc<dyn Store>) {
    let p = six(&store).await;
    let cases: Vec<(Vec<Vec<FilterInput>>, Vec<i64>)> = vec![
        (vec![vec![filter("firstname", "EQ", Some("ANN"))]], vec![1]),
        (
            vec![vec![filter("firstname", "CONTAINS_TOKEN", Some("jo"))]],
            vec![3],
        ),
        (
            vec![vec![filter("firstname", "CONTAINS_TOKEN", Some("an*"))]],
            vec![1, 5],
        ),
        (
            vec![vec![filter(
                "email",
                "CONTAINS_TOKEN",
                Some("*@hubspot.com"),
            )]],
            vec![1, 4],
        ),
        (
            vec![vec![filter("firstname", "NEQ", Some("ann"))]],
            vec![2, 3, 4, 5, 6],
        ),
        (vec![vec![filter("score", "GT", Some("0"))]], vec![1, 2, 5]),
        (vec![vec![between("score", "2.5", "10")]], vec![1, 2, 5]),
        (vec![vec![filter("score", "LT", Some("2.5"))]], vec![3]),
        (vec![vec![filter("score", "EQ", Some("10.0"))]], vec![1, 5]),
        (
            vec![vec![filter("lastname", "HAS_PROPERTY", None)]],
            vec![1, 3, 4],
        ),
        (
            vec![vec![filter("score", "NOT_HAS_PROPERTY", None)]],
            vec![4, 6],
        ),
        (vec![vec![values("city", "IN", &["OSLO"])]], vec![1, 3]),
        (
            vec![vec![values("city", "NOT_IN", &["oslo", "new york"])]],
            vec![2, 4, 6],
        ),
        (
            vec![vec![values("hs_object_id", "IN", &["2", "4", "99"])]],
            vec![2, 4],
        ),
        (
            vec![vec![
                filter("createdate", "HAS_PROPERTY", None),
                filter("hs_object_id", "GTE", Some("5")),
            ]],
            vec![5, 6],
        ),
        (
            vec![
                vec![filter("firstname", "EQ", Some("bob"))],
                vec![
                    filter("city", "EQ", Some("oslo")),
                    filter("score", "LT", Some("0")),
                ],
            ],
            vec![2, 3],
        ),
    ];
    for (groups, expected) in cases {
        let shown = format!("{groups:?}");
        assert_eq!(matching(&store, p, groups).await, expected, "{shown}");
    }
    assert_eq!(sorted(&store, p, "score", false).await, [3, 2, 1, 5, 4, 6]);
    assert_eq!(sorted(&store, p, "score", true).await, [1, 5, 2, 3, 4, 6]);
    assert_eq!(
        sorted(&store, p, "firstname", false).await,
        [1, 5, 2, 3, 6, 4]
    );
    assert_eq!(
        sorted(&store, p, "firstname", true).await,
        [6, 3, 2, 5, 1, 4]
    );
    assert_eq!(
        sorted(&store, p, "createdate", true).await,
        [6, 5, 4, 3, 2, 1]
    );
    // Modified in an order unlike creation's.
    for id in [4, 2, 6] {
        store
            .update_contact(p, ContactId(id), write(&[("jobtitle", "x")]))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let by_modified = sorted(&store, p, "lastmodifieddate", true).await;
    assert_eq!(&by_modified[..3], [6, 2, 4]);
    let page = run(
        &store,
        p,
        SearchInput {
            sorts: vec![SortInput {
                property_name: "score".into(),
                descending: false,
            }],
            limit: Some(2),
            after: Some("2".into()),
            ..SearchInput::default()
        },
    )
    .await;
    assert_eq!(page, (6, vec![1, 5]));
    let text = |q: &str| SearchInput {
        query: Some(q.into()),
        limit: Some(100),
        ..SearchInput::default()
    };
    assert_eq!(run(&store, p, text("hub")).await, (2, vec![1, 4]));
    assert_eq!(run(&store, p, text("jo")).await, (2, vec![3, 4]));
    assert_eq!(run(&store, p, text("jo smi")).await, (1, vec![3]));
}

pub async fn search_answers_text_ranges_and_inner_wildcards(store: Arc<dyn Store>) {
    let p = six(&store).await;
    let cases: Vec<(FilterInput, Vec<i64>)> = vec![
        (filter("firstname", "LT", Some("b")), vec![1, 5]),
        (filter("firstname", "GTE", Some("mary")), vec![3, 6]),
        (between("lastname", "j", "m"), vec![4, 1]),
        (filter("email", "CONTAINS_TOKEN", Some("*ub*")), vec![1, 4]),
        (
            filter("email", "NOT_CONTAINS_TOKEN", Some("*ub*")),
            vec![2, 3, 5, 6],
        ),
        (filter("city", "CONTAINS_TOKEN", Some("s*o")), vec![6]),
    ];
    for (f, mut expected) in cases {
        expected.sort();
        let shown = format!("{f:?}");
        assert_eq!(
            matching(&store, p, vec![vec![f]]).await,
            expected,
            "{shown}"
        );
    }
    // A text range sorted, and paged.
    let page = run(
        &store,
        p,
        SearchInput {
            filter_groups: vec![vec![filter("firstname", "LT", Some("n"))]],
            sorts: vec![SortInput {
                property_name: "firstname".into(),
                descending: true,
            }],
            limit: Some(2),
            after: Some("1".into()),
            ..SearchInput::default()
        },
    )
    .await;
    assert_eq!(
        page,
        (4, vec![2, 5]),
        "mary jo, bob, anna, ann: the 2nd and 3rd"
    );
    // Values longer than a search term keeps are matched exactly.
    store
        .create_property(p, custom("bio", PropertyType::String, FieldType::Textarea))
        .await
        .unwrap();
    let long = "word ".repeat(400).trim_end().to_string();
    let longer = format!("{long} tail");
    let a = store
        .create_contact(p, write(&[("bio", &long)]))
        .await
        .unwrap();
    let b = store
        .create_contact(p, write(&[("bio", &longer)]))
        .await
        .unwrap();
    assert_eq!(
        matching(&store, p, vec![vec![filter("bio", "EQ", Some(&long))]]).await,
        [a.id.0]
    );
    assert_eq!(
        matching(&store, p, vec![vec![filter("bio", "EQ", Some(&longer))]]).await,
        [b.id.0]
    );
    assert_eq!(
        matching(&store, p, vec![vec![filter("bio", "NEQ", Some(&long))]]).await,
        [1, 2, 3, 4, 5, 6, b.id.0]
    );
}

pub async fn a_type_change_reaches_search(store: Arc<dyn Store>) {
    let p = default_portal(&store).await;
    store
        .create_property(p, custom("level", PropertyType::String, FieldType::Text))
        .await
        .unwrap();
    let a = store
        .create_contact(p, write(&[("level", "7.50")]))
        .await
        .unwrap();
    let b = store
        .create_contact(p, write(&[("level", "10")]))
        .await
        .unwrap();
    assert_eq!(
        matching(&store, p, vec![vec![filter("level", "EQ", Some("7.50"))]]).await,
        [a.id.0]
    );
    store
        .replace_property(
            p,
            custom("level", PropertyType::Number, FieldType::Number),
            true,
        )
        .await
        .unwrap();
    assert_eq!(
        matching(&store, p, vec![vec![filter("level", "GT", Some("8"))]]).await,
        [b.id.0]
    );
    assert_eq!(
        matching(&store, p, vec![vec![filter("level", "EQ", Some("7.5"))]]).await,
        [a.id.0]
    );
    assert_eq!(sorted(&store, p, "level", true).await, [b.id.0, a.id.0]);
}
