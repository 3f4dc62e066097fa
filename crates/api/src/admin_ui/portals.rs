//! Portals: the list with contact counts; create, reset, snapshot,
//! restore and delete.

use super::forms::Form;
use super::layout::{self, confirm, failure, notice, when, Ctx};
use super::portal_id;
use crate::extract::QueryParams;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use spoke_domain::access::limits::Tier;
use spoke_domain::ids::PortalId;
use spoke_domain::search::SearchInput;

const TIERS: [&str; 4] = ["free", "starter", "professional", "enterprise"];

/// Contacts in a portal (archived ones not counted), from the search index.
pub async fn contact_count(state: &AppState, portal: PortalId) -> spoke_domain::Result<u64> {
    let input = SearchInput {
        limit: Some(1),
        ..SearchInput::default()
    };
    Ok(state.crm.search(portal, &input).await?.total)
}

/// What a finished action says on the page it returns to.
fn done(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "reset" => "The portal was reset.",
        "snapshot" => "Snapshot taken.",
        "restored" => "Snapshot restored.",
        "snapshot-deleted" => "Snapshot deleted.",
        "deleted" => "The portal was deleted.",
        "archived" => "The contact was archived.",
        "restored-contact" => "The contact was restored.",
        "gdpr-deleted" => "The contact was permanently deleted (GDPR).",
        "saved" => "Saved.",
        "merged" => "The contacts were merged.",
        "revoked" => "The private app was revoked: its token no longer works.",
        "archived-group" => "The group was archived.",
        "archived-property" => "The property was archived.",
        "list-created" => "The list was created.",
        "members-changed" => "The list's members were updated.",
        "faults-set" => "Faults saved.",
        "faults-cleared" => "Faults cleared.",
        "limits-set" => "Rate limits saved.",
        _ => return None,
    })
}

pub fn done_notice(query: &QueryParams) -> maud::Markup {
    notice(done(query.get("done")))
}

pub async fn index(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: QueryParams,
) -> Response {
    let ctx = Ctx::new(&headers);
    let portals = match state.access.portals().await {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let mut rows = Vec::with_capacity(portals.len());
    for portal in &portals {
        match contact_count(&state, portal.id).await {
            Ok(count) => rows.push((portal, count)),
            Err(err) => return failure(err),
        }
    }
    let body = html! {
        h1 { "Portals" }
        (done_notice(&query))
        div class="scroll" {
            table {
                caption class="muted" { (portals.len()) " portals on this server" }
                thead { tr { th scope="col" { "Portal" } th scope="col" { "Name" } th scope="col" { "Tier" } th scope="col" { "Contacts" } th scope="col" { "Created" } } }
                tbody {
                    @for (portal, count) in &rows {
                        tr {
                            td { a href={ "/_spoke/ui/portals/" (portal.id) } { (portal.id) } @if portal.is_default { " " span class="muted" { "(default)" } } }
                            td { (portal.name) }
                            td { (portal.tier.as_str()) }
                            td { a href={ "/_spoke/ui/portals/" (portal.id) "/contacts" } { (count) } }
                            td { (when(portal.created_at)) }
                        }
                    }
                }
            }
        }
        h2 { "Create a portal" }
        form method="post" action="/_spoke/ui/portals" {
            (ctx.csrf_field())
            div class="row" {
                div {
                    label for="portal-name" { "Name" }
                    input type="text" id="portal-name" name="name" maxlength="200" placeholder="Optional";
                }
                div {
                    label for="portal-tier" { "Tier" }
                    select id="portal-tier" name="tier" {
                        @for tier in TIERS { option value=(tier) { (tier) } }
                    }
                }
            }
            button type="submit" { "Create portal" }
        }
    };
    ctx.page(StatusCode::OK, "Portals", None, body)
}

pub async fn create(State(state): State<AppState>, form: Form) -> Response {
    let ctx = Ctx::new(&form.headers);
    let tier = match form.text("tier") {
        None => Tier::default(),
        Some(t) => match Tier::parse(t) {
            Some(tier) => tier,
            None => {
                return layout::message(
                    StatusCode::BAD_REQUEST,
                    "That did not work",
                    &format!(
                        "tier must be one of free, starter, professional, enterprise; not \"{t}\"."
                    ),
                )
            }
        },
    };
    let created = match state.access.create_portal(form.text("name"), tier).await {
        Ok(c) => c,
        Err(err) => return failure(err),
    };
    let id = created.portal.id;
    let body = html! {
        h1 { "Portal " (id) " created" }
        p class="notice" role="status" { "The portal " strong { (created.portal.name) } " exists, with HubSpot's standard properties and no contacts." }
        h2 { "Its private-app token" }
        p { "Copy it now: Spoke keeps only its digest and cannot show it again." }
        p class="secret" id="new-token" { (created.access_token) }
        p { a href={ "/_spoke/ui/portals/" (id) } { "Go to portal " (id) } }
    };
    ctx.page(StatusCode::CREATED, "Portal created", Some(id), body)
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: QueryParams,
) -> Response {
    let ctx = Ctx::new(&headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let record = match state.access.portal(portal).await {
        Ok(r) => r,
        Err(err) => return failure(err),
    };
    let (count, snapshots) = match (
        contact_count(&state, portal).await,
        state.snapshots.list(portal).await,
    ) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(err), _) | (_, Err(err)) => return failure(err),
    };
    let base = format!("/_spoke/ui/portals/{portal}");
    let body = html! {
        h1 { "Portal " (portal) ": " (record.name) }
        (done_notice(&query))
        dl {
            dt { "Tier" } dd { (record.tier.as_str()) }
            dt { "Contacts" } dd { a href={ (base) "/contacts" } { (count) } }
            dt { "Created" } dd { (when(record.created_at)) }
        }
        h2 { "Snapshots" }
        @if snapshots.is_empty() {
            p class="muted" { "No snapshots yet." }
        } @else {
            table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Taken" } th scope="col" { "Contacts" } th scope="col" { "Actions" } } }
                tbody {
                    @for snapshot in &snapshots {
                        @let path = format!("{base}/snapshots/{}", urlencode(&snapshot.name));
                        tr {
                            td { (snapshot.name) }
                            td { (when(snapshot.created_at)) }
                            td { (snapshot.contacts) }
                            td {
                                (ctx.button(&format!("{path}/restore"), "Restore", "secondary"))
                                (ctx.button(&format!("{path}/delete"), "Delete", "secondary"))
                            }
                        }
                    }
                }
            }
        }
        form method="post" action={ (base) "/snapshots" } {
            (ctx.csrf_field())
            label for="snapshot-name" { "Snapshot name" }
            input type="text" id="snapshot-name" name="name" maxlength="100" placeholder="Optional: a time-stamped name otherwise";
            button type="submit" { "Take a snapshot" }
        }
        h2 { "Reset" }
        form method="post" action={ (base) "/reset" } {
            (ctx.csrf_field())
            p { "Empties the portal's contacts, lists, memberships, events and deliveries." }
            label class="confirm" for="keep-properties" {
                input type="checkbox" id="keep-properties" name="keep_properties" value="yes";
                " Keep custom property definitions"
            }
            (confirm("confirm-reset", "I understand the portal's data will be gone"))
            button type="submit" class="danger" { "Reset portal" }
        }
        h2 { "Delete" }
        form method="post" action={ (base) "/delete" } {
            (ctx.csrf_field())
            p { "Deletes the portal and every row of it; its tokens stop working." }
            (confirm("confirm-delete", "I understand the portal will be gone"))
            button type="submit" class="danger" { "Delete portal" }
        }
    };
    ctx.page(
        StatusCode::OK,
        &format!("Portal {portal}"),
        Some(portal),
        body,
    )
}

pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The refusal of a destructive form whose confirmation was not ticked.
pub fn unconfirmed() -> Response {
    layout::message(
        StatusCode::BAD_REQUEST,
        "Not confirmed",
        "Tick the confirmation box to do this.",
    )
}

/// Back to the portal's page, saying what was done.
fn back(portal: PortalId, done: &str) -> Response {
    Redirect::to(&format!("/_spoke/ui/portals/{portal}?done={done}")).into_response()
}

pub async fn reset(State(state): State<AppState>, Path(id): Path<String>, form: Form) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    if !form.checked("confirm") {
        return unconfirmed();
    }
    match state
        .access
        .reset_portal(portal, form.checked("keep_properties"))
        .await
    {
        Ok(_) => back(portal, "reset"),
        Err(err) => failure(err),
    }
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>, form: Form) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    if !form.checked("confirm") {
        return unconfirmed();
    }
    match state.access.delete_portal(portal).await {
        Ok(()) => Redirect::to("/_spoke/ui?done=deleted").into_response(),
        Err(err) => failure(err),
    }
}

pub async fn take_snapshot(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    match state.snapshots.take(portal, form.text("name")).await {
        Ok(_) => back(portal, "snapshot"),
        Err(err) => failure(err),
    }
}

pub async fn restore_snapshot(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    _form: Form,
) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    match state.snapshots.restore(portal, &name).await {
        Ok(_) => back(portal, "restored"),
        Err(err) => failure(err),
    }
}

pub async fn delete_snapshot(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    _form: Form,
) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    match state.snapshots.delete(portal, &name).await {
        Ok(()) => back(portal, "snapshot-deleted"),
        Err(err) => failure(err),
    }
}
