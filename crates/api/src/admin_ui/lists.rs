//! Lists: every list with its size; a list's members; a static list
//! created, its members added and removed; a dynamic list's filters shown
//! as readable text. Through the same service as `/crm/v3/lists`.

use super::forms::Form;
use super::layout::{failure, notice, when, Ctx};
use super::portal_id;
use super::portals::done_notice;
use crate::extract::QueryParams;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde_json::Value;
use spoke_domain::ids::{ListId, PortalId};
use spoke_domain::lists::list::{MemberOrder, MemberPage};
use spoke_domain::lists::service::{CreateInput, SearchInput};

/// Lists shown on the page; members shown of one list.
const SHOWN: usize = 100;

fn base(portal: PortalId) -> String {
    format!("/_spoke/ui/portals/{portal}/lists")
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
    if let Err(err) = state.access.portal(portal).await {
        return failure(err);
    }
    let found = match state
        .lists
        .search(
            portal,
            SearchInput {
                query: query.get("q").map(str::to_string),
                count: Some(SHOWN),
                ..SearchInput::default()
            },
        )
        .await
    {
        Ok(f) => f,
        Err(err) => return failure(err),
    };
    let base = base(portal);
    let body = html! {
        h1 { "Lists of portal " (portal) }
        (done_notice(&query))
        form method="get" action=(base) role="search" {
            label for="list-q" { "Find a list by name" }
            input type="search" id="list-q" name="q" value=[query.get("q")];
            button type="submit" class="secondary" { "Find" }
        }
        p class="muted" { (found.total) " lists" @if found.has_more { ", the first " (SHOWN) " shown" } "." }
        div class="scroll" {
            table id="lists" {
                thead { tr { th scope="col" { "ID" } th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Size" } th scope="col" { "Updated" } } }
                tbody {
                    @for list in &found.lists {
                        tr {
                            td { (list.id.0) }
                            td { a href={ (base) "/" (list.id.0) } { (list.name) } }
                            td { (list.processing_type.as_str()) }
                            td { (list.size) }
                            td { (when(list.updated_at)) }
                        }
                    }
                }
            }
        }
        h2 { "Create a static list" }
        form method="post" action=(base) {
            (ctx.csrf_field())
            label for="list-name" { "Name" }
            input type="text" id="list-name" name="name" required maxlength="200";
            button type="submit" { "Create list" }
        }
    };
    ctx.page(StatusCode::OK, "Lists", Some(portal), body)
}

pub async fn create(State(state): State<AppState>, Path(id): Path<String>, form: Form) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let input = CreateInput {
        name: form.text("name").map(str::to_string),
        object_type_id: Some("0-1".into()),
        processing_type: Some("MANUAL".into()),
        filter_branch: None,
        folder: None,
    };
    match state.lists.create(portal, input).await {
        Ok(list) => Redirect::to(&format!("{}/{}?done=list-created", base(portal), list.id.0))
            .into_response(),
        Err(err) => failure(err),
    }
}

fn list_id(text: &str) -> Result<ListId, spoke_domain::Error> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ListId)
        .ok_or_else(|| spoke_domain::Error::NotFound(format!("\"{text}\" is not a list id.")))
}

/// One value of a filter, as text.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\u{201c}{s}\u{201d}"),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// A filter in words: its property, operator and values.
fn filter_text(filter: &Value) -> String {
    let kind = filter["filterType"].as_str().unwrap_or("?");
    match kind {
        "PROPERTY" => {
            let operation = &filter["operation"];
            let mut words = vec![
                filter["property"].as_str().unwrap_or("?").to_string(),
                operation["operator"]
                    .as_str()
                    .unwrap_or("?")
                    .replace('_', " ")
                    .to_lowercase(),
            ];
            for key in [
                "value",
                "values",
                "lowerBound",
                "upperBound",
                "timePoint",
                "lowerBoundTimePoint",
                "upperBoundTimePoint",
            ] {
                if let Some(v) = operation.get(key) {
                    if key == "value" || key == "values" {
                        words.push(value_text(v));
                    } else {
                        words.push(format!("{key} {}", value_text(v)));
                    }
                }
            }
            words.join(" ")
        }
        "IN_LIST" => format!(
            "is {}a member of list {}",
            if filter["operator"].as_str() == Some("NOT_IN_LIST") {
                "not "
            } else {
                ""
            },
            filter["listId"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| filter["listId"].to_string())
        ),
        "CONSTANT" => format!("always {}", filter["shouldAccept"]),
        other => other.to_string(),
    }
}

/// A filter branch as nested, readable lists.
fn branch(node: &Value) -> Markup {
    let combine = match node["filterBranchType"].as_str() {
        Some("AND") => "all of",
        Some("OR") => "any of",
        Some("NOT_ALL") => "not all of",
        Some("NOT_ANY") => "none of",
        _ => "?",
    };
    let empty = Vec::new();
    let filters = node["filters"].as_array().unwrap_or(&empty);
    let branches = node["filterBranches"].as_array().unwrap_or(&empty);
    html! {
        span { "Contacts matching " strong { (combine) } ":" }
        ul {
            @for f in filters { li { (filter_text(f)) } }
            @for b in branches { li { (branch(b)) } }
            @if filters.is_empty() && branches.is_empty() { li class="muted" { "(nothing)" } }
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    Path((id, list)): Path<(String, String)>,
    headers: HeaderMap,
    query: QueryParams,
) -> Response {
    let ctx = Ctx::new(&headers);
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let list = match list_id(&list) {
        Ok(l) => l,
        Err(err) => return failure(err),
    };
    let (list, members) = match state
        .lists
        .member_contacts(
            portal,
            list,
            MemberPage {
                order: MemberOrder::RecordId,
                after: None,
                before: None,
                limit: SHOWN,
            },
        )
        .await
    {
        Ok(found) => found,
        Err(err) => return failure(err),
    };
    let path = format!("{}/{}", base(portal), list.id.0);
    let manual =
        list.processing_type.as_str() == "MANUAL" || list.processing_type.as_str() == "SNAPSHOT";
    let changed = match (
        query.get("added"),
        query.get("removed"),
        query.get("missing"),
    ) {
        (None, None, None) => None,
        (a, r, m) => Some(format!(
            "Added {}, removed {}, not found {}.",
            a.unwrap_or("0"),
            r.unwrap_or("0"),
            m.unwrap_or("0")
        )),
    };
    let body = html! {
        p { a href=(base(portal)) { "← Lists" } }
        h1 { (list.name) }
        (done_notice(&query))
        (notice(changed.as_deref()))
        p class="muted" { "List " (list.id.0) " · " (list.processing_type.as_str()) " · " (list.processing_status.as_str()) " · " (list.size) " members · updated " (when(list.updated_at)) }
        @if let Some(filters) = &list.filters {
            h2 { "Filters" }
            div id="filters" { (branch(filters)) }
        }
        h2 { "Members" }
        @if members.is_empty() {
            p class="muted" { "No members." }
        } @else {
            @if list.size as usize > members.len() { p class="muted" { "The first " (members.len()) " by id." } }
            div class="scroll" {
                table id="members" {
                    thead { tr { th scope="col" { "Contact" } th scope="col" { "Email" } th scope="col" { "Name" } th scope="col" { "Added" } @if manual { th scope="col" { "" } } } }
                    tbody {
                        @for (m, c) in &members {
                            tr {
                                td { a href={ "/_spoke/ui/portals/" (portal) "/contacts/" (c.id) } { (c.id) } }
                                td { (c.properties.get("email").map(String::as_str).unwrap_or("")) }
                                td { (c.properties.get("firstname").map(String::as_str).unwrap_or("")) " " (c.properties.get("lastname").map(String::as_str).unwrap_or("")) }
                                td { (when(m.added_at)) }
                                @if manual {
                                    td {
                                        form method="post" action={ (path) "/members" } class="inline" {
                                            (ctx.csrf_field())
                                            input type="hidden" name="remove" value=(c.id);
                                            button type="submit" class="secondary" aria-label={ "Remove contact " (c.id) } { "Remove" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if manual {
            h2 { "Add members" }
            form method="post" action={ (path) "/members" } {
                (ctx.csrf_field())
                label for="add-ids" { "Contact ids, separated by commas or spaces" }
                input type="text" id="add-ids" name="add" required;
                button type="submit" { "Add" }
            }
        }
    };
    ctx.page(StatusCode::OK, &list.name, Some(portal), body)
}

pub async fn members(
    State(state): State<AppState>,
    Path((id, list)): Path<(String, String)>,
    form: Form,
) -> Response {
    let portal = match portal_id(&id) {
        Ok(p) => p,
        Err(err) => return failure(err),
    };
    let list = match list_id(&list) {
        Ok(l) => l,
        Err(err) => return failure(err),
    };
    let ids = |name: &str| -> Vec<String> {
        form.get(name)
            .unwrap_or("")
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    match state
        .lists
        .update_members(portal, list, &ids("add"), &ids("remove"))
        .await
    {
        Ok(update) => Redirect::to(&format!(
            "{}/{}?added={}&removed={}&missing={}",
            base(portal),
            list.0,
            update.added.len(),
            update.removed.len(),
            update.missing.len() + update.unreadable.len()
        ))
        .into_response(),
        Err(err) => failure(err),
    }
}
