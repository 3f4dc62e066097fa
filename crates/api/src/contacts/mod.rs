//! CRM contacts, served under `/crm/v3/objects/contacts` and the
//! date-versioned `/crm/objects/2026-03/contacts` by the same handlers.

mod batch;
mod handlers;
mod merge;
mod search;
mod wire;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes(prefix: &str) -> Router<AppState> {
    Router::new()
        .route(
            prefix,
            get(handlers::list_contacts).post(handlers::create_contact),
        )
        .route(
            &format!("{prefix}/batch/create"),
            post(batch::batch_create_contacts),
        )
        .route(
            &format!("{prefix}/batch/read"),
            post(batch::batch_read_contacts),
        )
        .route(
            &format!("{prefix}/batch/update"),
            post(batch::batch_update_contacts),
        )
        .route(
            &format!("{prefix}/batch/upsert"),
            post(batch::batch_upsert_contacts),
        )
        .route(
            &format!("{prefix}/batch/archive"),
            post(batch::batch_archive_contacts),
        )
        .route(&format!("{prefix}/merge"), post(merge::merge_contacts))
        .route(
            &format!("{prefix}/gdpr-delete"),
            post(merge::gdpr_delete_contact),
        )
        .route(&format!("{prefix}/search"), post(search::search_contacts))
        .route(
            &format!("{prefix}/{{contact_id}}"),
            get(handlers::get_contact)
                .patch(handlers::update_contact)
                .delete(handlers::archive_contact),
        )
}
