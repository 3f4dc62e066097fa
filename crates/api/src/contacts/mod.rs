//! CRM contacts, served under `/crm/v3/objects/contacts` and the
//! date-versioned `/crm/objects/2026-03/contacts` by the same handlers.

mod handlers;
mod wire;

use crate::AppState;
use axum::routing::get;
use axum::Router;

pub fn routes(prefix: &str) -> Router<AppState> {
    Router::new()
        .route(
            prefix,
            get(handlers::list_contacts).post(handlers::create_contact),
        )
        .route(
            &format!("{prefix}/{{contact_id}}"),
            get(handlers::get_contact)
                .patch(handlers::update_contact)
                .delete(handlers::archive_contact),
        )
}
