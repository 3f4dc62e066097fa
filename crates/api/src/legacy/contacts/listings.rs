//! The v1 listings: every contact in vid order (`vidOffset` paging), and
//! the recently created or modified ones, newest first (`timeOffset` and
//! `vidOffset` paging together).

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
use spoke_domain::contact::Contact;
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::store::RecentBy;
use spoke_domain::time::Timestamp;
use spoke_domain::Error;

/// HubSpot's default and largest `count`.
const DEFAULT_COUNT: usize = 20;
const MAX_COUNT: usize = 100;

/// `count`, as HubSpot takes it: larger values are served at the maximum.
pub(super) fn count(query: &QueryParams) -> Result<usize, Error> {
    Ok(query
        .positive_int("count")?
        .unwrap_or(DEFAULT_COUNT)
        .min(MAX_COUNT))
}

/// A non-negative integer offset parameter.
pub(super) fn offset(query: &QueryParams, key: &str) -> Result<Option<i64>, Error> {
    match query.get(key) {
        None | Some("") => Ok(None),
        Some(text) => match text.trim().parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(n)),
            _ => Err(Error::invalid_field(
                key,
                format!("{key} must be a non-negative integer, not \"{text}\"."),
            )),
        },
    }
}

/// `GET /contacts/v1/lists/all/contacts/all`
pub async fn all(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let read = ReadOptions::from_query(&query, LISTING, V1Selection::ListDefaults)?;
    let limit = count(&query)?;
    let after = offset(&query, "vidOffset")?.unwrap_or(0);
    // A vid offset past every possible id leaves nothing to list.
    let page = match ContactId::parse(&(after + 1).to_string()) {
        Some(from) => {
            state
                .crm
                .list_contacts(portal, Some(from), limit, false)
                .await?
        }
        None => spoke_domain::crm::ContactPage {
            contacts: Vec::new(),
            next_after: None,
        },
    };
    let last = page.contacts.last().map_or(after, |c| c.id.0);
    let contacts = render(
        &state,
        portal,
        &page.contacts,
        &read,
        &base_url(&headers),
        |c| Some(c.created_at.millis()),
    )
    .await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "contacts": contacts,
            "has-more": page.next_after.is_some(),
            "vid-offset": last,
        }),
    ))
}

async fn recent(
    state: AppState,
    portal: PortalId,
    by: RecentBy,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    let read = ReadOptions::from_query(&query, LISTING, V1Selection::ListDefaults)?;
    let limit = count(&query)?;
    let time_offset = offset(&query, "timeOffset")?;
    let vid_offset = offset(&query, "vidOffset")?;
    // Without a vid, the page starts with every contact at that time.
    let before = time_offset.map(|t| {
        (
            Timestamp::from_stored(t),
            ContactId(vid_offset.unwrap_or(i64::MAX)),
        )
    });
    let mut contacts = state
        .crm
        .recent_contacts(portal, by, before, limit + 1)
        .await?;
    let has_more = contacts.len() > limit;
    contacts.truncate(limit);
    let time = |c: &Contact| match by {
        RecentBy::Created => c.created_at.millis(),
        RecentBy::Modified => c.updated_at.millis(),
    };
    let (time_offset, vid_offset) = match contacts.last() {
        Some(c) => (time(c), c.id.0),
        None => (time_offset.unwrap_or(0), vid_offset.unwrap_or(0)),
    };
    let rendered = render(&state, portal, &contacts, &read, &base_url(&headers), |c| {
        Some(time(c))
    })
    .await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "contacts": rendered,
            "has-more": has_more,
            "vid-offset": vid_offset,
            "time-offset": time_offset,
        }),
    ))
}

/// `GET /contacts/v1/lists/recently_updated/contacts/recent`: newest
/// modification first. (HubSpot looks back 30 days only; Spoke serves
/// every contact.)
pub async fn recently_updated(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    recent(state, portal, RecentBy::Modified, query, headers).await
}

/// `GET /contacts/v1/lists/all/contacts/recent`: newest creation first.
pub async fn recently_created(
    State(state): State<AppState>,
    Portal(portal): Portal,
    query: QueryParams,
    headers: HeaderMap,
) -> Result<Response, V1Error> {
    recent(state, portal, RecentBy::Created, query, headers).await
}
