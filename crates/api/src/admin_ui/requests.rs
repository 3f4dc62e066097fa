//! A portal's request journal, live (the page reloads itself every few
//! seconds when asked to), and its rate-limit and fault settings: the
//! same services as `/_spoke/v1/portals/{id}/requests`, `/limits` and
//! `/faults`.

use super::forms::Form;
use super::layout::{failure, when, Ctx};
use super::portal_id;
use super::portals::done_notice;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use spoke_domain::access::limits::{LimitSettings, LimitsMode};
use spoke_domain::ids::PortalId;
use spoke_domain::sandbox::journal::JournalQuery;

/// Calls shown.
const SHOWN: usize = 50;
/// Seconds between reloads of the live journal.
const LIVE_SECONDS: u32 = 3;

fn base(portal: PortalId) -> String {
    format!("/_spoke/ui/portals/{portal}/requests")
}

pub async fn journal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: QueryParams,
) -> Response {
    let mut ctx = Ctx::new(&headers);
    if query.get("live") == Some("1") {
        ctx.refresh = Some(LIVE_SECONDS);
    }
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    settings_and_journal(&state, &ctx, portal, &query, StatusCode::OK, None).await
}

async fn settings_and_journal(
    state: &AppState,
    ctx: &Ctx,
    portal: PortalId,
    query: &QueryParams,
    status: StatusCode,
    problem: Option<&str>,
) -> Response {
    let record = match state.access.portal(portal).await {
        Ok(r) => r,
        Err(err) => return failure(err),
    };
    let path_filter = query.get("path").map(str::trim).filter(|p| !p.is_empty());
    let status_filter = query.get("status").and_then(|s| s.parse::<u16>().ok());
    let calls = match state
        .journal
        .list(
            portal,
            JournalQuery {
                path: path_filter.map(str::to_string),
                status: status_filter,
                correlation_id: None,
                after: None,
                limit: SHOWN,
            },
        )
        .await
    {
        Ok(c) => c,
        Err(err) => return failure(err),
    };
    let faults = match state.faults.in_force(portal).await {
        Ok(f) => f,
        Err(err) => return failure(err),
    };
    let limits = state.access.in_force(&record);
    let live = query.get("live") == Some("1");
    let base = base(portal);
    let keep = {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(p) = path_filter {
            q.append_pair("path", p);
        }
        if let Some(s) = status_filter {
            q.append_pair("status", &s.to_string());
        }
        q.finish()
    };
    let body = html! {
        h1 { "Requests to portal " (portal) }
        (done_notice(query))
        @if let Some(problem) = problem {
            p class="alert" role="alert" id="form-error" { (problem) }
        }
        form method="get" action=(base) {
            div class="row" {
                div { label for="journal-path" { "Path contains" } input type="text" id="journal-path" name="path" value=[path_filter]; }
                div { label for="journal-status" { "Status" } input type="number" id="journal-status" name="status" min="100" max="599" value=[status_filter]; }
                div {
                    label class="confirm" for="journal-live" {
                        input type="checkbox" id="journal-live" name="live" value="1" checked[live];
                        " Live (reload every " (LIVE_SECONDS) " s)"
                    }
                }
            }
            button type="submit" class="secondary" { "Show" }
        }
        @if live { p class="muted" role="status" { "Live: this page reloads every " (LIVE_SECONDS) " seconds. " a href={ (base) "?" (keep) } { "Stop" } } }
        @if calls.is_empty() {
            p class="muted" { "No calls recorded." }
        } @else {
            div class="scroll" {
                table id="journal" {
                    thead { tr { th scope="col" { "At" } th scope="col" { "Call" } th scope="col" { "Status" } th scope="col" { "Time" } th scope="col" { "Caller" } th scope="col" { "Bodies" } } }
                    tbody {
                        @for (_, call) in &calls {
                            tr {
                                td { (when(call.at)) }
                                td { code { (call.method) " " (call.path) } }
                                td { (call.status) }
                                td { (call.latency_ms) " ms" }
                                td { (call.credential) }
                                td {
                                    details {
                                        summary { "Request and response" }
                                        p { "Correlation id " code { (call.correlation_id) } }
                                        @if !call.request_body.is_empty() { pre { (call.request_body) } }
                                        pre { (call.response_body) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 id="limits" { "Rate limits" }
        form method="post" action={ (base) "/limits" } {
            (ctx.csrf_field())
            p class="muted" { "In force: " (limits.mode.as_str())
                @if let Some(n) = limits.ten_secondly { " · " (n) " calls per 10 s" }
                @if let Some(n) = limits.daily { " · " (n) " calls a day" }
                @if let Some(n) = limits.search_per_second { " · " (n) " searches a second" } }
            div class="row" {
                div {
                    label for="limits-mode" { "Mode" }
                    select id="limits-mode" name="mode" {
                        @for m in ["off", "hubspot", "custom"] { option value=(m) selected[limits.mode.as_str() == m] { (m) } }
                    }
                }
                div { label for="limits-ten" { "Calls per 10 s (custom)" } input type="number" id="limits-ten" name="tenSecondly" min="1" value=[limits.ten_secondly]; }
                div { label for="limits-daily" { "Calls a day (custom)" } input type="number" id="limits-daily" name="daily" min="1" value=[limits.daily]; }
                div { label for="limits-search" { "Searches a second (custom)" } input type="number" id="limits-search" name="searchPerSecond" min="1" value=[limits.search_per_second]; }
            }
            button type="submit" { "Save rate limits" }
        }
        h2 id="faults" { "Faults" }
        p { "HubSpot misbehaving on purpose: rules as the admin API takes them ("
            code { "PUT /_spoke/v1/portals/" (portal) "/faults" } "), for example "
            code { r#"{"rules": [{"method": "POST", "path": "/crm/v3/objects/contacts", "status": 429, "count": 3}]}"# } "." }
        form method="post" action={ (base) "/faults" } {
            (ctx.csrf_field())
            label for="faults-json" { "Faults in force (JSON)" }
            textarea id="faults-json" name="faults" rows="8" { (serde_json::to_string_pretty(&faults).unwrap_or_default()) }
            button type="submit" { "Save faults" }
        }
        (ctx.button(&format!("{base}/faults/clear"), "Clear faults", "secondary"))
    };
    ctx.page(status, "Requests", Some(portal), body)
}

/// A refused settings form, shown again with the API's words.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    portal: PortalId,
    err: spoke_domain::Error,
) -> Response {
    let (status, body) = ApiError::from(err).parts();
    if status.is_server_error() {
        return failure(spoke_domain::Error::Internal(body.message));
    }
    let detail: Vec<String> = body.errors.iter().map(|e| e.message.clone()).collect();
    let text = format!("{} {}", body.message, detail.join(" "));
    settings_and_journal(
        state,
        ctx,
        portal,
        &QueryParams::parse(None),
        status,
        Some(text.trim()),
    )
    .await
}

pub async fn set_limits(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let ctx = Ctx::new(&form.headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let mode = form.text("mode").unwrap_or("");
    let Some(mode) = LimitsMode::parse(mode) else {
        return refused(
            &state,
            &ctx,
            portal,
            spoke_domain::Error::invalid_field(
                "mode",
                format!("mode must be off, hubspot or custom; not \"{mode}\"."),
            ),
        )
        .await;
    };
    // Numbers only count in custom mode, as the admin API takes them.
    let number = |name: &str| {
        (mode == LimitsMode::Custom)
            .then(|| form.text(name).and_then(|v| v.parse::<u64>().ok()))
            .flatten()
    };
    let settings = match LimitSettings::requested(
        mode,
        number("tenSecondly"),
        number("daily"),
        number("searchPerSecond"),
    ) {
        Ok(s) => s,
        Err(err) => return refused(&state, &ctx, portal, err).await,
    };
    match state.access.set_limits(portal, settings).await {
        Ok(_) => Redirect::to(&format!("{}?done=limits-set#limits", base(portal))).into_response(),
        Err(err) => refused(&state, &ctx, portal, err).await,
    }
}

pub async fn set_faults(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    let ctx = Ctx::new(&form.headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let body: serde_json::Value = match serde_json::from_str(form.get("faults").unwrap_or("")) {
        Ok(v) => v,
        Err(e) => {
            return refused(
                &state,
                &ctx,
                portal,
                spoke_domain::Error::invalid(format!("The faults are not JSON: {e}")),
            )
            .await
        }
    };
    match state.faults.set(portal, &body).await {
        Ok(_) => Redirect::to(&format!("{}?done=faults-set#faults", base(portal))).into_response(),
        Err(err) => refused(&state, &ctx, portal, err).await,
    }
}

pub async fn clear_faults(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _form: Form,
) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    match state.faults.clear(portal).await {
        Ok(()) => {
            Redirect::to(&format!("{}?done=faults-cleared#faults", base(portal))).into_response()
        }
        Err(err) => failure(err),
    }
}
