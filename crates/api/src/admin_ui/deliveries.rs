//! A portal's webhook delivery log, as HubSpot's monitoring tab shows an
//! app's calls: each delivery's request (the events sent) and every
//! attempt's answer, newest first, with a replay button.

use super::forms::Form;
use super::layout::{failure, notice, when, Ctx};
use super::portal_id;
use crate::extract::QueryParams;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use spoke_domain::webhooks::store::{DeliveryFilter, DeliveryStatus};
use spoke_domain::Error;

/// Deliveries per page.
const PAGE: usize = 25;

pub async fn log(
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
    if let Err(err) = state.access.portal(portal).await {
        return failure(err);
    }
    let status = query.get("status").and_then(DeliveryStatus::parse);
    let before = query.get("after").and_then(|a| a.parse::<i64>().ok());
    let mut found = match state
        .webhooks
        .deliveries(&DeliveryFilter {
            portal: Some(portal),
            status,
            before,
            limit: PAGE + 1,
            ..DeliveryFilter::default()
        })
        .await
    {
        Ok(d) => d,
        Err(err) => return failure(err),
    };
    let more = found.len() > PAGE;
    found.truncate(PAGE);
    let replayed = query
        .get("replayed")
        .and_then(|r| r.parse::<i64>().ok())
        .map(|r| format!("Replay queued as delivery {r}."));
    let base = format!("/_spoke/ui/portals/{portal}/deliveries");
    let body = html! {
        h1 { "Webhook deliveries of portal " (portal) }
        (notice(replayed.as_deref()))
        form method="get" action=(base) {
            label for="status" { "Status" }
            select id="status" name="status" {
                option value="" { "(any)" }
                @for s in DeliveryStatus::ALL {
                    option value=(s.as_str()) selected[status == Some(s)] { (s.as_str()) }
                }
            }
            button type="submit" class="secondary" { "Show" }
        }
        @if found.is_empty() {
            p class="muted" { "No deliveries." }
        }
        @for d in &found {
            section class="delivery" aria-labelledby={ "delivery-" (d.id) } {
                h2 id={ "delivery-" (d.id) } {
                    "Delivery " (d.id) " · " (d.status.as_str())
                    @if let Some(of) = d.replay_of { " · replay of " (of) }
                }
                p class="muted" {
                    "App " (d.app.0) " · " (d.events.len()) " events · to " code { (d.url) } " · created " (when(d.created_at))
                    @if let Some(next) = d.next_attempt_at { " · next attempt " (when(next)) }
                }
                details {
                    summary { "Request body" }
                    pre { (serde_json::to_string_pretty(&d.events).unwrap_or_default()) }
                }
                @if d.attempts.is_empty() {
                    p class="muted" { "Not attempted yet." }
                } @else {
                    table {
                        thead { tr { th scope="col" { "Attempt" } th scope="col" { "At" } th scope="col" { "Answer" } th scope="col" { "Time" } th scope="col" { "Response" } } }
                        tbody {
                            @for a in &d.attempts {
                                tr {
                                    td { (a.number) }
                                    td { (when(a.at)) }
                                    td {
                                        @if let Some(code) = a.status_code { (code) }
                                        @if let Some(e) = &a.error { span class="error" { (e) } }
                                    }
                                    td { (a.latency_ms) " ms" }
                                    td { code { (a.response_excerpt.as_deref().unwrap_or("")) } }
                                }
                            }
                        }
                    }
                }
                form method="post" action={ "/_spoke/ui/deliveries/" (d.id) "/replay" } class="replay" {
                    (ctx.csrf_field())
                    input type="hidden" name="portal" value=(portal);
                    button type="submit" class="secondary" { "Replay delivery " (d.id) }
                }
            }
        }
        @if more {
            @if let Some(last) = found.last() {
                nav class="pager" aria-label="Pages" {
                    a rel="next" href={ (base) "?after=" (last.id) @if let Some(s) = status { "&status=" (s.as_str()) } } { "Older deliveries" }
                }
            }
        }
    };
    ctx.page(StatusCode::OK, "Webhook deliveries", Some(portal), body)
}

pub async fn replay(State(state): State<AppState>, Path(id): Path<String>, form: Form) -> Response {
    let Some(id) = id.parse::<i64>().ok().filter(|n| *n > 0) else {
        return failure(Error::NotFound(format!(
            "No webhook delivery with id {id}."
        )));
    };
    let portal = match portal_id(form.get("portal").unwrap_or("")) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    match state.webhooks.replay(id).await {
        Ok(replay) => Redirect::to(&format!(
            "/_spoke/ui/portals/{portal}/deliveries?replayed={}",
            replay.id
        ))
        .into_response(),
        Err(err) => failure(err),
    }
}
