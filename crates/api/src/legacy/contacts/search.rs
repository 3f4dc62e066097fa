//! `GET /contacts/v1/search/query?q=`: contacts whose names, emails,
//! phones or company have words starting with each word of `q`, from the
//! same index as v3 search (so a contact is found as soon as it is
//! written).

use super::listings::{count, offset};
use super::wire::V1Selection;
use super::{base_url, render, ReadOptions, LISTING};
use crate::error::v1::V1Error;
use crate::extract::Portal;
use crate::extract::QueryParams;
use crate::wire::json;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;
use spoke_domain::search::Sort;
use spoke_domain::Error;

pub async fn query(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let q = query
        .get("q")
        .ok_or_else(|| Error::invalid_field("q", "The search query parameter q is required."))?
        .to_string();
    let read = ReadOptions::from_query(&query, LISTING, V1Selection::AllSet)?;
    let limit = count(&query)?;
    // No portal holds more contacts than ids fit in 32 bits.
    let start = offset(&query, "offset")?
        .unwrap_or(0)
        .min(i64::from(u32::MAX)) as usize;
    let sort = match query.get("sort").map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(name) => {
            let property = if name == "vid" { "hs_object_id" } else { name };
            if state.crm.schema(portal).await?.get(property).is_none() {
                return Err(Error::invalid_field(
                    "sort",
                    format!("Property \"{name}\" does not exist, so it cannot sort."),
                )
                .into());
            }
            let descending = match query.get("order").map(str::to_ascii_uppercase).as_deref() {
                None | Some("" | "DESC") => true,
                Some("ASC") => false,
                Some(other) => {
                    return Err(Error::invalid_field(
                        "order",
                        format!("order must be ASC or DESC, not \"{other}\"."),
                    )
                    .into())
                }
            };
            Some(Sort {
                property: property.to_string(),
                descending,
            })
        }
    };
    let page = state
        .crm
        .query_contacts(portal, &q, sort, start, limit)
        .await?;
    let next = start.saturating_add(page.contacts.len());
    let contacts = render(
        &state,
        portal,
        &page.contacts,
        &read,
        &base_url(&headers),
        |_| None,
    )
    .await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "query": q,
            "offset": next,
            "has-more": (next as u64) < page.total,
            "total": page.total,
            "contacts": contacts,
        }),
    ))
}
