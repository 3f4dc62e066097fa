//! A search request as sent, and its validated form: HubSpot's operators,
//! typed comparison values, one sort, paging and every limit.

use super::tokens::query_words;
use crate::error::{Error, ErrorDetail};
use crate::property::{PropertyDefinition, PropertySchema, PropertyType};
use crate::time::{parse_date, Timestamp};

pub const MAX_GROUPS: usize = 5;
/// HubSpot's limits since its change of 2024-08-26 ("Expanded Filtering
/// Capabilities"): 5 groups, 10 filters in a group, 25 in all.
pub const MAX_FILTERS_PER_GROUP: usize = 10;
pub const MAX_FILTERS: usize = 25;
pub const MAX_QUERY_CHARS: usize = 3000;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 200;
/// No query returns results past this many.
pub const MAX_RESULTS: usize = 10_000;

/// The properties the free-text `query` searches, as HubSpot's default
/// searchable contact properties.
pub const SEARCHABLE_PROPERTIES: [&str; 9] = [
    "firstname",
    "lastname",
    "email",
    "phone",
    "hs_additional_emails",
    "fax",
    "mobilephone",
    "company",
    "hs_marketable_until_renewal",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    HasProperty,
    NotHasProperty,
    ContainsToken,
    NotContainsToken,
}

impl Operator {
    pub const ALL: [Operator; 13] = [
        Operator::Eq,
        Operator::Neq,
        Operator::Lt,
        Operator::Lte,
        Operator::Gt,
        Operator::Gte,
        Operator::Between,
        Operator::In,
        Operator::NotIn,
        Operator::HasProperty,
        Operator::NotHasProperty,
        Operator::ContainsToken,
        Operator::NotContainsToken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "EQ",
            Operator::Neq => "NEQ",
            Operator::Lt => "LT",
            Operator::Lte => "LTE",
            Operator::Gt => "GT",
            Operator::Gte => "GTE",
            Operator::Between => "BETWEEN",
            Operator::In => "IN",
            Operator::NotIn => "NOT_IN",
            Operator::HasProperty => "HAS_PROPERTY",
            Operator::NotHasProperty => "NOT_HAS_PROPERTY",
            Operator::ContainsToken => "CONTAINS_TOKEN",
            Operator::NotContainsToken => "NOT_CONTAINS_TOKEN",
        }
    }

    pub fn parse(text: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// One filter as sent. Values arrive as strings (numbers are given as their
/// JSON text by the HTTP layer).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilterInput {
    pub property_name: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub high_value: Option<String>,
    pub values: Option<Vec<String>>,
}

/// One sort as sent (`{"propertyName", "direction"}` or `"-name"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortInput {
    pub property_name: String,
    pub descending: bool,
}

/// A search as sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchInput {
    pub filter_groups: Vec<Vec<FilterInput>>,
    pub sorts: Vec<SortInput>,
    pub query: Option<String>,
    pub limit: Option<i64>,
    /// HubSpot's `after`: an offset, as a string or a number.
    pub after: Option<String>,
}

/// A value compared against stored values: text for string-like
/// properties, a number for numbers, dates and datetimes (milliseconds).
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    Text(String),
    Number(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    Unbounded,
    Included(Term),
    Excluded(Term),
}

/// What a filter asks of a property, in positive form.
#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    Equals(Term),
    Range(Bound, Bound),
    AnyOf(Vec<Term>),
    Exists,
    /// A lowercase token pattern; `*` matches any run of characters.
    Token(String),
}

/// A validated filter: contacts matching `predicate`, or (when `negated`)
/// every other active contact, those without a value included.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub property: String,
    pub predicate: Predicate,
    pub negated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    pub property: String,
    pub descending: bool,
}

/// A validated search: groups OR'd, filters in a group AND'd, every query
/// word required.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchRequest {
    pub groups: Vec<Vec<Filter>>,
    pub query_words: Vec<String>,
    pub sort: Option<Sort>,
    pub offset: usize,
    pub limit: usize,
}

fn at(group: usize, filter: usize, field: &str) -> String {
    format!("filterGroups[{group}].filters[{filter}].{field}")
}

fn invalid(location: &str, message: impl Into<String>) -> Error {
    let message = message.into();
    Error::invalid_fields(vec![ErrorDetail::new(message).location(location)])
}

/// A filter value in the form the property's index holds.
pub fn term_for(def: &PropertyDefinition, raw: &str) -> Option<Term> {
    let raw = raw.trim();
    match def.property_type {
        PropertyType::String | PropertyType::PhoneNumber => Some(Term::Text(raw.to_lowercase())),
        PropertyType::Enumeration => Some(Term::Text(raw.to_string())),
        PropertyType::Bool => match raw.to_ascii_lowercase().as_str() {
            b @ ("true" | "false") => Some(Term::Text(b.to_string())),
            _ => None,
        },
        PropertyType::Number => raw
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Term::Number),
        PropertyType::Date | PropertyType::Datetime => instant_millis(raw).map(Term::Number),
    }
}

/// Milliseconds since the epoch from a filter value: a number (HubSpot's
/// documented form), an ISO datetime or a bare date.
fn instant_millis(raw: &str) -> Option<f64> {
    if let Ok(ms) = raw.parse::<i64>() {
        return Some(ms as f64);
    }
    Timestamp::parse_iso(raw)
        .or_else(|| parse_date(raw).map(Timestamp::from_date))
        .map(|t| t.millis() as f64)
}

fn parse_filter(
    input: &FilterInput,
    group: usize,
    index: usize,
    schema: &PropertySchema,
) -> Result<Filter, Error> {
    let name = input
        .property_name
        .as_deref()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            invalid(
                &at(group, index, "propertyName"),
                "A filter needs a propertyName.",
            )
        })?;
    let def = schema.get(name).ok_or_else(|| {
        invalid(
            &at(group, index, "propertyName"),
            format!("Property \"{name}\" does not exist, so it cannot be searched."),
        )
    })?;
    let operator_text = input.operator.as_deref().unwrap_or("");
    let operator = Operator::parse(operator_text).ok_or_else(|| {
        let all: Vec<&str> = Operator::ALL.iter().map(|o| o.as_str()).collect();
        invalid(
            &at(group, index, "operator"),
            format!(
                "\"{operator_text}\" is not a filter operator; use one of {}.",
                all.join(", ")
            ),
        )
    })?;
    let term = |field: &str, raw: Option<&str>| -> Result<Term, Error> {
        let raw = raw.ok_or_else(|| {
            invalid(
                &at(group, index, field),
                format!("{} on \"{name}\" needs a {field}.", operator.as_str()),
            )
        })?;
        term_for(def, raw).ok_or_else(|| {
            invalid(
                &at(group, index, field),
                format!(
                    "\"{raw}\" is not a valid value for \"{name}\", a {} property.",
                    def.property_type.as_str()
                ),
            )
        })
    };
    let value = || term("value", input.value.as_deref());
    let values = || -> Result<Vec<Term>, Error> {
        let raw = input
            .values
            .as_ref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                invalid(
                    &at(group, index, "values"),
                    format!(
                        "{} on \"{name}\" needs a non-empty values list.",
                        operator.as_str()
                    ),
                )
            })?;
        raw.iter().map(|v| term("values", Some(v))).collect()
    };
    let (predicate, negated) = match operator {
        Operator::Eq => (Predicate::Equals(value()?), false),
        Operator::Neq => (Predicate::Equals(value()?), true),
        Operator::Lt => (
            Predicate::Range(Bound::Unbounded, Bound::Excluded(value()?)),
            false,
        ),
        Operator::Lte => (
            Predicate::Range(Bound::Unbounded, Bound::Included(value()?)),
            false,
        ),
        Operator::Gt => (
            Predicate::Range(Bound::Excluded(value()?), Bound::Unbounded),
            false,
        ),
        Operator::Gte => (
            Predicate::Range(Bound::Included(value()?), Bound::Unbounded),
            false,
        ),
        Operator::Between => (
            Predicate::Range(
                Bound::Included(value()?),
                Bound::Included(term("highValue", input.high_value.as_deref())?),
            ),
            false,
        ),
        Operator::In => (Predicate::AnyOf(values()?), false),
        Operator::NotIn => (Predicate::AnyOf(values()?), true),
        Operator::HasProperty => (Predicate::Exists, false),
        Operator::NotHasProperty => (Predicate::Exists, true),
        Operator::ContainsToken | Operator::NotContainsToken => {
            let text_like = matches!(
                def.property_type,
                PropertyType::String | PropertyType::PhoneNumber | PropertyType::Enumeration
            );
            if !text_like {
                return Err(invalid(
                    &at(group, index, "operator"),
                    format!(
                        "{} applies to text properties; \"{name}\" is a {} property.",
                        operator.as_str(),
                        def.property_type.as_str()
                    ),
                ));
            }
            let raw = input
                .value
                .as_deref()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| {
                    invalid(
                        &at(group, index, "value"),
                        format!("{} on \"{name}\" needs a value.", operator.as_str()),
                    )
                })?;
            let pattern = if def.property_type == PropertyType::Enumeration {
                raw.trim().to_string()
            } else {
                raw.trim().to_lowercase()
            };
            (
                Predicate::Token(pattern),
                operator == Operator::NotContainsToken,
            )
        }
    };
    Ok(Filter {
        property: name.to_string(),
        predicate,
        negated,
    })
}

impl SearchRequest {
    /// Leaves out contacts written (created or changed) at `cutoff` (ms)
    /// or later: every group gets the filter, or the search one group.
    pub fn hide_written_since(&mut self, cutoff: i64) {
        let written_before = Filter {
            property: "lastmodifieddate".into(),
            predicate: Predicate::Range(
                Bound::Unbounded,
                Bound::Excluded(Term::Number(cutoff as f64)),
            ),
            negated: false,
        };
        if self.groups.is_empty() {
            self.groups.push(Vec::new());
        }
        for group in &mut self.groups {
            group.push(written_before.clone());
        }
    }

    /// Validates a search against the portal's properties and HubSpot's
    /// limits.
    pub fn validate(input: &SearchInput, schema: &PropertySchema) -> Result<SearchRequest, Error> {
        if input.filter_groups.len() > MAX_GROUPS {
            return Err(invalid(
                "filterGroups",
                format!(
                    "The search has {} filter groups; at most {MAX_GROUPS} are allowed.",
                    input.filter_groups.len()
                ),
            ));
        }
        for (g, group) in input.filter_groups.iter().enumerate() {
            if group.len() > MAX_FILTERS_PER_GROUP {
                return Err(invalid(
                    &format!("filterGroups[{g}].filters"),
                    format!(
                        "Filter group {g} has {} filters; a group may have at most {MAX_FILTERS_PER_GROUP}.",
                        group.len()
                    ),
                ));
            }
        }
        let total: usize = input.filter_groups.iter().map(Vec::len).sum();
        if total > MAX_FILTERS {
            return Err(invalid(
                "filterGroups",
                format!(
                    "The search has {total} filters in all; at most {MAX_FILTERS} are allowed."
                ),
            ));
        }
        let query = input.query.as_deref().unwrap_or("");
        let query_chars = query.chars().count();
        if query_chars > MAX_QUERY_CHARS {
            return Err(invalid(
                "query",
                format!("The query is {query_chars} characters long; at most {MAX_QUERY_CHARS} are allowed."),
            ));
        }
        let limit = match input.limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
            Some(n) => {
                return Err(invalid(
                    "limit",
                    format!("limit must be between 1 and {MAX_LIMIT}, not {n}."),
                ))
            }
        };
        let offset = match input.after.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(text) => text.parse::<usize>().map_err(|_| {
                invalid(
                    "after",
                    format!("after must be a non-negative integer (the paging.next.after of the previous page), not \"{text}\"."),
                )
            })?,
        };
        if offset >= MAX_RESULTS {
            return Err(invalid(
                "after",
                format!(
                    "A search returns at most {MAX_RESULTS} results: after must be below {MAX_RESULTS}, not {offset}. Narrow the search with filters instead."
                ),
            ));
        }
        if input.sorts.len() > 1 {
            return Err(invalid(
                "sorts",
                format!(
                    "A search may sort by one property only, not {}.",
                    input.sorts.len()
                ),
            ));
        }
        let sort = match input.sorts.first() {
            None => None,
            Some(s) if schema.get(&s.property_name).is_some() => Some(Sort {
                property: s.property_name.clone(),
                descending: s.descending,
            }),
            Some(s) => {
                return Err(invalid(
                    "sorts",
                    format!(
                        "Property \"{}\" does not exist, so it cannot sort.",
                        s.property_name
                    ),
                ))
            }
        };
        let mut groups = Vec::new();
        for (g, group) in input.filter_groups.iter().enumerate() {
            let filters = group
                .iter()
                .enumerate()
                .map(|(f, filter)| parse_filter(filter, g, f, schema))
                .collect::<Result<Vec<_>, _>>()?;
            groups.push(filters);
        }
        Ok(SearchRequest {
            groups,
            query_words: query_words(query),
            sort,
            offset,
            // The page never reaches past the last result HubSpot serves.
            limit: limit.min(MAX_RESULTS - offset),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::standard;

    fn schema() -> PropertySchema {
        PropertySchema::new(standard::contact_properties())
    }

    fn filter(name: &str, op: &str, value: Option<&str>) -> FilterInput {
        FilterInput {
            property_name: Some(name.into()),
            operator: Some(op.into()),
            value: value.map(Into::into),
            ..FilterInput::default()
        }
    }

    fn one(f: FilterInput) -> Result<SearchRequest, Error> {
        SearchRequest::validate(
            &SearchInput {
                filter_groups: vec![vec![f]],
                ..SearchInput::default()
            },
            &schema(),
        )
    }

    fn location(err: Error) -> String {
        match err {
            Error::Invalid(i) => i.details[0].location.clone().unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_take_the_type_of_their_property() {
        let r = one(filter("email", "EQ", Some("A@B.co"))).unwrap();
        assert_eq!(
            r.groups[0][0].predicate,
            Predicate::Equals(Term::Text("a@b.co".into()))
        );
        let r = one(filter("createdate", "GTE", Some("2024-01-01"))).unwrap();
        assert_eq!(
            r.groups[0][0].predicate,
            Predicate::Range(
                Bound::Included(Term::Number(1_704_067_200_000.0)),
                Bound::Unbounded
            )
        );
        let r = one(filter("lifecyclestage", "NEQ", Some("lead"))).unwrap();
        assert!(r.groups[0][0].negated);
        assert_eq!(
            location(one(filter("hs_object_id", "EQ", Some("abc"))).unwrap_err()),
            "filterGroups[0].filters[0].value"
        );
    }

    #[test]
    fn operators_and_properties_are_checked() {
        assert_eq!(
            location(one(filter("email", "LIKE", Some("x"))).unwrap_err()),
            "filterGroups[0].filters[0].operator"
        );
        assert_eq!(
            location(one(filter("nope", "EQ", Some("x"))).unwrap_err()),
            "filterGroups[0].filters[0].propertyName"
        );
        assert_eq!(
            location(one(filter("email", "EQ", None)).unwrap_err()),
            "filterGroups[0].filters[0].value"
        );
        assert_eq!(
            location(one(filter("email", "IN", None)).unwrap_err()),
            "filterGroups[0].filters[0].values"
        );
        assert_eq!(
            location(one(filter("email", "BETWEEN", Some("a"))).unwrap_err()),
            "filterGroups[0].filters[0].highValue"
        );
        assert_eq!(
            location(one(filter("hs_object_id", "CONTAINS_TOKEN", Some("1"))).unwrap_err()),
            "filterGroups[0].filters[0].operator"
        );
    }

    #[test]
    fn hubspots_limits_are_enforced() {
        let f = || filter("email", "HAS_PROPERTY", None);
        let limits =
            |input: SearchInput| location(SearchRequest::validate(&input, &schema()).unwrap_err());
        assert_eq!(
            limits(SearchInput {
                filter_groups: vec![vec![f()]; 6],
                ..SearchInput::default()
            }),
            "filterGroups"
        );
        assert_eq!(
            limits(SearchInput {
                filter_groups: vec![vec![f(); 11]],
                ..SearchInput::default()
            }),
            "filterGroups[0].filters"
        );
        assert_eq!(
            limits(SearchInput {
                filter_groups: vec![vec![f(); 9], vec![f(); 9], vec![f(); 8]],
                ..SearchInput::default()
            }),
            "filterGroups"
        );
        assert_eq!(
            limits(SearchInput {
                query: Some("x".repeat(3001)),
                ..SearchInput::default()
            }),
            "query"
        );
        assert_eq!(
            limits(SearchInput {
                limit: Some(201),
                ..SearchInput::default()
            }),
            "limit"
        );
        assert_eq!(
            limits(SearchInput {
                limit: Some(0),
                ..SearchInput::default()
            }),
            "limit"
        );
        assert_eq!(
            limits(SearchInput {
                after: Some("10000".into()),
                ..SearchInput::default()
            }),
            "after"
        );
        assert_eq!(
            limits(SearchInput {
                after: Some("x".into()),
                ..SearchInput::default()
            }),
            "after"
        );
        let two_sorts = vec![
            SortInput {
                property_name: "email".into(),
                descending: false,
            },
            SortInput {
                property_name: "firstname".into(),
                descending: false,
            },
        ];
        assert_eq!(
            limits(SearchInput {
                sorts: two_sorts,
                ..SearchInput::default()
            }),
            "sorts"
        );
        let ok = SearchRequest::validate(
            &SearchInput {
                filter_groups: vec![vec![f(); 10], vec![f(); 10], vec![f(); 5]],
                ..SearchInput::default()
            },
            &schema(),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn the_last_page_stops_at_ten_thousand() {
        let r = SearchRequest::validate(
            &SearchInput {
                after: Some("9950".into()),
                limit: Some(100),
                ..SearchInput::default()
            },
            &schema(),
        )
        .unwrap();
        assert_eq!((r.offset, r.limit), (9950, 50));
    }
}
