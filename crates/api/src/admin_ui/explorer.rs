//! The API explorer: Swagger UI over `/openapi.json`, its assets served
//! from the binary. Requests carry the token in the page's token field;
//! a button makes a new private-app token for a chosen portal (Spoke keeps
//! only digests, so an existing token cannot be shown again).

use super::forms::Form;
use super::layout::{failure, Ctx};
use super::portal_id;
use crate::extract::QueryParams;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use spoke_domain::access::Scopes;
use spoke_domain::ids::PortalId;

/// The private app a new explorer token belongs to.
pub const EXPLORER_APP: &str = "API explorer (admin page)";

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: QueryParams,
) -> Response {
    let ctx = Ctx::new(&headers);
    let chosen = query.get("portal").and_then(|p| portal_id(p).ok());
    page(&state, &ctx, chosen, None).await
}

pub async fn new_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let ctx = Ctx::new(&form.headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    match state
        .access
        .create_private_app(portal, Some(EXPLORER_APP), Scopes::all())
        .await
    {
        Ok((_, token)) => page(&state, &ctx, Some(portal), Some(&token)).await,
        Err(err) => failure(err),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    chosen: Option<PortalId>,
    token: Option<&str>,
) -> Response {
    let portals = match state.access.portals().await {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let chosen = chosen.or_else(|| portals.first().map(|p| p.id));
    let body = html! {
        h1 { "API explorer" }
        p { "Every operation Spoke serves, in HubSpot's own shapes (" a href="/openapi.json" { "/openapi.json" } "). "
            "Open one, choose " em { "Try it out" } ", and the request goes to this server with the token below." }
        @if let Some(portal) = chosen {
            form method="post" action={ "/_spoke/ui/portals/" (portal) "/explorer-token" } {
                (ctx.csrf_field())
                p { "Portal " (portal) ": "
                    button type="submit" class="secondary" { "Make a new private-app token for this portal" } }
            }
        }
        form method="get" action="/_spoke/ui/explorer" {
            label for="explorer-portal" { "Portal" }
            select id="explorer-portal" name="portal" {
                @for p in &portals {
                    option value=(p.id) selected[Some(p.id) == chosen] { (p.id) " · " (p.name) }
                }
            }
            button type="submit" class="secondary" { "Choose" }
        }
        label for="explorer-token" { "Access token sent as " code { "Authorization: Bearer" } }
        input type="text" id="explorer-token" autocomplete="off" spellcheck="false" value=[token] placeholder="pat-…";
        @if token.is_some() {
            p class="notice" role="status" { "A new private app, \u{201c}" (EXPLORER_APP) "\u{201d}, holds this token with every scope. Copy it now if you need it elsewhere: it is not shown again." }
        }
        link rel="stylesheet" href="/_spoke/ui/assets/swagger-ui.css";
        div id="swagger" {}
        script src="/_spoke/ui/assets/swagger-ui-bundle.js" {}
        script src="/_spoke/ui/assets/explorer.js" {}
    };
    ctx.page(
        if token.is_some() {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        "API explorer",
        chosen,
        body,
    )
}
