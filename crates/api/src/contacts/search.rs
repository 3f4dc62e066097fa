//! `POST …/search`.

use super::wire::{ForwardPaging, NextPage, SearchResults, Selection, SimplePublicObject};
use crate::error::ApiError;
use crate::extract::{JsonBody, Portal};
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use spoke_domain::search::{FilterInput, SearchInput, SortInput};
use spoke_domain::Error;

/// `PublicObjectSearchRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchBody {
    #[serde(default)]
    filter_groups: Vec<FilterGroupBody>,
    #[serde(default)]
    sorts: Vec<Value>,
    query: Option<String>,
    #[serde(default)]
    properties: Vec<String>,
    limit: Option<Value>,
    after: Option<Value>,
}

#[derive(Deserialize)]
struct FilterGroupBody {
    #[serde(default)]
    filters: Vec<FilterBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilterBody {
    property_name: Option<String>,
    operator: Option<String>,
    value: Option<Value>,
    high_value: Option<Value>,
    values: Option<Vec<Value>>,
}

/// Filter values arrive as strings, or as numbers and booleans from
/// hand-written clients.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Sorts come as `{"propertyName", "direction"}` (the spec) or as
/// `"-name"` / `"name"` strings (what the Node client's types ask for).
fn sort(value: &Value, index: usize) -> Result<SortInput, Error> {
    let bad = |message: String| Error::invalid_field(&format!("sorts[{index}]"), message);
    match value {
        Value::String(s) => match s.strip_prefix('-') {
            Some(name) => Ok(SortInput {
                property_name: name.to_string(),
                descending: true,
            }),
            None => Ok(SortInput {
                property_name: s.clone(),
                descending: false,
            }),
        },
        Value::Object(map) => {
            let name = map
                .get("propertyName")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("A sort needs a propertyName.".into()))?;
            let descending = match map.get("direction").and_then(Value::as_str) {
                None | Some("ASCENDING") => false,
                Some("DESCENDING") => true,
                Some(other) => {
                    return Err(bad(format!(
                        "\"{other}\" is not a sort direction; use ASCENDING or DESCENDING."
                    )))
                }
            };
            Ok(SortInput {
                property_name: name.to_string(),
                descending,
            })
        }
        other => Err(bad(format!(
            "A sort is a string or an object, not {other}."
        ))),
    }
}

fn limit(value: &Value) -> Result<i64, Error> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| Error::invalid_field("limit", format!("limit must be an integer, not {value}.")))
}

impl SearchBody {
    fn into_input(self) -> Result<(SearchInput, Vec<String>), Error> {
        let sorts = self
            .sorts
            .iter()
            .enumerate()
            .map(|(i, s)| sort(s, i))
            .collect::<Result<Vec<_>, _>>()?;
        let filter_groups = self
            .filter_groups
            .into_iter()
            .map(|group| {
                group
                    .filters
                    .into_iter()
                    .map(|f| FilterInput {
                        property_name: f.property_name,
                        operator: f.operator,
                        value: f.value.as_ref().and_then(text),
                        high_value: f.high_value.as_ref().and_then(text),
                        values: f
                            .values
                            .map(|values| values.iter().filter_map(text).collect()),
                    })
                    .collect()
            })
            .collect();
        let input = SearchInput {
            filter_groups,
            sorts,
            query: self.query,
            limit: self.limit.as_ref().map(limit).transpose()?,
            after: self.after.as_ref().and_then(text),
        };
        Ok((input, self.properties))
    }
}

/// `POST …/search`: filter groups, free-text query, one sort, paging, with
/// HubSpot's limits; sees every write that has returned.
pub async fn search_contacts(
    State(state): State<AppState>,
    Portal(portal): Portal,
    JsonBody(body): JsonBody<SearchBody>,
) -> Result<Response, ApiError> {
    let (input, properties) = body.into_input()?;
    let page = state.crm.search(portal, &input).await?;
    let selection = if properties.is_empty() {
        Selection::Defaults
    } else {
        Selection::Named(properties)
    };
    let schema = state.crm.schema(portal).await?;
    let results = page
        .contacts
        .iter()
        .map(|c| SimplePublicObject::new(c, &selection, Some(&schema), None))
        .collect();
    let paging = page.next_after.map(|after| ForwardPaging {
        next: NextPage {
            after: after.to_string(),
            link: None,
        },
    });
    Ok(json(
        StatusCode::OK,
        &SearchResults {
            total: page.total,
            results,
            paging,
        },
    ))
}
