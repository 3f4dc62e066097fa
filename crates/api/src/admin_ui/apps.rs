//! Apps and webhooks of a portal: its private apps (a new one's token
//! shown once; revoking one kills its token), the public apps installed
//! in it with the scopes granted, and each app's webhook target and
//! subscriptions. Every public app of the server is listed too.

use super::forms::Form;
use super::layout::{failure, when, Ctx};
use super::portal_id;
use super::portals::done_notice;
use crate::extract::QueryParams;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use spoke_domain::access::Scopes;
use spoke_domain::ids::{AppId, PortalId};
use spoke_domain::Error;

fn base(portal: PortalId) -> String {
    format!("/_spoke/ui/portals/{portal}/apps")
}

fn scopes(s: &Scopes) -> Markup {
    html! { @for (i, scope) in s.iter().enumerate() { @if i > 0 { ", " } code { (scope) } } }
}

/// An app's webhook target and subscriptions.
async fn webhooks_of(state: &AppState, app: AppId) -> Markup {
    let settings = state.webhooks.settings(app).await.ok();
    let subscriptions = state.webhooks.subscriptions(app).await.unwrap_or_default();
    html! {
        @if let Some(s) = &settings {
            p { "Webhooks to " code { (s.target_url) } ", at most " (s.max_concurrent_requests) " requests at a time." }
        } @else {
            p class="muted" { "No webhook target set." }
        }
        @if !subscriptions.is_empty() {
            ul {
                @for sub in &subscriptions {
                    li {
                        code { (sub.event_type.as_str()) }
                        @if let Some(p) = &sub.property_name { " of " code { (p) } }
                        " (subscription " (sub.id) ", " @if sub.active { "active" } @else { "paused" } ")"
                    }
                }
            }
        }
    }
}

pub async fn index(
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
    page(&state, &ctx, portal, &query, None).await
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    portal: PortalId,
    query: &QueryParams,
    new_token: Option<(&str, &str)>,
) -> Response {
    let (private, installs, apps) = match (
        state.access.private_apps(portal).await,
        state.access.installs(portal).await,
        state.access.apps().await,
    ) {
        (Ok(p), Ok(i), Ok(a)) => (p, i, a),
        (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => return failure(err),
    };
    let mut installed = Vec::new();
    for (app, granted, at) in &installs {
        installed.push((app, granted, at, webhooks_of(state, app.id).await));
    }
    let base = base(portal);
    let body = html! {
        h1 { "Apps of portal " (portal) }
        (done_notice(query))
        @if let Some((name, token)) = new_token {
            div class="notice" role="status" {
                p { "Private app " strong { (name) } " created. Its token, shown this once:" }
                p class="secret" id="new-token" { (token) }
            }
        }
        h2 { "Private apps" }
        div class="scroll" {
            table id="private-apps" {
                thead { tr { th scope="col" { "App" } th scope="col" { "Name" } th scope="col" { "Scopes" } th scope="col" { "Created" } th scope="col" { "" } } }
                tbody {
                    @for app in &private {
                        tr {
                            td { (app.id.0) }
                            td { (app.name) }
                            td { (scopes(&app.scopes)) }
                            td { (when(app.created_at)) }
                            td {
                                form method="post" action={ (base) "/private/" (app.id.0) "/revoke" } class="inline" {
                                    (ctx.csrf_field())
                                    button type="submit" class="secondary" aria-label={ "Revoke private app " (app.id.0) } { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }
        form method="post" action={ (base) "/private" } {
            (ctx.csrf_field())
            div class="row" {
                div { label for="private-name" { "Name" } input type="text" id="private-name" name="name" required maxlength="200"; }
                div { label for="private-scopes" { "Scopes (space-separated; empty for every scope)" } input type="text" id="private-scopes" name="scopes"; }
            }
            button type="submit" { "Create private app" }
        }
        h2 { "Public apps installed here" }
        @if installed.is_empty() {
            p class="muted" { "None. An app is installed through OAuth consent (or POST /_spoke/v1/oauth/authorize)." }
        }
        @for (app, granted, at, hooks) in &installed {
            section {
                h3 { (app.name) " " span class="muted" { "(app " (app.id.0) ", client id " code { (app.client_id) } ")" } }
                p { "Installed " (when(**at)) "; granted " (scopes(granted)) "." }
                (hooks)
            }
        }
        h2 { "Every public app of this server" }
        div class="scroll" {
            table id="apps" {
                thead { tr { th scope="col" { "App" } th scope="col" { "Name" } th scope="col" { "Redirect URIs" } th scope="col" { "Scopes" } th scope="col" { "Token lifetime" } } }
                tbody {
                    @for app in &apps {
                        tr {
                            td { (app.id.0) }
                            td { (app.name) }
                            td { @for uri in &app.redirect_uris { code { (uri) } br; } }
                            td { (scopes(&app.scopes)) }
                            td { (app.token_ttl_seconds) " s" }
                        }
                    }
                }
            }
        }
    };
    ctx.page(
        if new_token.is_some() {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        "Apps",
        Some(portal),
        body,
    )
}

pub async fn create_private(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let ctx = Ctx::new(&form.headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let wanted = match form.text("scopes") {
        None => Scopes::all(),
        Some(text) => match Scopes::parse("scopes", text.split_whitespace()) {
            Ok(s) => s,
            Err(err) => return failure(err),
        },
    };
    let name = form.text("name");
    match state.access.create_private_app(portal, name, wanted).await {
        Ok((app, token)) => {
            page(
                &state,
                &ctx,
                portal,
                &QueryParams::parse(None),
                Some((&app.name, &token)),
            )
            .await
        }
        Err(err) => failure(err),
    }
}

pub async fn revoke_private(
    State(state): State<AppState>,
    Path((id, app)): Path<(String, String)>,
    _form: Form,
) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let Some(app) = app.parse::<i64>().ok().map(AppId) else {
        return failure(Error::NotFound(format!("\"{app}\" is not an app id.")));
    };
    match state.access.delete_private_app(portal, app).await {
        Ok(()) => Redirect::to(&format!("{}?done=revoked", base(portal))).into_response(),
        Err(err) => failure(err),
    }
}
