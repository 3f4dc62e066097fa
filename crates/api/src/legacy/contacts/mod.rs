//! The legacy Contacts API (`/contacts/v1/...`) over the same contacts as
//! v3: a vid is an id, one history, one set of validation and uniqueness
//! rules. One module per group of endpoints; the v1 shapes in [`wire`].

mod batch;
mod listings;
mod lists;
mod profiles;
mod search;
mod secondary_emails;
mod wire;

use crate::error::v1::V1Error;
use crate::extract::QueryParams;
use crate::AppState;
use axum::http::header::HOST;
use axum::http::HeaderMap;
use axum::routing::{get, post, put};
use axum::Router;
use spoke_domain::contact::{Contact, ContactLookup};
use spoke_domain::ids::{ContactId, PortalId};
use spoke_domain::Error;
use std::collections::HashMap;
use wire::{conflict_profile, V1Contact, V1Parts, V1Selection};

const BASE: &str = "/contacts/v1";

pub fn routes() -> Router<AppState> {
    let path = |p: &str| format!("{BASE}{p}");
    Router::new()
        .route(&path("/contact"), post(profiles::create))
        .route(
            &path("/contact/vid/{vid}/profile"),
            get(profiles::get_by_vid).post(profiles::update_by_vid),
        )
        .route(
            &path("/contact/email/{email}/profile"),
            get(profiles::get_by_email).post(profiles::update_by_email),
        )
        .route(
            &path("/contact/utk/{utk}/profile"),
            get(profiles::get_by_utk).post(profiles::update_by_utk),
        )
        .route(
            &path("/contact/createOrUpdate/email/{email}"),
            post(profiles::create_or_update),
        )
        .route(
            &path("/contact/vid/{vid}"),
            axum::routing::delete(profiles::delete),
        )
        .route(&path("/contact/vids/batch"), get(profiles::get_by_vids))
        .route(&path("/contact/emails/batch"), get(profiles::get_by_emails))
        .route(&path("/contact/merge-vids/{vid}"), post(profiles::merge))
        .route(&path("/contact/batch"), post(batch::create_or_update))
        .route(&path("/lists/all/contacts/all"), get(listings::all))
        .route(
            &path("/lists/recently_updated/contacts/recent"),
            get(listings::recently_updated),
        )
        .route(
            &path("/lists/all/contacts/recent"),
            get(listings::recently_created),
        )
        .route(
            &path("/lists"),
            get(lists::all_lists).post(lists::create_list),
        )
        .route(&path("/lists/static"), get(lists::static_lists))
        .route(&path("/lists/dynamic"), get(lists::dynamic_lists))
        .route(&path("/lists/batch"), get(lists::batch))
        .route(
            &path("/lists/{list}"),
            get(lists::get_list)
                .post(lists::update_list)
                .delete(lists::delete_list),
        )
        .route(&path("/lists/{list}/contacts/all"), get(lists::contacts))
        .route(
            &path("/lists/{list}/contacts/recent"),
            get(lists::recent_contacts),
        )
        .route(&path("/lists/{list}/add"), post(lists::add))
        .route(&path("/lists/{list}/remove"), post(lists::remove))
        .route(&path("/search/query"), get(search::query))
        .route(
            &path("/secondary-email/{vid}"),
            get(secondary_emails::list).patch(secondary_emails::replace),
        )
        .route(
            &path("/secondary-email/{vid}/email/{email}"),
            put(secondary_emails::add).delete(secondary_emails::remove),
        )
}

/// HubSpot's v1 message for a contact that is not there.
fn not_found() -> Error {
    Error::NotFound("contact does not exist".into())
}

/// A vid from a path; one that cannot be a vid names no contact.
fn vid(text: &str) -> Result<ContactId, Error> {
    ContactId::parse(text.trim()).ok_or_else(not_found)
}

/// `http://host` of the request, for `profile-url`.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// How a v1 read renders contacts, from its query and the endpoint's
/// defaults.
#[derive(Clone, Debug)]
struct ReadOptions {
    selection: V1Selection,
    with_history: bool,
    list_memberships: bool,
}

/// The defaults of the profile reads (single and batch).
const PROFILE: (bool, bool) = (true, true);
/// The defaults of the listings and search.
const LISTING: (bool, bool) = (false, false);

impl ReadOptions {
    /// `defaults` are (value and history, list memberships);
    /// `selection` is used when no `property` is named.
    fn from_query(
        query: &QueryParams,
        defaults: (bool, bool),
        selection: V1Selection,
    ) -> Result<ReadOptions, Error> {
        let named = query.list("property");
        let with_history = match query.get("propertyMode") {
            None | Some("") => defaults.0,
            Some("value_only") => false,
            Some("value_and_history") => true,
            Some(other) => {
                return Err(Error::invalid_field(
                    "propertyMode",
                    format!(
                        "propertyMode must be value_only or value_and_history, not \"{other}\"."
                    ),
                ))
            }
        };
        match query.get("formSubmissionMode") {
            None | Some("" | "all" | "none" | "newest" | "oldest") => {}
            Some(other) => {
                return Err(Error::invalid_field(
                    "formSubmissionMode",
                    format!(
                        "formSubmissionMode must be all, none, newest or oldest, not \"{other}\"."
                    ),
                ))
            }
        }
        Ok(ReadOptions {
            selection: if named.is_empty() {
                selection
            } else {
                V1Selection::Named(named)
            },
            with_history,
            list_memberships: query.bool("showListMemberships")?.unwrap_or(defaults.1),
        })
    }
}

/// Renders contacts in the v1 shape, each with its merge audits and, when
/// asked, its property history.
async fn render(
    state: &AppState,
    portal: PortalId,
    contacts: &[Contact],
    read: &ReadOptions,
    base: &str,
    added_at: impl Fn(&Contact) -> Option<i64>,
) -> Result<Vec<V1Contact>, Error> {
    let schema = state.crm.schema(portal).await?;
    let ids: Vec<ContactId> = contacts.iter().map(|c| c.id).collect();
    let audits = state.crm.merge_audits(portal, &ids).await?;
    let histories = if read.with_history {
        let mut names: Vec<String> = Vec::new();
        for contact in contacts {
            for name in read.selection.names(contact) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        state.crm.property_history(portal, contacts, &names).await?
    } else {
        HashMap::new()
    };
    let mut memberships: HashMap<ContactId, Vec<serde_json::Value>> = HashMap::new();
    if read.list_memberships {
        for m in state.lists.contact_memberships(portal, &ids).await? {
            memberships
                .entry(m.contact)
                .or_default()
                .push(serde_json::json!({
                    "static-list-id": m.list.0 + spoke_domain::lists::list::LEGACY_ID_OFFSET,
                    "internal-list-id": m.list.0,
                    "timestamp": m.added_at.millis(),
                    "vid": m.contact.0,
                    "is-member": true,
                }));
        }
    }
    Ok(contacts
        .iter()
        .map(|contact| {
            let parts = V1Parts {
                portal,
                schema: &schema,
                selection: &read.selection,
                history: read
                    .with_history
                    .then(|| histories.get(&contact.id))
                    .flatten(),
                audits: audits.get(&contact.id).map_or(&[], Vec::as_slice),
                list_memberships: read
                    .list_memberships
                    .then(|| memberships.get(&contact.id).map_or(&[][..], Vec::as_slice)),
                added_at: added_at(contact),
                base,
            };
            V1Contact::new(contact, &parts)
        })
        .collect())
}

/// A domain error in the v1 shape; a taken email answers as HubSpot's
/// 409 CONTACT_EXISTS, with the identity profile of the contact holding it.
async fn v1_error(state: &AppState, portal: PortalId, err: Error) -> V1Error {
    let Error::ContactExists { existing_id } = &err else {
        return err.into();
    };
    let holder = state
        .crm
        .find_contact(portal, &ContactLookup::Id(*existing_id), false)
        .await;
    let error = V1Error::from(err).with("error", "CONTACT_EXISTS".into());
    match holder {
        Ok(Some(contact)) => error.with("identityProfile", conflict_profile(portal, &contact)),
        _ => error,
    }
}
