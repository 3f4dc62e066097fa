//! Contact property definitions and groups, under
//! `/crm/v3/properties/{objectType}` (objectType `contacts`, `contact` or
//! `0-1`).

mod groups;
mod handlers;
pub(crate) mod wire;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use spoke_domain::Error;

const BASE: &str = "/crm/v3/properties/{object_type}";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            BASE,
            get(handlers::list_properties).post(handlers::create_property),
        )
        .route(
            &format!("{BASE}/batch/create"),
            post(handlers::batch_create_properties),
        )
        .route(
            &format!("{BASE}/batch/read"),
            post(handlers::batch_read_properties),
        )
        .route(
            &format!("{BASE}/batch/archive"),
            post(handlers::batch_archive_properties),
        )
        .route(
            &format!("{BASE}/groups"),
            get(groups::list_groups).post(groups::create_group),
        )
        .route(
            &format!("{BASE}/groups/{{group_name}}"),
            get(groups::get_group)
                .patch(groups::update_group)
                .delete(groups::archive_group),
        )
        .route(
            &format!("{BASE}/{{property_name}}"),
            get(handlers::get_property)
                .patch(handlers::update_property)
                .delete(handlers::archive_property),
        )
}

/// Contacts are the only object type Spoke holds; HubSpot accepts these
/// three spellings for them.
pub fn check_object_type(object_type: &str) -> Result<(), Error> {
    match object_type.to_ascii_lowercase().as_str() {
        "contacts" | "contact" | "0-1" => Ok(()),
        _ => Err(Error::invalid_field(
            "objectType",
            format!("Unable to infer object type from: {object_type}"),
        )),
    }
}
