//! HubSpot's Lists v3 API (`/crm/v3/lists`) over Spoke's lists of contacts:
//! lists ([`handlers`]), their members ([`memberships`]), folders
//! ([`folders`]), and conversion to static and size history
//! ([`conversion`]). The legacy v1 lists API serves the same lists
//! (`legacy::lists`).

mod conversion;
mod folders;
pub(crate) mod handlers;
mod memberships;
pub(crate) mod wire;

use crate::AppState;
use axum::routing::{get, post, put};
use axum::Router;

const BASE: &str = "/crm/v3/lists";

pub fn routes() -> Router<AppState> {
    let path = |p: &str| format!("{BASE}{p}");
    Router::new()
        .route(BASE, get(handlers::get_lists).post(handlers::create_list))
        .route(&path("/search"), post(handlers::search_lists))
        .route(
            &path("/idmapping"),
            get(handlers::id_mapping).post(handlers::id_mappings),
        )
        .route(
            &path("/object-type-id/{object_type}/name/{name}"),
            get(handlers::get_list_by_name),
        )
        .route(
            &path("/records/memberships/batch/read"),
            post(memberships::of_records),
        )
        .route(
            &path("/records/{object_type}/{record}/memberships"),
            get(memberships::of_record),
        )
        .route(
            &path("/folders"),
            get(folders::get_folder).post(folders::create_folder),
        )
        .route(&path("/folders/move-list"), put(folders::move_list))
        .route(
            &path("/folders/{folder}"),
            axum::routing::delete(folders::delete_folder),
        )
        .route(
            &path("/folders/{folder}/rename"),
            put(folders::rename_folder),
        )
        .route(
            &path("/folders/{folder}/move/{parent}"),
            put(folders::move_folder),
        )
        .route(
            &path("/{list}"),
            get(handlers::get_list).delete(handlers::delete_list),
        )
        .route(&path("/{list}/restore"), put(handlers::restore_list))
        .route(
            &path("/{list}/schedule-conversion"),
            get(conversion::get_conversion)
                .put(conversion::schedule_conversion)
                .delete(conversion::cancel_conversion),
        )
        .route(
            &path("/{list}/size-and-edits-history/between"),
            get(conversion::size_and_edits),
        )
        .route(
            &path("/{list}/update-list-name"),
            put(handlers::rename_list),
        )
        .route(
            &path("/{list}/update-list-filters"),
            put(handlers::refilter_list),
        )
        .route(
            &path("/{list}/memberships"),
            get(memberships::by_record_id).delete(memberships::clear),
        )
        .route(
            &path("/{list}/memberships/join-order"),
            get(memberships::in_join_order),
        )
        .route(&path("/{list}/memberships/add"), put(memberships::add))
        .route(
            &path("/{list}/memberships/remove"),
            put(memberships::remove),
        )
        .route(
            &path("/{list}/memberships/add-and-remove"),
            put(memberships::add_and_remove),
        )
        .route(
            &path("/{list}/memberships/add-from/{source}"),
            put(memberships::add_from),
        )
}
